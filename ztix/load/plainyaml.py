"""A fast reader for the plain block YAML that peer files are written in.

Most peer files are nested `key: value` mappings and `- ` lists of plain or simply quoted
scalars, one per line: what the portal and `ztix init` write, and what people copy. A file in
exactly that subset is read here line by line and gives the same data and positions the YAML
reader (ztix.load.yamlsource, over libyaml's events) would. Anything else returns None and goes
to the YAML reader, which reads it and reports its problems: flow collections, block scalars,
anchors, aliases, tags, a comment after a value, indentation YAML reads otherwise, a value YAML
would read as a float, null or an odd number, a duplicate key, any problem at all.
tests/load/test_plainyaml.py holds the two readers to the same result on generated documents
and on hand-edited files. Loading 2,000 peer files then costs about half as much.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from ztix.load.document import (
    MAX_DEPTH,
    MAX_INT_DIGITS,
    MAX_VALUES,
    Loc,
    Positions,
    YamlDocument,
)

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_BOOL = "tag:yaml.org,2002:bool"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
# The types YAML 1.1 reads a plain scalar as (yaml.org/type: bool, float, int, merge, null,
# timestamp, value), by its first character: PyYAML's SafeLoader table (yaml/resolver.py),
# written out so that a plain file needs no YAML library; tests/load/test_plainyaml.py holds
# it equal to PyYAML's, pattern by pattern.
_IMPLICIT_TYPES: list[tuple[str, str, list[str]]] = [
    (
        _BOOL,
        r"""^(?:yes|Yes|YES|no|No|NO
                    |true|True|TRUE|false|False|FALSE
                    |on|On|ON|off|Off|OFF)$""",
        list("yYnNtTfFoO"),
    ),
    (
        "tag:yaml.org,2002:float",
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
                    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
                    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
                    |[-+]?\.(?:inf|Inf|INF)
                    |\.(?:nan|NaN|NAN))$""",
        list("-+0123456789."),
    ),
    (
        _INT,
        r"""^(?:[-+]?0b[0-1_]+
                    |[-+]?0[0-7_]+
                    |[-+]?(?:0|[1-9][0-9_]*)
                    |[-+]?0x[0-9a-fA-F_]+
                    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$""",
        list("-+0123456789"),
    ),
    ("tag:yaml.org,2002:merge", r"^(?:<<)$", ["<"]),
    (
        "tag:yaml.org,2002:null",
        r"""^(?: ~
                    |null|Null|NULL
                    | )$""",
        ["~", "n", "N", ""],
    ),
    (
        _TIMESTAMP,
        r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
                    |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
                     (?:[Tt]|[ \t]+)[0-9][0-9]?
                     :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
                     (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""",
        list("0123456789"),
    ),
    ("tag:yaml.org,2002:value", r"^(?:=)$", ["="]),
    ("tag:yaml.org,2002:yaml", r"^(?:!|&|\*)$", list("!&*")),
]


def _implicit_table() -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    table: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    for tag, pattern, first in _IMPLICIT_TYPES:
        compiled = re.compile(pattern, re.X if "\n" in pattern else 0)
        for char in first:
            table.setdefault(char, []).append((tag, compiled))
    return table


_IMPLICIT = _implicit_table()
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# One line: indentation, at most one `- `, then `key:` (and its value after a space) or, in a
# list, a scalar; or a blank or comment line (group 6 matches, possibly empty).
_LINE = re.compile(r"( *)(?:(- +)?([A-Za-z_][A-Za-z0-9_-]*):(?: +([^ ].*))?|(- +)([^ ].*)|(#.*|))")
# What starts something other than a plain scalar (YAML 1.1, 5.3 indicators), and "~" (null).
_NOT_PLAIN = frozenset("-?:,[]{}#&*!|>'\"%@`~")
# What a YAML 1.1 bool reads as (PyYAML's SafeConstructor.bool_values; held equal by a test).
_BOOLS = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}
# A flow list's item: a word (no spaces, quotes, colons or flow indicators).
_FLOW_ITEM = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
# A line is (number, key column, dash column or -1, key or None, value or None, value column).
Line = tuple[int, int, int, str | None, str | None, int]


class _Unsupported(Exception):
    """Outside the subset read here (the YAML reader reads it)."""


def read_plain(path: str, text: str) -> YamlDocument | None:
    """The document of `text` if it is plain block YAML of the subset above, else None."""
    if "\t" in text or "\r" in text or not text.replace("\n", "").isprintable():
        return None  # tabs, other line breaks, control characters: YAML's own rules apply
    lines = _lines(text)
    # A line holds at most a key, a value and a collection: three of the YAML reader's values.
    if not lines or lines[0][2] >= 0 or len(lines) > MAX_VALUES // 3:
        return None
    parser = _Parser(lines)
    try:
        data = parser.mapping(0, (), 0)
    except _Unsupported:
        return None
    if parser.at != len(lines):  # a line no structure above took: YAML decides what it is
        return None
    parser.positions[()] = (lines[0][0], lines[0][1] + 1)
    return YamlDocument(path, data, parser.positions)


def _lines(text: str) -> list[Line]:
    out: list[Line] = []
    match = _LINE.fullmatch
    for number, raw in enumerate(text.split("\n"), start=1):
        found = match(raw)
        if found is None:
            return []  # a line of another shape ("---", a flow collection, ...): YAML's
        indent, dash, key, value, item_dash, item, blank = found.groups()
        if blank is not None:
            continue  # blank, or a comment line
        if raw.endswith(" "):
            return []  # trailing spaces, which YAML drops from a plain scalar
        if key is not None:
            col = len(indent) + (len(dash) if dash else 0)
            out.append((number, col, len(indent) if dash else -1, key, value, found.start(4)))
        else:
            col = len(indent) + len(item_dash)
            out.append((number, col, len(indent), None, item, col))
    return out


class _Parser:
    """Recursive descent over the content lines; every structure ends where YAML's would."""

    def __init__(self, lines: list[Line]) -> None:
        self.lines = lines
        self.at = 0
        self.positions: Positions = {}

    def mapping(self, col: int, loc: Loc, depth: int) -> dict[str, Any]:
        """The keys at column `col`; the first may follow a list item's `- `."""
        if depth >= MAX_DEPTH:
            raise _Unsupported
        lines, positions = self.lines, self.positions
        result: dict[str, Any] = {}
        first = True
        while self.at < len(lines):
            number, key_col, dash, key, value, value_col = lines[self.at]
            if key_col != col or key is None or (dash >= 0 and not first):
                break  # less indented, a list's scalar, or the next item of the list
            first = False
            if key in result or (key[0] in _IMPLICIT and _resolve(key) != _STR):
                raise _Unsupported  # a duplicate, or a key YAML reads as a bool or null
            self.at += 1
            here = (*loc, key)
            positions[here] = (number, col + 1)
            if value is None:
                result[key] = self._block(col, here, depth)
            else:
                result[key] = self._value(value, number, value_col, here)
        return result

    def _block(self, col: int, loc: Loc, depth: int) -> Any:
        """What `key:` alone holds: a mapping more indented, or a list whose `-` is not left
        of the key (YAML lets a mapping's list start at its keys' column)."""
        if self.at == len(self.lines):
            raise _Unsupported  # null
        _, key_col, dash, _, _, _ = self.lines[self.at]
        if dash >= col:
            return self.sequence(dash, loc, depth + 1)
        if dash < 0 and key_col > col:
            return self.mapping(key_col, loc, depth + 1)
        raise _Unsupported

    def sequence(self, dash: int, loc: Loc, depth: int) -> list[Any]:
        """The items whose `-` is at column `dash`."""
        if depth >= MAX_DEPTH:
            raise _Unsupported
        lines, positions = self.lines, self.positions
        items: list[Any] = []
        while self.at < len(lines):
            number, col, item_dash, key, value, _ = lines[self.at]
            if item_dash != dash:
                break
            here = (*loc, len(items))
            positions[here] = (number, col + 1)
            if key is None:
                self.at += 1
                items.append(self._value(value or "", number, col, here))
            else:
                items.append(self.mapping(col, here, depth + 1))
        return items

    def _value(self, value: str, number: int, col: int, loc: Loc) -> Any:
        """A scalar, or a flow list of words (`[RIPE, ARIN]`) starting at column `col`."""
        if value[0] != "[":
            return self._scalar(value)
        if value[-1] != "]":
            raise _Unsupported
        if value == "[]":
            return []
        out = []
        at = col + 2  # the first item's column, 1-based
        for index, item in enumerate(value[1:-1].split(", ")):
            if not _FLOW_ITEM.fullmatch(item):
                raise _Unsupported  # spaces, quotes, nesting, another separator: YAML's
            self.positions[(*loc, index)] = (number, at)
            out.append(self._scalar(item))
            at += len(item) + 2
        return out

    def _scalar(self, value: str) -> Any:
        head = value[0]
        if head in "\"'":  # quoted, without escapes or inner quotes
            if len(value) < 2 or value[-1] != head or head in value[1:-1] or "\\" in value:
                raise _Unsupported
            return value[1:-1]
        if head in _NOT_PLAIN or ": " in value or " #" in value or value[-1] == ":":
            raise _Unsupported
        if head not in _IMPLICIT:
            return value
        tag = _resolve(value)
        if tag == _STR:
            return value
        if tag == _INT and value.isdigit() and (head != "0" or value == "0"):
            if len(value) > MAX_INT_DIGITS:  # the YAML reader reports it, located
                raise _Unsupported
            return int(value)
        if tag == _BOOL:
            return _BOOLS[value.lower()]
        if tag == _TIMESTAMP:
            return self._timestamp(value)
        raise _Unsupported  # a float, null, octal or sexagesimal number: the YAML reader's

    def _timestamp(self, value: str) -> Any:
        """A date as YAML reads `2026-11-02`; other timestamps are the YAML reader's."""
        if not _DATE.fullmatch(value):
            raise _Unsupported
        try:
            return datetime.date(int(value[0:4]), int(value[5:7]), int(value[8:10]))
        except ValueError:
            raise _Unsupported from None  # 2026-02-30: the YAML reader reports it, located


def _resolve(value: str) -> str:
    """The implicit tag of a plain scalar (PyYAML's SafeLoader table, as the YAML reader)."""
    for tag, pattern in _IMPLICIT.get(value[:1], ()):
        if pattern.match(value):
            return str(tag)
    return _STR
