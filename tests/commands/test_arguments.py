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
    ["exporter", "--port", "70000"],
    ["portal", "--host", ""],
    ["irr", "refresh", "--jobs", "0"],
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


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["exporter", "--port", "70000"], "argument --port: 70000 is not from 1 to 65535"),
        (["portal", "--port", "0"], "argument --port: 0 is not from 1 to 65535"),
        (["webhook", "--port", "-1"], "argument --port: -1 is not from 1 to 65535"),
        (["webhook", "--port", "1e3"], "argument --port: '1e3' is not a whole number"),
        (["exporter", "--port", "9" * 5000], "argument --port: 9999999999"),
        (["exporter", "--host", ""], "argument --host: '' is not an address to listen on"),
        (["portal", "--host", "a b"], "argument --host: 'a b' is not an address"),
        (["irr", "refresh", "--jobs", "-1"], "argument --jobs: -1 is not from 1 to 64"),
        (["irr", "refresh", "--jobs", "65"], "argument --jobs: 65 is not from 1 to 64"),
        (["irr", "refresh", "--jobs", "9" * 20], "is not from 1 to 64"),
    ],
)
def test_numbers_and_addresses_out_of_range_are_usage_errors(argv: list[str], said: str) -> None:
    result, out, err = outcome(argv, narrowed=True)
    assert result == "exit 2" and not out
    assert said in err and len(err) < 600


def test_the_jobs_flag_has_the_bounds_of_irr_jobs() -> None:
    from annotated_types import Ge, Le  # noqa: PLC0415

    from ztix.commands.arguments import IRR_JOBS  # noqa: PLC0415
    from ztix.models.irr import Irr  # noqa: PLC0415

    metadata = Irr.model_fields["jobs"].metadata
    low = next(m.ge for m in metadata if isinstance(m, Ge))
    high = next(m.le for m in metadata if isinstance(m, Le))
    assert (low, high) == IRR_JOBS
