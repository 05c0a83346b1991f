"""The ZT-IX error tree and the located `Problem` every check reports.

    ZtixError                      anything ZT-IX raises on purpose            exit 2
    ├── ValidationFailed           peer/exchange files have problems            exit 1
    ├── SettingsError              the environment or a flag is wrong           exit 2
    ├── TemplateError              the templates cannot be read or are broken   exit 2
    ├── OutputFailed               standard output cannot be written (full, closed) exit 74
    └── AdapterError               a side effect failed (network, SSH, forge)   exit 3
        ├── CredentialsRejected    a remote system refused our credentials      exit 2
        └── Unavailable            a remote system kept failing; maybe_applied says whether
            └── Down               a write may have landed; Down: the run stopped calling it

Adapters add subclasses of `AdapterError` in their own modules; entry points catch `ZtixError`
and print it, and the exit status comes from the error's type (`exit_code`), never its text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3
EXIT_DRIFT = 4
EXIT_UNKNOWN = 5
# `apply` only: everything was applied, and an incident was found (and repaired): a stranger on
# the peering LAN. Distinct from 0 so a pipeline or a monitor can page on it.
EXIT_INCIDENT = 6
# sysexits.h EX_SOFTWARE: an unexpected exception, a bug (the CLI's one safety net).
EXIT_INTERNAL = 70
# sysexits.h EX_IOERR: standard output could not be written (a full disk, a reader that left).
EXIT_OUTPUT = 74


@dataclass(frozen=True, order=True)
class Problem:
    """One located problem: where (file, line, column, field) and what is wrong."""

    path: str
    line: int
    col: int
    field: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.col}"
        what = f"{self.field}: {self.message}" if self.field else self.message
        return f"{where}: {what}" + (f" (hint: {self.hint})" if self.hint else "")


def problem_count(count: int) -> str:
    """`count` problems in words: "1 problem", "3 problems"."""
    return f"{count} problem{'' if count == 1 else 's'}"


class ZtixError(Exception):
    """Base of every error ZT-IX raises on purpose."""

    exit_code = EXIT_USAGE


class ValidationFailed(ZtixError):
    """The repository has problems; nothing may be applied."""

    exit_code = EXIT_INVALID

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(sorted(set(problems)))
        listed = "\n".join(str(p) for p in self.problems)
        super().__init__(f"{problem_count(len(self.problems))} found:\n{listed}")


class SettingsError(ZtixError):
    """A setting from the environment is missing or malformed."""


class AdapterError(ZtixError):
    """A side effect (HTTP, SSH, git) failed; subclasses name the system."""

    exit_code = EXIT_PARTIAL


class CredentialsRejected(AdapterError):
    """A remote system refused the credentials from the environment; retrying will not help."""

    exit_code = EXIT_USAGE


class Unavailable(AdapterError):
    """A remote system kept failing after every retry.

    `maybe_applied`: the last attempt reached it and the answer was lost, so a write may have
    landed; re-read before counting it as failed.
    """

    maybe_applied = False


class Down(Unavailable):
    """A remote system failed every attempt for too long; nothing more is sent to it this run."""


class OutputFailed(ZtixError):
    """Standard output could not be written: what the command printed is incomplete."""

    exit_code = EXIT_OUTPUT


class TemplateError(ZtixError):
    """The templates cannot be read, or a template is broken."""
