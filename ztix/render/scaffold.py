"""A new, data-only peering repository (`ztix init`): pure, from answers to file texts.

The texts come from the shipped `init/` templates and pipelines; the result is loaded with the
same loader as every other repository before anything is written, so `ztix init` never leaves
behind an `ix.yaml` that does not validate.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, field

from ztix import __version__
from ztix.errors import SettingsError
from ztix.models.schema import SCHEMA_FILES, dump, json_schemas
from ztix.render.templates import read_traversable, shipped, shipped_dir

SCHEMAS_DIR = "schemas"
# Where each forge reads its pipeline, and the shipped pipeline file it comes from.
PIPELINES = {
    "github": (".github/workflows/ztix.yml", "github/ztix.yml"),
    "gitlab": (".gitlab-ci.yml", "gitlab/.gitlab-ci.yml"),
    "forgejo": (".forgejo/workflows/ztix.yml", "forgejo/ztix.yml"),
}
INSTALL_MARK = "# ztix: install"
CHECKOUT_INSTALL = "python -m pip install -c constraints.txt ."
DEFAULT_API_URLS = {
    "self_hosted_controller": "http://127.0.0.1:9993",
    "central": "https://api.zerotier.com/api/v1",
}


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
    forge: str = "github"
    admins: str = "@ix-admins"
    package: str = field(default_factory=lambda: f"ztix=={__version__}")


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


def _addresses(answers: Answers) -> list[dict[str, str | None]]:
    """The lowest LAN addresses for the route servers; the router id is the IPv4 address."""
    out = []
    for index, rs in enumerate(answers.route_servers, start=1):
        v4 = str(ipaddress.ip_network(answers.ipv4)[index]) if answers.ipv4 else None
        v6 = str(ipaddress.ip_network(answers.ipv6)[index]) if answers.ipv6 else None
        out.append(
            {
                "name": rs.name,
                "node_id": rs.node_id,
                "ipv4": v4,
                "ipv6": v6,
                # RFC 6286 asks only for a non-zero 32-bit number; without IPv4 on the LAN the
                # route servers are numbered 0.0.0.1, 0.0.0.2, ...
                "router_id": v4 or str(ipaddress.IPv4Address(index)),
                "ssh_host": rs.ssh_host,
                "host_key": rs.host_key,
            }
        )
    return out


def pipeline(forge: str, package: str) -> tuple[str, str]:
    """(path, text) of the forge's pipeline, installing `package` instead of the checkout."""
    path, source = PIPELINES[forge]
    root, _ = shipped_dir("pipelines", "ci")
    text = read_traversable(root)[source]
    install = f'python -m pip install "{package}"'
    lines = [
        line.replace(CHECKOUT_INSTALL, install).replace(
            INSTALL_MARK, f"{INSTALL_MARK} (where you publish the ztix wheel)"
        )
        if INSTALL_MARK in line
        else line
        for line in text.splitlines(keepends=True)
    ]
    return path, "".join(lines)


def scaffold(answers: Answers) -> dict[str, str]:
    """Relative path -> text of every file of the new repository."""
    if answers.forge not in PIPELINES:
        raise SettingsError(f"--forge must be one of {', '.join(PIPELINES)}")
    host, _, port = answers.rtr.rpartition(":")
    if not host or not port.isdigit():
        raise SettingsError(f"--rtr {answers.rtr!r} must be HOST:PORT, e.g. 127.0.0.1:8323")
    templates = shipped()
    env = templates.environment()
    env.filters["quote"] = json.dumps  # a YAML double-quoted string (JSON is valid YAML)
    pipeline_path, pipeline_text = pipeline(answers.forge, answers.package)
    context = {
        "name": answers.name,
        "asn": answers.asn,
        "ipv4": answers.ipv4,
        "ipv6": answers.ipv6,
        "provider": answers.provider,
        "api_url": answers.api_url,
        "network_id": answers.network_id,
        "network_suffix": "000001",
        "route_servers": _addresses(answers),
        "rtr_host": host.strip("[]"),
        "rtr_port": int(port),
        "admins": answers.admins,
        "pipeline_path": f"/{pipeline_path}",
        "version": __version__,
    }
    files = {
        "ix.yaml": env.get_template("init/ix.yaml.j2").render(context),
        "README.md": env.get_template("init/README.md.j2").render(context),
        "CODEOWNERS": env.get_template("init/CODEOWNERS.j2").render(context),
        "peers/README.md": templates.files["init/peers-README.md"],
        pipeline_path: pipeline_text,
    }
    schemas = json_schemas()
    for name in SCHEMA_FILES:
        files[f"{SCHEMAS_DIR}/{name}"] = dump(schemas[name])
    return files
