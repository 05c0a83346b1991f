"""A parsed file: its plain data and where each key and list item is, for located problems.

Both readers give one (ztix.load.yamlsource over libyaml, ztix.load.plainyaml for plain block
YAML, ztix.load.generated for the IRR files ZT-IX writes), so nothing after the readers depends
on which read a file, and a command whose files are all plain never imports a YAML library.
"""

from __future__ import annotations

from typing import Any

from ztix.errors import Problem

Loc = tuple[str | int, ...]
Positions = dict[Loc, tuple[int, int]]

# Bounds on one document. A peer file needs depth 4 and about 40 values; ix.yaml about 150.
MAX_DEPTH = 16
MAX_ALIASES = 32
MAX_VALUES = 10_000
# Digits of an integer: below Python's int-from-string limit (4300 digits); longer is refused.
MAX_INT_DIGITS = 4000


class YamlDocument:
    """The data of one YAML file and the (line, col) of every key and list item in it."""

    def __init__(
        self,
        path: str,
        data: Any,
        positions: Positions,
        failed: frozenset[Loc] = frozenset(),
        blocks: Positions | None = None,
    ) -> None:
        self.path = path
        self.data = data
        self.positions = positions
        # Literal block scalars (`key: |`, one entry per line): where their first line is.
        self.blocks = blocks or {}
        # Where the reader already reported a value it could not read (so validation, which
        # sees None there, does not report it a second time).
        self.failed = failed

    def where(self, loc: Loc) -> tuple[int, int]:
        """The position of `loc`, or of its nearest enclosing key when it has none of its own."""
        for end in range(len(loc), -1, -1):
            found = self.positions.get(loc[:end])
            if found is not None:
                return found
        return (1, 1)

    def problem(self, loc: Loc, message: str, hint: str = "") -> Problem:
        """A Problem located at `loc` in this file."""
        line, col = self.where(loc)
        return Problem(self.path, line, col, format_loc(loc), message, hint)

    def entry_problem(self, loc: Loc, entry: int, message: str, hint: str = "") -> Problem:
        """A Problem at line `entry` (1-based) of the block scalar at `loc` (its key's line
        when the value is not a block)."""
        first = self.blocks.get(loc)
        if first is None:
            return self.problem(loc, message, hint)
        line, col = first
        return Problem(self.path, line + entry - 1, col, format_loc(loc), message, hint)


def format_loc(loc: Loc) -> str:
    """Render a location as `connections[0].ipv4`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out
