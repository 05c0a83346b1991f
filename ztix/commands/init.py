"""`ztix init DIR`: a new data-only peering repository, from flags or answers to prompts."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from ztix.errors import EXIT_OK, SettingsError, ValidationFailed
from ztix.load.loader import load_files
from ztix.render.scaffold import (
    DEFAULT_API_URLS,
    Answers,
    RouteServerAnswer,
    host_key_from,
    scaffold,
)

Ask = Callable[[str], str]


def _asker(args: argparse.Namespace) -> Ask | None:
    """A prompt on the terminal, or None when prompting is not possible or not wanted."""
    if args.no_input or not sys.stdin.isatty():
        return None
    return lambda question: input(f"{question}: ").strip()


def _value(args: argparse.Namespace, name: str, question: str, ask: Ask | None) -> str:
    given = getattr(args, name)
    if given not in (None, ""):
        return str(given)
    if ask is None:
        raise SettingsError(f"--{name.replace('_', '-')} is required ({question})")
    answer = ask(question)
    if not answer:
        raise SettingsError(f"{question}: no answer")
    return answer


def _route_server(spec: str) -> RouteServerAnswer:
    parts = [p.strip() for p in spec.split(",")]
    if len(parts) != 4:
        raise SettingsError(
            f"--route-server {spec!r}: give NAME,NODE_ID,SSH_HOST,HOST_KEY_FILE (the host key "
            "from `ssh-keyscan -t ed25519 SSH_HOST`, checked out of band)"
        )
    name, node, host, key_file = parts
    try:
        key_text = Path(key_file).read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"--route-server {name}: cannot read {key_file}: {exc}") from None
    return RouteServerAnswer(name, node, host, host_key_from(key_text))


def answers(args: argparse.Namespace, ask: Ask | None) -> Answers:
    """The answers from flags, prompting for what is missing when a terminal allows it."""
    name = _value(args, "name", "exchange name", ask)
    asn = _value(args, "asn", "route servers' ASN", ask)
    if not asn.isdigit():
        raise SettingsError(f"--asn {asn!r} is not a number")
    ipv4 = args.ipv4
    ipv6 = args.ipv6
    if not ipv4 and not ipv6:
        ipv4 = _value(args, "ipv4", "peering LAN IPv4 prefix (e.g. 10.99.0.0/24)", ask)
    provider = _value(args, "provider", "ZeroTier provider (self_hosted_controller|central)", ask)
    if provider not in DEFAULT_API_URLS:
        raise SettingsError("--provider must be self_hosted_controller or central")
    network_id = args.network_id
    if provider == "central" and not network_id:
        network_id = _value(args, "network_id", "ZeroTier network id (16 hex digits)", ask)
    specs = list(args.route_server)
    if not specs:
        question = "route server NAME,NODE_ID,SSH_HOST,HOST_KEY_FILE"
        if ask is None:
            raise SettingsError(f"--route-server is required ({question})")
        specs = [ask(question)]
    return Answers(
        name=name,
        asn=int(asn),
        ipv4=ipv4 or None,
        ipv6=ipv6 or None,
        provider=provider,
        api_url=args.api_url or DEFAULT_API_URLS[provider],
        network_id=network_id or None,
        route_servers=tuple(_route_server(s) for s in specs),
        rtr=args.rtr,
        forge=args.forge,
        admins=args.admins,
    )


def run(args: argparse.Namespace) -> int:
    """Write the repository after checking it exactly as `ztix validate` would."""
    target: Path = args.dir
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise SettingsError(f"{target} exists and is not an empty directory")
    files = scaffold(answers(args, _asker(args)))
    try:
        load_files({path: text for path, text in files.items() if path == "ix.yaml"})
    except ValidationFailed as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        raise SettingsError(
            "the values given do not make a valid ix.yaml (problems above); nothing was written"
        ) from None
    for path, text in sorted(files.items()):
        out = target / path
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out}")
    print(
        f"\nnext: cd {target} && git init -b main && git add -A && git commit -m 'the exchange'"
        "\nthen: ztix validate && ztix apply --dry-run   (see the operator's manual)"
    )
    return EXIT_OK
