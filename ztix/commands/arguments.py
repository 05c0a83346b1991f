"""The `ztix` command line's arguments: one parser builder per subcommand, so a run builds
only the parser of the subcommand it names (each one costs start-up time; `--help` builds all).

Every argument is checked here (paths, ASNs, directories) with a named error and exit 2;
commands receive parsed values. `ztix.cli` runs the command.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path

from ztix.service.logs import FORMATS

FORGES = ("github", "gitlab", "forgejo")


def _asn(value: str) -> int:
    """An ASN argument: AS64500 or 64500."""
    text = value.upper().removeprefix("AS")
    if not text.isdigit() or not 0 < int(text) < 2**32:
        raise argparse.ArgumentTypeError(f"{value!r} is not an ASN (e.g. AS64500)")
    return int(text)


def _between(low: int, high: int) -> Callable[[str], int]:
    """An integer argument from `low` to `high`."""

    def parse(value: str) -> int:
        text = value.strip()
        if not (text.isdigit() or (text[:1] == "-" and text[1:].isdigit())):
            raise argparse.ArgumentTypeError(f"{value[:40]!r} is not a whole number")
        # Past 12 digits it is out of range anyway (and int() of 5,000 digits is refused).
        if len(text) > 12 or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f"{text[:40]} is not from {low} to {high}")
        return int(text)

    return parse


# `irr refresh --jobs`: the bounds of `irr.jobs` in ix.yaml (ztix.models.irr; a test holds them
# equal), which this flag overrides for one run.
IRR_JOBS = (1, 64)
_port = _between(1, 65535)  # 0 would listen on a port nobody is told


def _host(value: str) -> str:
    """A listen address: an IP address or a host name; never empty (that would be every address,
    e.g. from an unset variable: `--host "$HOST"`)."""
    if not value or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in value):
        raise argparse.ArgumentTypeError(
            f"{value[:60]!r} is not an address to listen on (for every address say 0.0.0.0 or ::)"
        )
    return value


def _listen(p: argparse.ArgumentParser, port: int) -> None:
    """--host and --port of a service: loopback by default (behind the operator's proxy)."""
    p.add_argument("--host", type=_host, default="127.0.0.1")
    p.add_argument("--port", type=_port, default=port)


def _path(value: str) -> Path:
    """A path argument: not empty, no control characters (a NUL or newline is never meant)."""
    if not value:
        raise argparse.ArgumentTypeError("an empty path")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise argparse.ArgumentTypeError(f"{value!r} holds a control character")
    return Path(value)


def _directory(value: str) -> Path:
    """A path argument naming an existing directory (a repository, a checkout)."""
    path = _path(value)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a directory" if path.exists() else f"{value!r} does not exist"
        )
    return path


def _metrics_file(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--metrics-file",
        type=_path,
        help="write the run's metrics to this file (node_exporter textfile format)",
    )


def _repo(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--repo", type=_directory, default=Path("."), help="peering repository (default: .)"
    )


def _command(p: argparse.ArgumentParser, target: str, *, offline: bool = False) -> None:
    """Run `module:function` of ztix.commands for this subcommand (imported only then).

    `offline`: a short run over files alone, then exit (no network; a `--live` flag makes it
    one that is not), which `ztix.cli` runs without the cyclic collector.
    """
    p.set_defaults(target=target, offline=offline)


def _rs_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`ztix rs ...`: operations on the route servers beyond apply."""
    p = sub.add_parser("rs", help="route-server operations")
    rs_sub = p.add_subparsers(dest="rs_command", required=True, metavar="ACTION")
    q = rs_sub.add_parser(
        "enable", help="lift the max-prefix hold of a member (after it fixed its announcements)"
    )
    _repo(q)
    q.add_argument("member", type=_asn, help="the member's ASN, e.g. AS64500")
    q.add_argument("--route-server", help="only this route server (default: all)")
    _command(q, "rs:enable")
    q = rs_sub.add_parser(
        "slurm", help="print the SLURM file (RFC 8416) that makes RTR caches serve the sentinel ROA"
    )
    _repo(q)
    _command(q, "rs:slurm")


def _irr_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`ztix irr ...`: the members' IRR data."""
    p = sub.add_parser("irr", help="IRR data: expand members' AS-SETs into irr/")
    irr_sub = p.add_subparsers(dest="irr_command", required=True, metavar="ACTION")
    q = irr_sub.add_parser(
        "refresh", help="expand every active member's AS-SET (or ASN) with bgpq4 into irr/"
    )
    _repo(q)
    q.add_argument("--asn", type=_asn, action="append", help="only this member (repeatable)")
    q.add_argument(
        "--accept",
        type=_asn,
        action="append",
        help="write this member's data even past a growth or size guard (repeatable)",
    )
    q.add_argument(
        "--jobs", type=_between(*IRR_JOBS), help="bgpq4 runs at once (default: irr.jobs)"
    )
    _metrics_file(q)
    q.add_argument(
        "--propose",
        action="store_true",
        help="refresh main in a clone of ZTIX_REPO_URL and open the change ztix/irr-refresh on "
        "the forge (ZTIX_FORGE...) instead of writing the working tree",
    )
    _command(q, "irr:refresh")


def _export_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`ztix export ...`: what the exchange publishes."""
    p = sub.add_parser("export", help="publish what the exchange is, in standard formats")
    ex_sub = p.add_subparsers(dest="export_command", required=True, metavar="FORMAT")
    q = ex_sub.add_parser(
        "ixf", help="the IX-F member export (Euro-IX JSON 1.0) of the active members"
    )
    _repo(q)
    q.add_argument("--out", type=_path, help="write it to this file (default, or -: stdout)")
    q.add_argument(
        "--timestamp",
        help="RFC 3339 UTC time to state (default: the commit time of the checked-out commit)",
    )
    _command(q, "export:ixf", offline=True)


class _Version(argparse.Action):
    """--version: the version and the commit, looked up only when asked (start-up stays fast)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        from ztix.buildinfo import describe  # noqa: PLC0415  (only for --version)

        print(describe())
        parser.exit()


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser: of every subcommand, or (given the arguments) of the one they name,
    which is all that parsing them needs: each subcommand's parser costs start-up time."""
    parser = argparse.ArgumentParser(
        prog="ztix", description="Run an internet exchange on ZeroTier, GitOps style."
    )
    parser.add_argument(
        "--version", action=_Version, nargs=0, help="show the version and build commit, and exit"
    )
    parser.add_argument(
        "--log-format",
        choices=FORMATS,
        help="messages on standard error as text (default) or one JSON object per line "
        "(also ZTIX_LOG_FORMAT)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    named = _named_command(argv) if argv is not None else None
    for name, register in _COMMANDS.items():
        if named is None or name == named:
            register(sub)
    return parser


def _named_command(argv: Sequence[str]) -> str | None:
    """The subcommand `argv` names, or None when the whole parser must decide: help, the
    version, an abbreviated or unknown option, or no known subcommand."""
    rest = list(argv)
    while rest:
        word = rest.pop(0)
        if word == "--log-format":
            rest = rest[1:]
        elif not word.startswith("--log-format="):
            return word if word in _COMMANDS else None
    return None


def _validate_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("validate", help="check ix.yaml and every peer file")
    _repo(p)
    _command(p, "files:validate", offline=True)


def _render_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("render", help="write each route server's BIRD config")
    _repo(p)
    p.add_argument("--out", type=_path, required=True, help="directory for <rs>/bird.conf")
    _command(p, "files:render", offline=True)


def _plan_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("plan", help="what a change does: against --base REF, or --live")
    _repo(p)
    p.add_argument("--base", help="git revision to compare with (e.g. origin/main)")
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    p.add_argument("--diff-out", type=_path, help="also write the whole config diff to this file")
    p.add_argument(
        "--live",
        action="store_true",
        help="compare with the live ZeroTier network and deployed configs (drift)",
    )
    p.add_argument(
        "--only", choices=("zerotier", "routeservers"), help="with --live: check only this part"
    )
    _metrics_file(p)
    _command(p, "plan:run", offline=True)


def _apply_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("apply", help="make ZeroTier and the route servers match the files")
    _repo(p)
    p.add_argument("--dry-run", action="store_true", help="change nothing; say what would change")
    p.add_argument("--only", choices=("zerotier", "routeservers"))
    p.add_argument("--report", type=_path, help="write the JSON report to this file")
    _metrics_file(p)
    _command(p, "apply:run")


def _zerotier_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("zerotier", help="reconcile the ZeroTier network with the files")
    zt_sub = p.add_subparsers(dest="zt_command", required=True, metavar="ACTION")
    for name, text in (
        ("plan", "show live -> desired for every member (reads only)"),
        ("apply", "authorize, update and deauthorize members; set the network"),
    ):
        q = zt_sub.add_parser(name, help=text)
        _repo(q)
        _command(q, "zerotier:run")


def _status_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "status", help="every member session on the route servers (read-only key, birdc -r)"
    )
    _repo(p)
    p.add_argument("--asn", type=_asn, help="only this member (AS64500 or 64500)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    _command(p, "status:run")


def _schema_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("schema", help="JSON Schema of ix.yaml and peer files")
    p.add_argument("--out", type=_path, help="write <kind>.schema.json files into this directory")
    _command(p, "files:schema", offline=True)


def _exporter_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    # The long-running services (exporter, portal, webhook): behind the operator's reverse
    # proxy or on loopback.
    p = sub.add_parser("exporter", help="serve the exchange's Prometheus metrics")
    p.add_argument("--repo", type=_path, help="checkout of main (default ZTIX_EXPORTER_REPO or .)")
    _listen(p, 9815)
    _command(p, "serve:exporter")


def _portal_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("portal", help="run the member portal (behind a TLS reverse proxy)")
    _listen(p, 8080)
    _command(p, "serve:portal")


def _webhook_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("webhook", help="run the webhook receiver (behind a TLS reverse proxy)")
    _listen(p, 8081)
    _command(p, "serve:webhook")


def _init_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("init", help="create a new, data-only peering repository")
    p.add_argument("dir", type=_path, help="directory to create (must not exist or be empty)")
    p.add_argument("--name", help="exchange name")
    p.add_argument("--asn", type=int, help="the route servers' ASN")
    p.add_argument("--ipv4", help="peering LAN IPv4 prefix, e.g. 10.99.0.0/24")
    p.add_argument("--ipv6", help="peering LAN IPv6 prefix, e.g. fd00:99::/64")
    p.add_argument("--provider", choices=("self_hosted_controller", "central"))
    p.add_argument("--api-url", help="ZeroTier API URL (default per provider)")
    p.add_argument("--network-id", help="ZeroTier network id (16 hex digits)")
    p.add_argument(
        "--route-server",
        action="append",
        default=[],
        metavar="NAME,NODE_ID,SSH_HOST[,HOST_KEY_FILE]",
        help="a route server (repeat for each); addresses are the lowest in the LAN",
    )
    p.add_argument("--rtr", default="127.0.0.1:8323", help="RTR cache host:port")
    p.add_argument(
        "--irr-server",
        action="append",
        default=[],
        metavar="HOST[:PORT]",
        help="IRR whois server bgpq4 asks (repeat for fallbacks; default rr.ntt.net)",
    )
    p.add_argument(
        "--irr-sources",
        metavar="A,B,...",
        help="IRR databases in order of preference (default RIPE,ARIN,APNIC,AFRINIC,LACNIC,RADB)",
    )
    p.add_argument(
        "--no-irr",
        metavar="REASON",
        help="do without IRR filtering (member routes checked by RPKI only), saying why",
    )
    p.add_argument("--forge", choices=FORGES, default="github")
    p.add_argument("--admins", default="@ix-admins", help="CODEOWNERS owners of the files")
    p.add_argument(
        "--wheel",
        metavar="FILE|URL",
        help="the ztix wheel the pipelines install, pinned by its sha256: a file (committed "
        "under wheels/) or the https URL where you publish it (with --wheel-sha256)",
    )
    p.add_argument("--wheel-sha256", metavar="HEX", help="the sha256 of the --wheel file")
    p.add_argument("--no-input", action="store_true", help="never prompt; missing values fail")
    _command(p, "init:run", offline=True)


# Every subcommand, in the order `ztix --help` lists them, and what defines its arguments.
_COMMANDS: dict[str, Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]] = {
    "validate": _validate_command,
    "render": _render_command,
    "plan": _plan_command,
    "apply": _apply_command,
    "zerotier": _zerotier_command,
    "rs": _rs_commands,
    "irr": _irr_commands,
    "export": _export_commands,
    "status": _status_command,
    "schema": _schema_command,
    "exporter": _exporter_command,
    "portal": _portal_command,
    "webhook": _webhook_command,
    "init": _init_command,
}
