"""A run builds only the parser of the subcommand it names; what it parses is exactly what the
whole parser parses, errors and help included."""

from __future__ import annotations

import argparse
import contextlib
import io

import pytest

from ztix.commands.arguments import build_parser

ARGVS = [
    ["validate"],
    ["validate", "--repo", "."],
    ["--log-format", "json", "validate"],
    ["--log-format=json", "render", "--out", "out"],
    ["render"],  # --out missing: an error
    ["plan", "--base", "main", "--format", "markdown", "--diff-out", "d"],
    ["plan", "--format", "xml"],
    ["apply", "--dry-run", "--only", "zerotier"],
    ["zerotier", "plan"],
    ["zerotier"],
    ["rs", "enable", "AS64500", "--route-server", "rs1"],
    ["rs", "enable", "ASx"],
    ["irr", "refresh", "--asn", "64500", "--asn", "AS64501", "--jobs", "2"],
    ["export", "ixf", "--timestamp", "2026-12-01T00:00:00Z"],
    ["status", "--asn", "AS64500", "--format", "json"],
    ["schema", "--out", "s"],
    ["exporter", "--port", "9999"],
    ["portal", "--host", "::1"],
    ["webhook"],
    ["init", "dir", "--asn", "64500", "--route-server", "a,b,c"],
    ["validate", "--help"],
    ["--help"],
    ["--log-f", "json", "validate"],  # an abbreviated option: the whole parser decides
    ["nosuch"],
    [],
    ["--log-format"],
    ["--bogus", "validate"],
    ["validate", "extra"],
]


def outcome(argv: list[str], narrowed: bool) -> tuple[str, str, str]:
    """(namespace or exit code, stdout, stderr) of parsing `argv`."""
    out, err = io.StringIO(), io.StringIO()
    parser = build_parser(argv if narrowed else None)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            result = repr(sorted(vars(parser.parse_args(argv)).items()))
        except SystemExit as exc:
            result = f"exit {exc.code}"
    return result, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("argv", ARGVS, ids=" ".join)
def test_the_narrowed_parser_parses_as_the_whole_one(argv: list[str]) -> None:
    assert outcome(argv, narrowed=True) == outcome(argv, narrowed=False)


def subcommands(parser: argparse.ArgumentParser) -> list[str]:
    """The subcommands a parser was built with."""
    found = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return list(found[0].choices or ())


def test_a_named_subcommand_builds_only_its_parser() -> None:
    assert subcommands(build_parser(["validate", "--repo", "."])) == ["validate"]
    assert len(subcommands(build_parser(["--help"]))) == 14
    assert len(subcommands(build_parser(None))) == 14
