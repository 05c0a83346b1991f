"""`ztix init DIR`: a new data-only peering repository, from flags or answers to prompts."""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import sys
import tempfile
import urllib.parse
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ztix import __version__
from ztix.errors import EXIT_OK, SettingsError, ValidationFailed
from ztix.load.loader import load_files
from ztix.render.scaffold import (
    DEFAULT_API_URLS,
    WHEELS_DIR,
    Answers,
    RouteServerAnswer,
    WheelPin,
    host_key_from,
    scaffold,
)
from ztix.settings.secretfile import read_small

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
    data = read_small(Path(key_file), f"--route-server {name}")
    try:
        key_text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SettingsError(
            f"--route-server {name}: {key_file} is not text (give the public host key, one line "
            "from ssh-keyscan)"
        ) from None
    return RouteServerAnswer(name, node, host, host_key_from(key_text))


def answers(args: argparse.Namespace, ask: Ask | None) -> Answers:
    """The answers from flags, prompting for what is missing when a terminal allows it."""
    name = _value(args, "name", "exchange name", ask)
    asn = _value(args, "asn", "route servers' ASN", ask)
    if not asn.isdigit():
        raise SettingsError(f"--asn {asn[:40]!r} is not an ASN (a whole number, e.g. 64500)")
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
    given = Answers(
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
        admins=_admins(args.admins),
    )
    if args.no_irr is not None:
        if args.irr_server or args.irr_sources:
            raise SettingsError("--no-irr turns IRR filtering off: drop --irr-server/--irr-sources")
        given = replace(given, no_irr=args.no_irr)
    if args.irr_server:
        given = replace(given, irr_servers=tuple(args.irr_server))
    if args.irr_sources:
        given = replace(given, irr_sources=tuple(s.strip() for s in args.irr_sources.split(",")))
    if args.wheel:
        given = replace(given, wheel=wheel_pin(args.wheel, args.wheel_sha256))
    elif args.wheel_sha256:
        raise SettingsError("--wheel-sha256 pins the file given with --wheel: give --wheel too")
    return given


# PEP 427 names a pure-Python wheel <name>-<version>-py3-none-any.whl.
_WHEEL_NAME = re.compile(r"ztix-(?P<version>[0-9][0-9A-Za-z.+!]*)-py3-none-any\.whl")
_SHA256 = re.compile(r"[0-9a-f]{64}")
# The characters of a URL (RFC 3986 2.2, 2.3) less "%": the line it goes on in a requirements
# file must hold this URL and nothing else (no space, no encoded newline, no second option).
_URL = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]+")


def wheel_pin(given: str, sha256: str | None) -> WheelPin:
    """The wheel the pipelines install: a local file (committed) or an https URL with its hash.

    The lock written beside it is this version's, so the wheel must be this version too.
    """
    if sha256 is not None and not _SHA256.fullmatch(sha256):
        raise SettingsError(f"--wheel-sha256 {sha256!r}: give 64 lowercase hex digits")
    url = given if given.startswith(("https://", "http://")) else None
    if url is not None:
        parts = urllib.parse.urlsplit(url)
        if (
            not _URL.fullmatch(url)
            or parts.scheme != "https"
            or not parts.hostname
            or parts.query
            or parts.fragment
        ):
            raise SettingsError(f"--wheel {given!r}: give an https URL of the wheel file")
        filename = urllib.parse.unquote(parts.path.rsplit("/", 1)[-1])
    else:
        filename = Path(given).name
    found = _WHEEL_NAME.fullmatch(filename)
    if found is None:
        raise SettingsError(
            f"--wheel {given!r}: not a ztix wheel's file name (ztix-VERSION-py3-none-any.whl)"
        )
    if found["version"] != __version__:
        raise SettingsError(
            f"--wheel {given!r} is ztix {found['version']}, but this is ztix {__version__}, whose "
            "lock the pipelines would install it with: run the ztix init of that version"
        )
    if url is not None:
        if sha256 is None:
            raise SettingsError(
                f"--wheel {given!r}: give its --wheel-sha256 (sha256sum of the file you published)"
            )
        return WheelPin(filename, sha256, url)
    digest = _wheel_digest(Path(given))
    if sha256 is not None and sha256 != digest:
        raise SettingsError(
            f"--wheel {given}: its sha256 is {digest}, not the --wheel-sha256 given"
        )
    return WheelPin(filename, digest)


def _wheel_digest(path: Path) -> str:
    """The sha256 of a local wheel, after checking it is a regular file holding ztix."""
    if path.is_symlink() or not path.is_file():
        raise SettingsError(f"--wheel {path}: not a regular file")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (OSError, zipfile.BadZipFile) as exc:
        raise SettingsError(f"--wheel {path}: not a wheel ({exc})") from None
    if "ztix/__init__.py" not in names:
        raise SettingsError(f"--wheel {path}: the archive holds no ztix package")
    return hashlib.sha256(path.read_bytes()).hexdigest()


# A CODEOWNERS owner: @user, @org/team or an email address (GitHub, GitLab and Forgejo).
_OWNER = re.compile(r"@[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?|[^\s@]+@[^\s@]+")


def _admins(text: str) -> str:
    """The CODEOWNERS owners, each checked (a newline would add rules of its own)."""
    owners = text.split(" ")
    if not text.strip() or not all(_OWNER.fullmatch(o) for o in owners if o):
        raise SettingsError(
            f"--admins {text!r}: give owners separated by spaces, each @user, @org/team or an "
            "email address"
        )
    return " ".join(o for o in owners if o)


# A problem in the ix.yaml ztix init would write -> the flag whose value it is.
FLAGS = {
    "name": "--name",
    "asn": "--asn",
    "peering_lan": "--ipv4/--ipv6",
    "zerotier.api_url": "--api-url",
    "zerotier.network_id": "--network-id",
    "zerotier": "--provider/--network-id",
    "route_servers": "--route-server",
    "rpki": "--rtr",
    "irr.servers": "--irr-server",
    "irr.sources": "--irr-sources",
    "irr": "--no-irr/--irr-server/--irr-sources",
}


def _flag(field: str) -> str:
    """The flag a problem's field came from (the longest matching prefix)."""
    for prefix in sorted(FLAGS, key=len, reverse=True):
        if field == prefix or field.startswith((f"{prefix}.", f"{prefix}[")):
            return FLAGS[prefix]
    return "the values given"


def _target(path: Path) -> Path:
    """The directory to create: absent, or an empty directory (never a link or a file)."""
    if path.is_symlink():
        raise SettingsError(f"{path} is a symbolic link; give a new directory")
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise SettingsError(f"{path} exists and is not an empty directory")
    parent = path.absolute().parent
    if not parent.is_dir():
        raise SettingsError(f"{parent} is not a directory (create it first)")
    return path


def run(args: argparse.Namespace) -> int:
    """Write the repository after checking it exactly as `ztix validate` would."""
    target = _target(args.dir)
    given = answers(args, _asker(args))
    files = scaffold(given)
    try:
        load_files({path: text for path, text in files.items() if path == "ix.yaml"})
    except ValidationFailed as exc:
        for problem in exc.problems:
            print(f"{_flag(problem.field)}: {problem}", file=sys.stderr)
        raise SettingsError(
            "the values given do not make a valid ix.yaml (problems above); nothing was written"
        ) from None
    blobs: dict[str, bytes] = {}
    if given.wheel is not None and given.wheel.url is None:
        data = Path(args.wheel).read_bytes()
        if hashlib.sha256(data).hexdigest() != given.wheel.sha256:
            raise SettingsError(f"--wheel {args.wheel}: the file changed while ztix init ran")
        blobs[f"{WHEELS_DIR}/{given.wheel.filename}"] = data
    _write(target, files, blobs)
    for path in sorted([*files, *blobs]):
        print(f"wrote {target / path}")
    if given.wheel is None:
        print(
            "\nnote: the pipelines install no ztix until a wheel is pinned in "
            ".ztix/requirements.txt (ztix init --wheel FILE|URL writes it)",
            file=sys.stderr,
        )
    print(
        f"\nnext: cd {target} && git init -b main && git add -A && git commit -m 'the exchange'"
        "\nthen: ztix validate && ztix apply --dry-run   (see the operator's manual)"
    )
    return EXIT_OK


def _write(target: Path, files: dict[str, str], blobs: dict[str, bytes]) -> None:
    """Every file or none: written into a new directory beside the target, then renamed."""
    parent = target.absolute().parent
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=parent))
    except OSError as exc:
        raise SettingsError(f"cannot write in {parent}: {exc.strerror}") from None
    try:
        for path, text in sorted(files.items()):
            out = staging / path
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text, encoding="utf-8")
        for path, data in sorted(blobs.items()):
            out = staging / path
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
        staging.chmod(0o755)
        # rename(2) replaces an empty directory and refuses a non-empty one.
        os.rename(staging, target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise SettingsError(f"cannot write {target}: {exc.strerror}") from None
