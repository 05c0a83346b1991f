"""The `ztix` command: a light argument parser that imports a command's code only when it runs.

Start-up matters for a CLI that CI calls on every change: `ztix --help` and `ztix validate`
import neither the SSH, HTTP, git nor web stacks (see tests/benchmarks/bench_startup.py).
Adapters are built from settings only in `ztix.adapters.build`.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import gc
import importlib
import logging
import os
import sys
import threading
from collections.abc import Callable, Sequence
from typing import NoReturn, TextIO, cast

from ztix.commands.arguments import build_parser
from ztix.errors import (
    EXIT_INTERNAL,
    EXIT_INVALID,
    EXIT_USAGE,
    OutputFailed,
    ValidationFailed,
    ZtixError,
    problem_count,
)
from ztix.service.logs import configure_cli, log_format, say
from ztix.service.stdout import GuardedOutput


def console() -> None:
    """The `ztix` console script: one command, then the process ends."""
    # Pydantic looks for plugins (entry points of every installed distribution) when it builds
    # the first model: ~3 ms of each short run, for plugins a CLI never uses. Documented knob
    # (https://docs.pydantic.dev/latest/api/plugin/); an operator's own value wins.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    _hold_standard_fds()
    try:
        code = main(own_process=True)
    except SystemExit as exc:  # argparse: --help, --version or a usage error, already said
        code = exc.code if isinstance(exc.code, int) else EXIT_USAGE if exc.code else 0
    _leave(code)


def _leave(code: int) -> NoReturn:
    """End the process with `code`, without the interpreter's teardown.

    Everything printed is flushed by now (main) and the exit handlers run here; what is skipped
    is freeing every object one by one, ~25 ms of a `validate` (mypy's `hard_exit` does the
    same). With another thread still running (none should be) Python's own exit joins it.
    """
    if threading.active_count() > 1:
        sys.exit(code)
    atexit._run_exitfuncs()  # logging.shutdown, weakref finalizers (temporary directories)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    os._exit(code)


def _hold_standard_fds() -> None:
    """Open /dev/null on any of fds 0-2 the caller closed (`ztix render 2>&-`).

    Otherwise the next file opened takes that number: a rendered config opened as fd 2 would
    receive what a child process (git, bgpq4, ssh) writes to its standard error.
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            os.open(os.devnull, os.O_RDWR)  # the lowest free number: this one
    # Python leaves sys.stdout / sys.stderr None for a descriptor closed at start, and
    # print(file=None) writes to standard output: a note meant for stderr would land in the data.
    if sys.stdout is None:
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    if sys.stderr is None:
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115


def main(argv: Sequence[str] | None = None, *, own_process: bool = False) -> int:
    """Run one `ztix` command (`argv`: its arguments, default sys.argv).

    `own_process`: the process ends with the command (the console script), so an offline
    command leaves the collector off to the end; otherwise it is switched back on.
    """
    words = sys.argv[1:] if argv is None else argv
    real = sys.stdout
    if real is not None:  # None: Python found no standard output at start; print() skips it
        sys.stdout = cast(TextIO, GuardedOutput(real))
    try:
        return _parse_and_run(words, own_process)
    except OutputFailed as exc:  # --help or --version could not be printed
        configure_cli("text")
        say("error", str(exc), logging.ERROR)
        return exc.exit_code
    finally:
        sys.stdout = real


def _parse_and_run(words: Sequence[str], own_process: bool) -> int:
    try:
        args = build_parser(words).parse_args(words)
    except SystemExit:
        _flush_output()  # what argparse printed, while a failure can still be reported
        raise
    collecting = gc.isenabled()
    # Short offline commands (commands.arguments says which): CPU-bound runs over data without
    # reference cycles, then exit. The cyclic collector is off for the whole run (imports
    # included), as ztix.load.gcpause explains; reference counting still frees everything.
    # Services and network commands keep it on.
    if args.offline and not getattr(args, "live", False):
        gc.disable()
    try:
        return _run(args)
    finally:
        if collecting and not own_process:
            gc.enable()


def _run(args: argparse.Namespace) -> int:
    configure_cli("text")  # until the format is known: a bad ZTIX_LOG_FORMAT is said in text
    module, _, name = str(args.target).partition(":")
    try:
        configure_cli(log_format(args.log_format))
        run: Callable[[argparse.Namespace], int] = getattr(
            importlib.import_module(f"ztix.commands.{module}"), name
        )
        code = run(args)
        _flush_output()  # a full disk or a reader that left is reported, not lost at exit
        return code
    except ValidationFailed as exc:
        for problem in exc.problems:
            say("problem", str(problem), logging.ERROR, file=problem.path, line=problem.line)
        say("error", f"{problem_count(len(exc.problems))}; nothing applied", logging.ERROR)
        return EXIT_INVALID
    except ZtixError as exc:
        say("error", str(exc), logging.ERROR)
        return exc.exit_code
    except KeyboardInterrupt:
        say("note", "interrupted", logging.ERROR)
        return 130
    except Exception as exc:  # the one safety net: a bug, said in one line, not a traceback
        if os.environ.get("ZTIX_DEBUG"):
            raise
        first = str(exc).splitlines()[0][:200] if str(exc) else ""
        say("internal error", f"{type(exc).__name__}: {first}", logging.CRITICAL)
        say(
            "hint",
            "this is a bug in ztix, not in your files; run again with ZTIX_DEBUG=1 for the "
            "traceback and report it",
            logging.CRITICAL,
        )
        return EXIT_INTERNAL


def _flush_output() -> None:
    """Flush standard output (an OutputFailed when it cannot be written)."""
    if sys.stdout is not None:
        sys.stdout.flush()


if __name__ == "__main__":
    console()
