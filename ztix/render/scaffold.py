"""A new, data-only peering repository (`ztix init`): pure, from answers to file texts.

`ix.yaml` is built as data and emitted as YAML (every value written exactly as given); the
README, CODEOWNERS and pipelines come from the shipped `init/` templates. The result is loaded
with the same loader as every other repository before anything is written, so `ztix init` never
leaves behind an `ix.yaml` that does not validate.
"""

from __future__ import annotations

import contextlib
import ipaddress
from dataclasses import dataclass
from typing import Any

from ztix import __version__
from ztix.errors import SettingsError, TemplateError
from ztix.models.schema import SCHEMA_FILES, dump, json_schemas
from ztix.render.templates import read_traversable, render_template, shipped, shipped_dir

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
SCHEMAS_DIR = "schemas"
# Where each forge reads its pipeline, and the shipped pipeline file it comes from.
PIPELINES = {
    "github": (".github/workflows/ztix.yml", "github/ztix.yml"),
    "gitlab": (".gitlab-ci.yml", "gitlab/.gitlab-ci.yml"),
    "forgejo": (".forgejo/workflows/ztix.yml", "forgejo/ztix.yml"),
}
INSTALL_MARK = "# ztix: install"
# The fork model's install line in the shipped pipelines, and what a data-only repository runs
# instead: the same script, with the lock and the pinned wheel ztix init wrote.
CHECKOUT_INSTALL = "ci/install.sh requirements/runtime.lock ."
PINNED_INSTALL = ".ztix/install.sh .ztix/requirements.txt"
INSTALLER = ".ztix/install.sh"
REQUIREMENTS = ".ztix/requirements.txt"
WHEELS_DIR = "wheels"
DEFAULT_API_URLS = {
    "self_hosted_controller": "http://127.0.0.1:9993",
    "central": "https://api.zerotier.com/api/v1",
}


@dataclass(frozen=True)
class WheelPin:
    """The ztix wheel a data-only repository's pipelines install, pinned by its sha256."""

    filename: str  # ztix-<version>-py3-none-any.whl
    sha256: str
    url: str | None = None  # None: the wheel is committed under wheels/

    def requirement(self) -> str:
        """Its line in .ztix/requirements.txt (pip resolves a path from the repository root)."""
        where = self.url or f"./{WHEELS_DIR}/{self.filename}"
        name = "ztix @ " if self.url else ""
        return f"{name}{where} \\\n    --hash=sha256:{self.sha256}\n"


@dataclass(frozen=True)
class RouteServerAnswer:
    """One route server as given to `ztix init`."""

    name: str
    node_id: str
    ssh_host: str
    host_key: str


@dataclass(frozen=True)
class Answers:
    """Everything `ztix init` asks for."""

    name: str
    asn: int
    ipv4: str | None
    ipv6: str | None
    provider: str
    api_url: str
    network_id: str | None
    route_servers: tuple[RouteServerAnswer, ...]
    rtr: str = "127.0.0.1:8323"
    irr_servers: tuple[str, ...] = ("rr.ntt.net",)
    irr_sources: tuple[str, ...] = ("RIPE", "ARIN", "APNIC", "AFRINIC", "LACNIC", "RADB")
    no_irr: str | None = None  # the reason IRR filtering is off (None: on)
    forge: str = "github"
    admins: str = "@ix-admins"
    wheel: WheelPin | None = None  # the ztix wheel the pipelines install (None: not pinned yet)


def host_key_from(text: str) -> str:
    """`<type> <base64>` from a .pub file, an ssh-keyscan or a known_hosts line."""
    for line in text.splitlines():
        words = line.split()
        for index, word in enumerate(words[:-1]):
            if word.startswith(("ssh-", "ecdsa-")):
                return f"{word} {words[index + 1]}"
    raise SettingsError(
        "no SSH host key found: give the output of `ssh-keyscan -t ed25519 HOST` or the "
        "server's /etc/ssh/ssh_host_ed25519_key.pub"
    )


def _lan(flag: str, text: str | None, version: int) -> IPNetwork | None:
    """The peering LAN prefix given with `flag`, or a SettingsError naming it."""
    if not text:
        return None
    try:
        network = ipaddress.ip_network(text)
    except ValueError as exc:
        hint = ""
        with contextlib.suppress(ValueError):
            hint = f" (the prefix is {ipaddress.ip_network(text, strict=False)})"
        raise SettingsError(f"{flag} {text!r}: {exc}{hint}") from None
    if network.version != version:
        raise SettingsError(f"{flag} {text!r}: not an IPv{version} prefix")
    return network


def _address(flag: str, network: IPNetwork | None, index: int, name: str) -> str | None:
    """The `index`-th address of the LAN (route servers take the lowest), checked to exist."""
    if network is None:
        return None
    # IPv4 keeps its network and broadcast addresses out (RFC 919); IPv6 its subnet-router
    # anycast address (RFC 4291 2.6.1): index 0 is never used, and the last IPv4 one neither.
    last = network.num_addresses - (2 if network.version == 4 else 1)
    if index > last:
        raise SettingsError(f"{flag} {network}: no address left for route server {name}")
    return str(network[index])


def _route_servers(answers: Answers) -> list[dict[str, Any]]:
    """The route servers with the lowest LAN addresses; the router id is the IPv4 address."""
    v4 = _lan("--ipv4", answers.ipv4, 4)
    v6 = _lan("--ipv6", answers.ipv6, 6)
    out: list[dict[str, Any]] = []
    for index, rs in enumerate(answers.route_servers, start=1):
        ipv4 = _address("--ipv4", v4, index, rs.name)
        ipv6 = _address("--ipv6", v6, index, rs.name)
        entry: dict[str, Any] = {"name": rs.name}
        if index == 1:
            entry["canary"] = True
        entry["zerotier_node_id"] = rs.node_id
        if ipv4:
            entry["ipv4"] = ipv4
        if ipv6:
            entry["ipv6"] = ipv6
        # RFC 6286 asks only for a non-zero 32-bit number; without IPv4 on the LAN the route
        # servers are numbered 0.0.0.1, 0.0.0.2, ...
        entry["router_id"] = ipv4 or str(ipaddress.IPv4Address(index))
        entry["ssh"] = {"host": rs.ssh_host, "user": "ztix", "host_key": rs.host_key}
        entry["bird"] = {
            "version": "2.0",
            "config_path": "/etc/bird/bird.conf",
            "control_socket": "/run/bird/bird.ctl",
        }
        out.append(entry)
    return out


def _host_port(flag: str, text: str, default_port: int) -> tuple[str, int]:
    """HOST or HOST:PORT ([v6]:PORT) given with `flag`."""
    host, colon, port = text.rpartition(":")
    if not colon or (host.count(":") and not host.startswith("[")):
        host, port = text, str(default_port)  # no port, or a bare IPv6 address
    host = host.strip("[]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        example = f"{'rr.ntt.net' if default_port == 43 else '[2001:db8::8]'}:{default_port}"
        raise SettingsError(f"{flag} {text!r} must be HOST or HOST:PORT, e.g. {example}")
    return host, int(port)


def _irr(answers: Answers) -> dict[str, Any]:
    """The IRR decision: servers and sources, or off with the reason given."""
    if answers.no_irr is not None:
        return {"enabled": False, "reason": answers.no_irr}
    servers = []
    for text in answers.irr_servers:
        host, port = _host_port("--irr-server", text, 43)
        servers.append({"host": host} if port == 43 else {"host": host, "port": port})
    return {
        "servers": servers,
        "sources": list(answers.irr_sources),
        "without_data": "rpki_valid",
    }


def exchange_document(answers: Answers) -> dict[str, Any]:
    """`ix.yaml` as data, every value exactly as given (the emitter quotes what needs it)."""
    lan = {}
    if answers.ipv4:
        lan["ipv4"] = answers.ipv4
    if answers.ipv6:
        lan["ipv6"] = answers.ipv6
    zerotier: dict[str, Any] = {"provider": answers.provider, "api_url": answers.api_url}
    if answers.network_id:
        zerotier["network_id"] = answers.network_id
    else:
        zerotier["network_suffix"] = "000001"
    rtr_host, rtr_port = _host_port("--rtr", answers.rtr, 323)
    return {
        "name": answers.name,
        "asn": answers.asn,
        "peering_lan": lan,
        "zerotier": zerotier,
        "route_servers": _route_servers(answers),
        "rpki": {
            "rtr_servers": [{"name": "rtr1", "host": rtr_host, "port": rtr_port}],
            "invalid": "reject",
            "until_loaded": "hold",
        },
        "irr": _irr(answers),
        "policy": {
            "allow_documentation_asns": False,
            "allow_private_asns": False,
            "max_as_path_length": 32,
            "blackhole": "reject",
        },
    }


# Comments written above each section of a new ix.yaml (the values come from the data).
COMMENTS = {
    "name": (
        "The exchange itself, written by `ztix init`. Secrets (ZeroTier token, SSH private "
        "keys)\nnever go here: they come from the environment (see the ztix operator's manual)."
    ),
    "zerotier": (
        "Without a network_id: the controller's node id (GET /status) followed by\n"
        "network_suffix; ztix creates the network."
    ),
    "route_servers": (
        "Host keys are pinned: check each out of band (see the manual), never trust one on "
        "first use."
    ),
    "rpki": (
        "Routes RPKI-invalid are rejected; until the caches' data has loaded (the sentinel "
        "ROA,\nadded to each cache with the file `ztix rs slurm` prints), member routes are "
        "held back."
    ),
    "irr": (
        'IRR filtering (README "IRR filtering"): a member\'s routes must be registered under '
        "its\nAS-SET (or ASN); `ztix irr refresh` writes irr/AS<asn>.yaml, reviewed like any "
        "change.\nA member without irr/ data yet: only its RPKI-valid routes pass. To do "
        "without IRR\nfiltering, say so and why: irr: {enabled: false, reason: ...}."
    ),
}


def ix_yaml(document: dict[str, Any]) -> str:
    """The text of `ix.yaml`: each section emitted as YAML data under its comment.

    Emitted, never pasted: a value holding quotes, newlines, `#` or YAML syntax is written
    quoted and reads back as exactly that value (checked here).
    """
    import yaml  # noqa: PLC0415  (only `ztix init` writes YAML)

    class Dumper(yaml.SafeDumper):
        # Lists indented under their key, as the rest of the project's YAML is written.
        def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
            super().increase_indent(flow, False)

    parts = ["# yaml-language-server: $schema=schemas/ix.schema.json\n"]
    for key, value in document.items():
        if key in COMMENTS:
            parts += [f"# {line}\n" for line in COMMENTS[key].splitlines()]
        parts.append(
            yaml.dump(
                {key: value},
                Dumper=Dumper,
                sort_keys=False,
                default_flow_style=False,
                allow_unicode=True,
                width=100,
            )
        )
    text = "".join(parts)
    if yaml.safe_load(text) != document:  # the emitter's promise, kept by a check
        raise SettingsError("ztix init could not write these values as YAML exactly")
    return text


def pipeline(forge: str) -> tuple[str, str]:
    """(path, text) of the forge's pipeline, installing the pinned wheel instead of a checkout."""
    path, source = PIPELINES[forge]
    root, _ = shipped_dir("pipelines", "ci")
    text = read_traversable(root)[source]
    if text.count(CHECKOUT_INSTALL) != text.count(INSTALL_MARK):
        raise TemplateError(f"{source}: every `{INSTALL_MARK}` line must run {CHECKOUT_INSTALL}")
    text = text.replace(CHECKOUT_INSTALL, PINNED_INSTALL).replace("ci/install.sh", INSTALLER)
    return path, text


def installer() -> str:
    """The install script the pipelines run (shipped as ci/install.sh)."""
    root, _ = shipped_dir("pipelines", "ci")
    return read_traversable(root)["install.sh"]


def requirements(wheel: WheelPin | None) -> str:
    """.ztix/requirements.txt: the pinned wheel's line, then the runtime lock, all hashed."""
    root, _ = shipped_dir("requirements", "requirements")
    lock = read_traversable(root)["runtime.lock"]
    # Without pip-compile's header, which names the command that made it in ZT-IX's own tree.
    body = "".join(line for line in lock.splitlines(keepends=True) if not line.startswith("#"))
    head = [
        f"# What the ZT-IX pipelines install, written by ztix init {__version__}: ZT-IX itself",
        "# and every package it needs, each with its sha256 (pip --require-hashes --no-deps, by",
        f"# sh {INSTALLER}). To upgrade, see the CHANGELOG of the new release.",
    ]
    if wheel is None:
        head += [
            "#",
            "# NO ZTIX WHEEL IS PINNED YET: the pipelines stop until its line is here, e.g.",
            "#   ztix @ https://releases.example.net/ztix-VERSION-py3-none-any.whl \\",
            "#       --hash=sha256:<the sha256 of that file>",
            f"# or the wheel committed under {WHEELS_DIR}/ (ztix init --wheel FILE writes both).",
        ]
        return "\n".join(head) + "\n" + body
    return "\n".join(head) + "\n" + wheel.requirement() + body


def scaffold(answers: Answers) -> dict[str, str]:
    """Relative path -> text of every file of the new repository."""
    if answers.forge not in PIPELINES:
        raise SettingsError(f"--forge must be one of {', '.join(PIPELINES)}")
    templates = shipped()
    env = templates.environment()
    pipeline_path, pipeline_text = pipeline(answers.forge)
    context = {
        "name": answers.name,
        "asn": answers.asn,
        "admins": answers.admins,
        "pipeline_path": f"/{pipeline_path}",
        "version": __version__,
    }
    files = {
        "ix.yaml": ix_yaml(exchange_document(answers)),
        "README.md": render_template(env, "init/README.md.j2", context),
        "CODEOWNERS": render_template(env, "init/CODEOWNERS.j2", context),
        "peers/README.md": templates.files["init/peers-README.md"],
        pipeline_path: pipeline_text,
        INSTALLER: installer(),
        REQUIREMENTS: requirements(answers.wheel),
    }
    schemas = json_schemas()
    for name in SCHEMA_FILES:
        files[f"{SCHEMAS_DIR}/{name}"] = dump(schemas[name])
    return files
