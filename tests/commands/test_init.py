"""`ztix init`: a data-only repository that validates, from flags or prompts, or nothing at all."""

from __future__ import annotations

import argparse
import hashlib
import re
import zipfile
from pathlib import Path

import pytest

from tests.commands.test_ci_pipelines import check, zizmor
from tests.paths import ROOT
from ztix import __version__
from ztix.cli import main
from ztix.commands.arguments import build_parser
from ztix.commands.init import answers
from ztix.errors import SettingsError
from ztix.load.loader import load
from ztix.render.scaffold import PIPELINES, host_key_from, scaffold

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKtjAIsDUGj9NfyMhyE7ip5BXH3G+mboFszPmD0uHkYX"


def flags(tmp_path: Path, *extra: str) -> list[str]:
    key = tmp_path / "rs.pub"
    key.write_text(f"{KEY} root@rs1\n")
    return [
        "init",
        str(tmp_path / "ix"),
        "--name",
        "Lab IX",
        "--asn",
        "215000",
        "--ipv4",
        "10.60.0.0/24",
        "--provider",
        "central",
        "--network-id",
        "8056c2e21c000001",
        "--route-server",
        f"rs1,aa00000001,rs1.lab.example,{key}",
        "--route-server",
        f"rs2,aa00000002,rs2.lab.example,{key}",
        "--no-input",
        *extra,
    ]


def test_init_writes_a_repository_that_validates(tmp_path: Path) -> None:
    assert main(flags(tmp_path)) == 0
    repo = load(tmp_path / "ix")
    exchange = repo.exchange.model
    assert [rs.name for rs in exchange.route_servers] == ["rs1", "rs2"]
    assert [str(rs.ipv4) for rs in exchange.route_servers] == ["10.60.0.1", "10.60.0.2"]
    assert exchange.route_servers[0].canary and not exchange.route_servers[1].canary
    assert exchange.zerotier.api_url == "https://api.zerotier.com/api/v1"
    assert repo.peers == ()
    written = sorted(
        p.relative_to(tmp_path / "ix").as_posix()
        for p in (tmp_path / "ix").rglob("*")
        if p.is_file()
    )
    assert written == [
        ".github/workflows/ztix.yml",
        ".ztix/install.sh",
        ".ztix/requirements.txt",
        "CODEOWNERS",
        "README.md",
        "ix.yaml",
        "peers/README.md",
        "schemas/ix.schema.json",
        "schemas/peer.schema.json",
    ]
    assert main(["validate", "--repo", str(tmp_path / "ix")]) == 0


def test_values_that_do_not_validate_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = flags(tmp_path)
    args[args.index("--asn") + 1] = "64512"  # private: refused for a production exchange
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "ix.yaml:" in err and "asn: AS64512 is a private ASN" in err
    assert "nothing was written" in err
    assert not (tmp_path / "ix").exists()


def test_a_non_empty_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "ix").mkdir()
    (tmp_path / "ix" / "x").write_text("")
    assert main(flags(tmp_path)) == 2


def test_missing_values_are_asked_for(tmp_path: Path) -> None:
    key = tmp_path / "k.pub"
    key.write_text(KEY + "\n")
    given = iter(
        [
            "Asked IX",
            "215001",
            "10.70.0.0/24",
            "self_hosted_controller",
            f"rs1,aa00000003,rs1.asked.example,{key}",
        ]
    )
    questions: list[str] = []

    def ask(question: str) -> str:
        questions.append(question)
        return next(given)

    args: argparse.Namespace = build_parser().parse_args(["init", str(tmp_path / "ix")])
    got = answers(args, ask)
    assert got.name == "Asked IX" and got.asn == 215001 and got.ipv4 == "10.70.0.0/24"
    assert got.route_servers[0].host_key == KEY
    assert len(questions) == 5
    files = scaffold(got)
    assert "network_suffix" in files["ix.yaml"]


def test_without_a_terminal_missing_values_are_errors(tmp_path: Path) -> None:
    args = build_parser().parse_args(["init", str(tmp_path / "ix"), "--no-input"])
    with pytest.raises(SettingsError, match="--name is required"):
        answers(args, None)


@pytest.mark.parametrize(
    "text",
    [KEY, f"{KEY} comment", f"rs1.lab.example {KEY}", f"[rs1]:2222 {KEY}"],
)
def test_host_keys_are_read_from_keyscan_and_pub_forms(text: str) -> None:
    assert host_key_from(text) == KEY


@pytest.mark.parametrize("forge", sorted(PIPELINES))
def test_the_written_pipelines_pass_their_forge_schema(forge: str, tmp_path: Path) -> None:
    assert main(flags(tmp_path, "--forge", forge)) == 0
    path = tmp_path / "ix" / PIPELINES[forge][0]
    schema = "vendor.gitlab-ci" if forge == "gitlab" else "vendor.github-workflows"
    done = check(path, schema)
    assert done.returncode == 0, done.stdout + done.stderr
    text = path.read_text()
    assert "ci/install.sh" not in text and "pip install" not in text
    assert text.count("sh .ztix/install.sh .ztix/requirements.txt") == text.count("ztix: install")
    if forge != "gitlab":
        done = zizmor(path)
        assert done.returncode == 0, done.stdout + done.stderr


def _wheel(where: Path, version: str = __version__, name: str | None = None) -> Path:
    """A small stand-in wheel: an archive holding the ztix package, named as a wheel is."""
    path = where / (name or f"ztix-{version}-py3-none-any.whl")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("ztix/__init__.py", f'__version__ = "{version}"\n')
    return path


def test_a_wheel_file_is_committed_and_pinned_by_its_hash(tmp_path: Path) -> None:
    wheel = _wheel(tmp_path)
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert main(flags(tmp_path, "--wheel", str(wheel))) == 0
    repo = tmp_path / "ix"
    assert (repo / "wheels" / wheel.name).read_bytes() == wheel.read_bytes()
    lines = (repo / ".ztix" / "requirements.txt").read_text().splitlines()
    first = lines.index(f"./wheels/{wheel.name} \\")
    assert lines[first + 1] == f"    --hash=sha256:{digest}"
    # then the runtime lock: every package pinned with == and hashes, nothing by bare name
    body = lines[first + 2 :]
    # what pip reads: pins, their hash lines and the "# via" notes pip-compile indents
    assert all(re.match(r"[A-Za-z0-9]|    (--hash=sha256:|# )|$", line) for line in body), body
    pins = [line for line in body if line and line[0].isalnum()]
    assert pins and all(re.fullmatch(r"[A-Za-z0-9._-]+==\S+ \\", line) for line in pins)
    assert "pydantic==" in "\n".join(pins)
    assert (repo / ".ztix" / "install.sh").read_text() == (ROOT / "ci" / "install.sh").read_text()
    # whoever changes what the pipelines install needs the admins' review
    owners = (repo / "CODEOWNERS").read_text().splitlines()
    assert "/.ztix/ @ix-admins" in owners and "/wheels/ @ix-admins" in owners
    # the same wheel given with its hash is accepted; with another hash, refused
    (tmp_path / "b").mkdir()
    assert main([*flags(tmp_path / "b"), "--wheel", str(wheel), "--wheel-sha256", digest]) == 0


def refused(capsys: pytest.CaptureFixture[str], argv: list[str], error: str) -> None:
    """`ztix init` exits 2 with one error naming --wheel or --wheel-sha256."""
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert error in err and "--wheel" in err, err


def test_a_wheel_url_needs_its_hash(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"https://releases.example.net/ztix/ztix-{__version__}-py3-none-any.whl"
    refused(capsys, flags(tmp_path, "--wheel", url), "--wheel-sha256")
    assert main(flags(tmp_path, "--wheel", url, "--wheel-sha256", "a" * 64)) == 0
    text = (tmp_path / "ix" / ".ztix" / "requirements.txt").read_text()
    assert f"ztix @ {url} \\\n    --hash=sha256:{'a' * 64}\n" in text
    assert not (tmp_path / "ix" / "wheels").exists()


@pytest.mark.parametrize(
    ("given", "sha", "error"),
    [
        ("http://releases.example.net/ztix-{v}-py3-none-any.whl", "a" * 64, "https URL"),
        ("https://releases.example.net/ztix-{v}-py3-none-any.whl?x=1", "a" * 64, "https URL"),
        ("https://releases.example.net/ztix-{v}-py3-none-any.whl", "A" * 64, "64 lowercase"),
        ("https://releases.example.net/ztix-{v}-py3-none-any.whl", "a" * 63, "64 lowercase"),
        ("https://releases.example.net/evil.whl", "a" * 64, "not a ztix wheel"),
        ("https://releases.example.net/ztix-0.0.1-py3-none-any.whl", "a" * 64, "is ztix 0.0.1"),
        ("https://x/ztix-{v}-py3-none-any.whl%0a--hash=sha256:00", "a" * 64, "https URL of"),
        ("https://x/ztix-{v}-py3-none-any.whl --hash=sha256:00", "a" * 64, "https URL of"),
    ],
)
def test_bad_wheels_are_refused_naming_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], given: str, sha: str, error: str
) -> None:
    refused(
        capsys,
        flags(tmp_path, "--wheel", given.format(v=__version__), "--wheel-sha256", sha),
        error,
    )
    assert not (tmp_path / "ix").exists()


def test_local_wheels_are_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wheel = _wheel(tmp_path)
    refused(
        capsys, flags(tmp_path, "--wheel", str(wheel), "--wheel-sha256", "0" * 64), "its sha256 is"
    )
    fake = tmp_path / f"ztix-{__version__}-py3-none-any.whl"
    fake.write_text("not a zip")
    refused(capsys, flags(tmp_path, "--wheel", str(fake)), "not a wheel")
    other = tmp_path / "o"
    other.mkdir()
    with zipfile.ZipFile(other / fake.name, "w") as archive:
        archive.writestr("evil/__init__.py", "")
    refused(capsys, flags(tmp_path, "--wheel", str(other / fake.name)), "no ztix package")
    refused(
        capsys,
        flags(tmp_path, "--wheel", str(tmp_path / "none" / fake.name)),
        "not a regular file",
    )
    refused(capsys, flags(tmp_path, "--wheel-sha256", "a" * 64), "give --wheel too")
    assert not (tmp_path / "ix").exists()


def test_without_a_wheel_the_pipelines_stop_at_install(tmp_path: Path) -> None:
    assert main(flags(tmp_path)) == 0
    text = (tmp_path / "ix" / ".ztix" / "requirements.txt").read_text()
    assert "NO ZTIX WHEEL IS PINNED YET" in text
    assert not any(line.startswith(("ztix", "./")) for line in text.splitlines())


def test_a_new_exchange_filters_by_the_irr_unless_told_why_not(tmp_path: Path) -> None:
    assert main(flags(tmp_path)) == 0
    irr = load(tmp_path / "ix").exchange.model.irr
    assert irr.enabled and [s.host for s in irr.servers] == ["rr.ntt.net"]
    assert irr.sources == ("RIPE", "ARIN", "APNIC", "AFRINIC", "LACNIC", "RADB")
    assert irr.without_data == "rpki_valid"
    (tmp_path / "b").mkdir()
    mine = flags(tmp_path / "b", "--irr-server", "[2001:db8::43]:4343", "--irr-server", "rr.b")
    mine += ["--irr-sources", "RIPE, RADB"]
    assert main(mine) == 0
    irr = load(tmp_path / "b" / "ix").exchange.model.irr
    assert [(s.host, s.port) for s in irr.servers] == [("2001:db8::43", 4343), ("rr.b", 43)]
    assert irr.sources == ("RIPE", "RADB")
    (tmp_path / "c").mkdir()
    assert main(flags(tmp_path / "c", "--no-irr", "members are all our own networks")) == 0
    off = load(tmp_path / "c" / "ix").exchange.model
    assert not off.irr.enabled and off.irr.reason == "members are all our own networks"
    assert off.irr_filter is None


# Values that must be written exactly or refused: never a key of their own, never truncated.
HOSTILE = [
    ("--network-id", 'c244b1fa0e936011"\n  mtu: 1280 #', "--network-id: ix.yaml:"),
    ("--name", "My IX\nasn: 1", "--name: ix.yaml:"),
    ("--name", "{{ 7*7 }} {% raw %}", "--name: ix.yaml:"),
    ("--api-url", "https://x.example/ #comment\n", "--api-url: ix.yaml:"),
    ("--rtr", "127.0.0.1:8323\nmtu: 1", "--rtr"),
    ("--irr-server", "rr.example: evil", "--irr-server"),
    ("--irr-sources", "RIPE,[evil]", "--irr-sources: ix.yaml:"),
    ("--no-irr", "why\n  enabled: true", "--no-irr/--irr-server/--irr-sources: ix.yaml:"),
    ("--ipv4", "10.60.0.1/24", "--ipv4 '10.60.0.1/24': 10.60.0.1/24 has host bits set"),
    ("--ipv4", "garbage", "--ipv4 'garbage': "),
    ("--ipv4", "10.60.0.0/32", "--ipv4 10.60.0.0/32: no address left for route server rs1"),
    ("--ipv6", "fd00::/128", "--ipv6 fd00::/128: no address left for route server rs1"),
    ("--ipv6", "10.0.0.0/24", "--ipv6 '10.0.0.0/24': not an IPv6 prefix"),
    ("--admins", "@a\n* @evil", "--admins '@a\\n* @evil': give owners"),
]


@pytest.mark.parametrize(("flag", "value", "said"), HOSTILE)
def test_hostile_values_are_refused_naming_their_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str, value: str, said: str
) -> None:
    args = flags(tmp_path)
    if flag in args:
        args[args.index(flag) + 1] = value
    else:
        args += [flag, value]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert said in err, err
    assert "Traceback" not in err
    assert not (tmp_path / "ix").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rs.pub"]  # nothing half written


def test_a_route_server_name_is_written_exactly_or_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = flags(tmp_path)
    index = args.index("--route-server") + 1
    args[index] = args[index].replace("rs1,", "rs1 #evil,")
    assert main(args) == 2
    assert "route_servers[0].name: 'rs1 #evil' must be 1-32 of a-z" in capsys.readouterr().err


def test_values_with_yaml_syntax_are_written_exactly(tmp_path: Path) -> None:
    name = "IX: the 'quoted' & (test) - yes?"
    args = flags(tmp_path)
    args[args.index("--name") + 1] = name
    assert main(args) == 0
    assert load(tmp_path / "ix").exchange.model.name == name


@pytest.mark.parametrize("kind", ["dangling-link", "under-a-file", "a-file"])
def test_odd_targets_are_refused_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    args = flags(tmp_path)
    target = tmp_path / "ix"
    if kind == "dangling-link":
        target.symlink_to(tmp_path / "nowhere")
    elif kind == "under-a-file":
        (tmp_path / "file").write_text("")
        args[1] = str(tmp_path / "file" / "ix")
    else:
        target.write_text("")
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err


def test_the_new_exchange_renders_a_safe_config_bird_accepts(tmp_path: Path) -> None:
    """What `ztix init` writes filters by the IRR, rejects AS_SETs and BLACKHOLEs, and holds
    routes until RPKI has loaded, with no edit (the hijack lab runs it against attacks)."""
    from tests.birdtools import assert_bird_accepts  # noqa: PLC0415
    from ztix.render.routeserver import repository_configs  # noqa: PLC0415

    assert main(flags(tmp_path)) == 0
    configs = repository_configs(load(tmp_path / "ix"))
    for text in configs.values():
        for wanted in (
            "rs_reject(16)",  # AS_SET
            "rs_reject(12)",  # BLACKHOLE rejected
            "return rs_reject(13)",  # IRR origin
            "return rs_reject(14)",  # IRR prefix
            "RPKI_SENTINEL_V4",  # held until RPKI has loaded
            "retry keep 1;",
            "allow as sets on;",
        ):
            assert wanted in text, wanted
        assert_bird_accepts(text)


@pytest.mark.parametrize(
    ("make", "said"),
    [
        ("fifo", "is not a regular file; name the file itself"),
        ("device", "is not a regular file; name the file itself"),
        ("huge", "is larger than 64 KiB; is it the right file?"),
        ("binary", "is not text (give the public host key"),
        ("dir", "is a directory; name the file itself"),
    ],
)
def test_a_host_key_file_that_is_no_key_file_is_refused_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: str, said: str
) -> None:
    import os  # noqa: PLC0415

    odd = tmp_path / "odd"
    if make == "fifo":
        os.mkfifo(odd)  # a blocking read would hang init
    elif make == "device":
        odd = Path("/dev/zero")  # an endless read would fill memory
    elif make == "huge":
        odd.write_bytes(b"ssh-ed25519 " + b"A" * 70_000)
    elif make == "binary":
        odd.write_bytes(b"\xff\xfe\x00ssh-ed25519")
    else:
        odd.mkdir()
    args = flags(tmp_path)
    args[args.index("--route-server") + 1] = f"rs1,aa00000001,rs1.lab.example,{odd}"
    assert main(args) == 2
    assert f"error: --route-server rs1: {odd} {said}" in capsys.readouterr().err
    assert not (tmp_path / "ix").exists()
