"""Short offline commands run with the cyclic collector off; services and network commands keep
it on; a command run in-process gives the caller its collector back as it was."""

from __future__ import annotations

import argparse
import gc
import os
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from ztix import cli
from ztix.commands import files, plan, serve, status


@pytest.fixture(autouse=True)
def _collector_on() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


def record(seen: list[bool]) -> object:
    def run(args: argparse.Namespace) -> int:
        seen.append(gc.isenabled())
        return 0

    return run


CASES = [
    (files, "validate", ["validate", "--repo", "."], False),
    (files, "render", ["render", "--repo", ".", "--out", "out"], False),
    (plan, "run", ["plan", "--repo", ".", "--base", "main"], False),
    (plan, "run", ["plan", "--repo", ".", "--live"], True),
    (status, "run", ["status", "--repo", "."], True),
    (serve, "portal", ["portal"], True),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: " ".join(c[2][:1] + c[2][-1:]))
def test_the_collector_during_a_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, case: tuple[object, str, list[str], bool]
) -> None:
    module, name, argv, collecting = case
    seen: list[bool] = []
    monkeypatch.setattr(module, name, record(seen))
    monkeypatch.chdir(tmp_path)
    assert cli.main(argv) == 0
    assert seen == [collecting]
    assert gc.isenabled()  # in-process: back on afterwards


def _leave(code: int) -> NoReturn:
    """The console script's end, inside pytest: SystemExit, not os._exit (tests/commands/
    test_cli_exit.py runs the real one in processes of its own)."""
    raise SystemExit(code)


def test_the_console_script_leaves_it_off_to_the_end(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The process ends with the command: no collection of everything it made, at the end."""
    seen: list[bool] = []
    monkeypatch.setattr(files, "validate", record(seen))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.argv", ["ztix", "validate", "--repo", "."])
    monkeypatch.setattr(cli, "_leave", _leave)
    with pytest.raises(SystemExit) as exited:
        cli.console()
    assert exited.value.code == 0
    assert seen == [False]
    assert not gc.isenabled()


@pytest.mark.parametrize(("given", "seen"), [(None, "__all__"), ("", ""), ("logfire", "logfire")])
def test_the_console_script_skips_pydantic_plugins_unless_told(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, given: str | None, seen: str
) -> None:
    """Looking for pydantic plugins costs every short run; an operator's own value wins."""
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "placeholder")  # restored after the test
    if given is None:
        monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS")
    else:
        monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", given)
    monkeypatch.setattr(files, "validate", record([]))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.argv", ["ztix", "validate", "--repo", "."])
    monkeypatch.setattr(cli, "_leave", _leave)
    with pytest.raises(SystemExit):
        cli.console()
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == seen
