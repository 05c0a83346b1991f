"""The `ztix` command: the only place adapters are built from settings."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ztix.errors import ValidationFailed, ZtixError
from ztix.loader import Repository, load
from ztix.render import render_all
from ztix.schema import SCHEMA_FILES, dump, json_schemas

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


def _summary(repo: Repository) -> str:
    peers = [p.model for p in repo.peers]
    active = sum(1 for p in peers if p.active)
    servers = len(repo.exchange.model.route_servers)
    return (
        f"ok: {repo.exchange.model.name}: {len(peers)} peers ({active} active, "
        f"{len(peers) - active} suspended), {servers} route servers, no problems"
    )


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate every file; print each problem, or a one-line summary."""
    repo = load(args.repo)
    print(_summary(repo))
    return EXIT_OK


def cmd_render(args: argparse.Namespace) -> int:
    """Render every route server's BIRD config into OUT/<route-server>/bird.conf."""
    repo = load(args.repo)
    configs = render_all(repo.exchange.model, [p.model for p in repo.peers])
    for name, text in configs.items():
        target = args.out / name / "bird.conf"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target} ({text.count(chr(10))} lines)")
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    """Print or write the JSON Schemas of both file kinds."""
    schemas = json_schemas()
    if args.out is None:
        print(dump({name.removesuffix(".schema.json"): s for name, s in schemas.items()}), end="")
        return EXIT_OK
    args.out.mkdir(parents=True, exist_ok=True)
    for name in SCHEMA_FILES:
        (args.out / name).write_text(dump(schemas[name]), encoding="utf-8")
        print(f"wrote {args.out / name}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="ztix", description="Run an IX on ZeroTier, GitOps style."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def repo_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument("--repo", type=Path, default=Path("."), help="repository (default: .)")

    p = sub.add_parser("validate", help="check ix.yaml and every peer file")
    repo_arg(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("render", help="write each route server's BIRD config")
    repo_arg(p)
    p.add_argument("--out", type=Path, required=True, help="directory for <rs>/bird.conf")
    p.set_defaults(func=cmd_render)

    p = sub.add_parser("schema", help="JSON Schema of ix.yaml and peer files")
    p.add_argument("--out", type=Path, help="write <kind>.schema.json files into this directory")
    p.set_defaults(func=cmd_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `ztix` console script."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except ValidationFailed as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        count = len(exc.problems)
        print(
            f"error: {count} problem{'s' if count != 1 else ''}; nothing applied", file=sys.stderr
        )
        return EXIT_INVALID
    except ZtixError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return code


if __name__ == "__main__":
    sys.exit(main())
