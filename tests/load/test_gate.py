"""Validation is the single gate (issue 10), stated as two properties over generated input.

1. Hostile YAML (aliases, tags, deep nesting, odd scalars, random bytes) in a peer file or in
   ix.yaml: loading ends in a result or in located problems, within bounded time and memory;
   `ztix validate` exits 0 or 1, nothing else.
2. Generated repositories, valid or nearly so: whatever validate accepts renders, passes the
   real `bird -p`, and is stored by the ZeroTier controller exactly as sent, inside the
   network's managed routes; whatever it rejects is reported with located problems.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.birdtools import bird_parse
from tests.conftest import repo_files
from tests.fakes.zerotier_controller import FakeController
from ztix.adapters.zerotier.controller import ControllerProvider
from ztix.adapters.zerotier.http import RetryPolicy
from ztix.apply import zerotier as zerotier_run
from ztix.bird.names import reserved
from ztix.cli import main
from ztix.errors import ValidationFailed
from ztix.load.loader import load_files
from ztix.plan.zerotier import desired_network
from ztix.render.routeserver import render_all

PEER = "peers/AS64502.yaml"

# ---------------------------------------------------------------------- 1. hostile YAML

ODD_SCALARS = [
    "2026-02-30",
    "2026-13-01",
    "0x_",
    "0o9",
    "0b2",
    "1:20:30",
    "1_000",
    ".inf",
    "-.nan",
    "~",
    "null",
    "yes",
    "No",
    "on",
    "y",
    "=",
    "<<",
    "!!int abc",
    "!!str 1",
    "!!binary xyz",
    "!!python/object/apply:os.system ['true']",
    "!local x",
    "! x",
    "&a 1",
    "*a",
    "*undefined",
    "9" * 5000,
    "1e99999",
    "'quoted'",
    '"\\x00"',
    '"\\u212a"',
    "é",
    "\u212aELVIN",
    "|\n  x",
    ">\n  y",
    "[]",
    "{}",
    "[1, [2, [3]]]",
    "{a: {b: {c: 1}}}",
    "? [a]\n: 1",
    "- x",
    "fd00:1::12%eth0",
    "::ffff:10.0.0.1",
    "010.0.0.1",
    "10.0.0.12",
]

KEYS = st.sampled_from(
    ["asn", "name", "contact", "connections", "max_prefix", "as_set", "description", "x", "<<"]
)


def _nest(depth: int) -> st.SearchStrategy[str]:
    return st.one_of(
        st.just("[" * depth + "]" * depth),
        st.just("".join("  " * i + f"k{i}:\n" for i in range(depth)) + "  " * depth + "v"),
    )


def _laughs(levels: int) -> str:
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, levels)]
    return "\n".join(lines)


FRAGMENT = st.one_of(
    st.builds(lambda k, v: f"{k}: {v}", KEYS, st.sampled_from(ODD_SCALARS)),
    st.builds(lambda d: f"deep: {d}", st.integers(1, 300).flatmap(_nest)),
    st.integers(1, 12).map(_laughs),
    st.text(max_size=40).map(lambda t: f"text: {t}"),
    st.binary(max_size=40).map(lambda b: b.decode("latin-1")),
    st.sampled_from(["---", "...", "%YAML 1.1", "%TAG ! tag:x,2000:", "\t", "\ufeff", "#"]),
)


def _hostile_document() -> st.SearchStrategy[str]:
    return st.lists(FRAGMENT, min_size=1, max_size=8).map("\n".join)


def _located(exc: ValidationFailed, files: dict[str, Any]) -> None:
    assert exc.problems
    for problem in exc.problems:
        assert problem.path in files or problem.path in ("ix.yaml", "peers")
        assert problem.line >= 1 and problem.col >= 1 and problem.message


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_hostile_document(), target=st.sampled_from(["peer", "exchange"]))
def test_hostile_yaml_gives_located_problems_in_bounded_time_and_memory(
    text: str, target: str
) -> None:
    files = repo_files()
    if target == "peer":
        files[PEER] = text
    else:
        files["ix.yaml"] = files["ix.yaml"] + "\n" + text
    tracemalloc.start()
    start = time.perf_counter()
    try:
        load_files(files)
    except ValidationFailed as exc:
        _located(exc, files)
    finally:
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert elapsed < 1.0, elapsed
    assert peak < 50 * 2**20, peak


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=300) | _hostile_document().map(str.encode))
def test_validate_exits_0_or_1_on_anything(
    data: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "repo"
    for path, text in repo_files().items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    (root / PEER).write_bytes(data)
    assert main(["validate", "--repo", str(root)]) in (0, 1)
    err = capsys.readouterr().err
    assert "Traceback" not in err


# ---------------------------------------------------------------------- 2. the single gate

SAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:_&()'/+@!?=-"
SAFE_TEXT = st.text(alphabet=SAFE, min_size=1, max_size=30).map(
    lambda t: " ".join(t.split()) or "x"
)
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKtjAIsDUGj9NfyMhyE7ip5BXH3G+mboFszPmD0uHkYX"
# field -> (values validate should accept, values it must refuse). Each generated exchange takes
# every field from the first set but at most one, which it takes from the second.
FIELDS: dict[str, tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]]] = {
    "rtr_name": (
        st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True).filter(
            lambda n: reserved(n) is None
        ),
        st.sampled_from(["bgp", "filter", "roa_v4", "rpki1", "rs_export", "device", "table"]),
    ),
    "rtr_host": (
        st.sampled_from(["127.0.0.1", "::1", "rtr.example.net", "localhost", "192.0.2.10"]),
        st.sampled_from(["127.000.0.1", "fd00::1%lo", "-bad-", "1.2.3", "FD00::1"]),
    ),
    "rtr_port": (st.integers(1, 65535), st.sampled_from([0, 65536, "323", True])),
    "asn": (
        st.sampled_from([64511, 215000, 4200000000, 65000]),
        st.sampled_from([0, 23456, 4294967295, "64511", 64511.0]),
    ),
    "lan4_len": (st.integers(8, 29), st.sampled_from([0, 30, 31, 32])),
    "lan6_len": (st.integers(32, 120), st.sampled_from([0, 8, 124, 128])),
    "path_length": (st.integers(1, 255), st.sampled_from([0, 256, "32", True, 32.0])),
    "min_length": (st.integers(1, 16), st.sampled_from([0, -1, "8"])),
    "max_length": (st.integers(16, 32), st.sampled_from([33, 200, "24"])),
    "limit": (st.integers(1, 10_000_000), st.sampled_from([0, 10_000_001, 2**32, 10**20, -5])),
    "peer_asn": (
        st.sampled_from([64500, 64510, 206000, 4200000001]),
        st.sampled_from([0, 23456, 65535, 64511]),
    ),
    "peer_ipv6": (st.just("good"), st.sampled_from(["zone", "upper", "mapped", "outside"])),
    "as_set": (
        st.sampled_from(["", "AS-ONE", "RIPE::AS-TWO", "AS3320:AS-FOO", "AS-FOO AS-BAR"]),
        st.sampled_from(["AS-ANY", "AS-\u212aELVIN", "A\u017f-FOO", "AS-", "AS-FOO;"]),
    ),
    "text": (SAFE_TEXT, st.sampled_from(['a"b', "a;b", "a{b}", "x\ny", "caf\u00e9", " x"])),
    "bird": (st.sampled_from(["2.0", "2.14", "3"]), st.sampled_from(["2", 2.0, "4"])),
}


@st.composite
def exchanges(draw: st.DrawFn) -> dict[str, Any]:
    """The files of a generated exchange: valid, or with exactly one field spoiled."""
    spoiled = draw(st.sampled_from([None, None, None, *FIELDS]))

    def pick(field: str) -> Any:
        good, bad = FIELDS[field]
        return draw(bad if field == spoiled else good)

    lan4 = ipaddress.ip_network(
        f"10.{draw(st.integers(0, 255))}.0.0/{pick('lan4_len')}", strict=False
    )
    lan6 = ipaddress.ip_network(
        f"fd00:{draw(st.integers(1, 9999)):x}::/{pick('lan6_len')}", strict=False
    )

    def host(network: Any, index: int) -> str:
        return str(network.network_address + 1 + index % max(1, network.num_addresses - 2))

    servers = [
        {
            "name": f"rs{n}",
            "zerotier_node_id": f"{0xE000000000 + n:010x}",
            "ipv4": host(lan4, n),
            "ipv6": host(lan6, n),
            "router_id": host(lan4, n),
            "ssh": {"host": "127.0.0.1", "user": "ztix", "host_key": KEY},
            "bird": {"version": pick("bird")},
        }
        for n in range(draw(st.integers(1, 2)))
    ]
    exchange = {
        "name": pick("text"),
        "asn": pick("asn"),
        "peering_lan": {"ipv4": str(lan4), "ipv6": str(lan6)},
        "zerotier": {
            "provider": "self_hosted_controller",
            "api_url": "http://127.0.0.1:9993",
            "network_id": "1122334455667788",
        },
        "route_servers": servers,
        "rpki": {
            "rtr_servers": [
                {"name": pick("rtr_name"), "host": pick("rtr_host"), "port": pick("rtr_port")}
            ],
            "invalid": draw(st.sampled_from(["reject", "tag"])),
        },
        "irr": {"enabled": False, "reason": "generated members have no IRR data"},
        "policy": {
            "allow_documentation_asns": True,
            "allow_private_asns": True,
            "max_as_path_length": pick("path_length"),
            "ipv4": {
                "min_length": pick("min_length"),
                "max_length": pick("max_length"),
                "max_prefix_default": 1,
                "max_prefix_ceiling": 10_000_000,
            },
        },
    }
    files = {"ix.yaml": yaml.safe_dump(exchange, sort_keys=False)}
    for index in range(draw(st.integers(0, 3))):
        asn = pick("peer_asn") + index if isinstance(pick("peer_asn"), int) else 64500 + index
        v6 = host(lan6, 10 + index)
        form = pick("peer_ipv6")
        v6 = {
            "good": v6,
            "zone": v6 + "%eth0",
            "upper": v6.upper(),
            "mapped": "::ffff:" + host(lan4, 10 + index),
            "outside": "2001:db8::1",
        }[form]
        peer: dict[str, Any] = {
            "asn": asn,
            "name": pick("text"),
            "description": pick("text"),
            "contact": f"noc@m{index}.example",
            "connections": [
                {
                    "zerotier_node_id": f"{0xA000000000 + index:010x}",
                    "ipv4": host(lan4, 10 + index),
                    "ipv6": v6,
                }
            ],
            "max_prefix": {"ipv4": pick("limit"), "ipv6": pick("limit")},
        }
        as_set = pick("as_set")
        if as_set:
            peer["as_set"] = as_set
        files[f"peers/AS{asn}.yaml"] = yaml.safe_dump(peer, sort_keys=False)
    return files


@pytest.fixture(scope="module")
def controller() -> Iterator[FakeController]:
    fake = FakeController(token="gate-token", node_id="1122334455")
    yield fake
    fake.close()


async def _provision(controller: FakeController, repo: Any) -> dict[str, tuple[str, ...]]:
    provider = ControllerProvider(
        controller.url, "gate-token", network_id="1122334455667788", policy=RetryPolicy(attempts=1)
    )
    try:
        exchange = repo.exchange.model
        peers = [p.model for p in repo.peers]
        planned = await zerotier_run.plan(provider, exchange, peers)
        result = await zerotier_run.apply(provider, planned)
        assert result.ok, result
        return {m.node_id: m.ip_assignments for m in await provider.list_members()}
    finally:
        await provider.aclose()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(files=exchanges())
def test_what_validate_accepts_renders_parses_and_provisions(
    files: dict[str, str], controller: FakeController
) -> None:
    try:
        repo = load_files(files)
    except ValidationFailed as exc:
        _located(exc, files)
        return
    exchange = repo.exchange.model
    configs = render_all(exchange, [p.model for p in repo.peers])
    for rs in exchange.route_servers:
        if rs.bird.version != "2.0":
            continue  # only BIRD 2.0.12 runs here; the others are rendered, not parsed
        done = bird_parse(configs[rs.name])
        assert done.returncode == 0, f"bird -p rejected what validate accepted:\n{done.stderr}"
    controller.members.clear()
    controller.networks.clear()
    stored = asyncio.run(_provision(controller, repo))
    routes = [ipaddress.ip_network(r["target"]) for r in desired_network(exchange)["routes"]]
    for peer in repo.peers:
        for connection in peer.model.connections:
            sent = tuple(str(a) for a in (connection.ipv4, connection.ipv6) if a is not None)
            assert stored[connection.zerotier_node_id] == sent
            assert all(any(ipaddress.ip_address(ip) in r for r in routes) for ip in sent)
