"""A model with the file it came from, so later checks can point at a line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel

from ztix.errors import Problem
from ztix.load.document import Loc, YamlDocument

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Located(Generic[M]):
    """A model with the file it came from, so later checks can point at a line."""

    model: M
    source: YamlDocument

    @property
    def path(self) -> str:
        """The file's path relative to the repository root."""
        return self.source.path

    def problem(self, loc: Loc, message: str, hint: str = "") -> Problem:
        """A Problem at `loc` in this file."""
        return self.source.problem(loc, message, hint)
