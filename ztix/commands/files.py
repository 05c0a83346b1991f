"""Offline commands on the files: validate, render, schema."""

from __future__ import annotations

import argparse
import sys

from ztix.commands.output import check_dir, output_dir, write_file
from ztix.errors import EXIT_OK
from ztix.load.loader import Repository, load
from ztix.service.logs import say


def summary(repo: Repository) -> str:
    """One line that says what the repository holds."""
    peers = [p.model for p in repo.peers]
    active = sum(1 for p in peers if p.active)
    servers = len(repo.exchange.model.route_servers)
    return (
        f"ok: {repo.exchange.model.name}: {len(peers)} peers ({active} active, "
        f"{len(peers) - active} suspended), {servers} route servers, no problems"
    )


def validate(args: argparse.Namespace) -> int:
    """Validate every file; print each problem, or a one-line summary (and, on stderr, what
    the settings let through)."""
    from ztix.plan.safety import safety_notes  # noqa: PLC0415

    repo = load(args.repo)
    print(summary(repo))
    for note in safety_notes(repo.exchange.model):
        say("warning", note)
    return EXIT_OK


def render(args: argparse.Namespace) -> int:
    """Render every route server's BIRD config into OUT/<route-server>/bird.conf."""
    from ztix.render.routeserver import repository_configs  # noqa: PLC0415
    from ztix.render.templates import from_directory  # noqa: PLC0415

    check_dir(args.out, "--out")  # before any work (created only once there is something to write)
    repo = load(args.repo)
    templates = from_directory(args.repo)
    print(f"templates: {templates.describe()}", file=sys.stderr)
    configs = repository_configs(repo, templates)
    out = output_dir(args.out, "--out")
    for name, text in configs.items():
        target = output_dir(out / name, "--out") / "bird.conf"
        write_file(target, text, "--out")
        print(f"wrote {target} ({text.count(chr(10))} lines)")
    return EXIT_OK


def schema(args: argparse.Namespace) -> int:
    """Print or write the JSON Schemas of both file kinds."""
    from ztix.models.schema import SCHEMA_FILES, dump, json_schemas  # noqa: PLC0415

    schemas = json_schemas()
    if args.out is None:
        print(dump({name.removesuffix(".schema.json"): s for name, s in schemas.items()}), end="")
        return EXIT_OK
    out = output_dir(args.out, "--out")
    for name in SCHEMA_FILES:
        write_file(out / name, dump(schemas[name]), "--out")
        print(f"wrote {out / name}")
    return EXIT_OK
