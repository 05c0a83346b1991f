"""The ZT-IX error tree and the located `Problem` every check reports.

    ZtixError                      anything ZT-IX raises on purpose
    ├── ValidationFailed           peer/exchange files have problems; carries every Problem
    ├── SettingsError              the environment or a settings file is incomplete or wrong
    └── AdapterError               a side effect failed (network, SSH, forge)

Adapters add subclasses of `AdapterError` in their own modules; entry points catch `ZtixError`
and print it, so a user never sees a traceback for a known failure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


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


class ZtixError(Exception):
    """Base of every error ZT-IX raises on purpose."""


class ValidationFailed(ZtixError):
    """The repository has problems; nothing may be applied."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(sorted(set(problems)))
        count = len(self.problems)
        super().__init__(
            f"{count} problem{'s' if count != 1 else ''} found:\n"
            + "\n".join(str(p) for p in self.problems)
        )


class SettingsError(ZtixError):
    """A setting from the environment is missing or malformed."""


class AdapterError(ZtixError):
    """A side effect (HTTP, SSH, git) failed; subclasses name the system."""
