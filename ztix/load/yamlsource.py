"""Parse untrusted YAML text into plain data plus the line and column of every key and item.

A peer file arrives in a stranger's pull request and CI parses it before anyone reads it, so
this reader builds the data itself from libyaml's event stream instead of PyYAML's composer:

- explicit tags (`!!int`, `!foo`) are refused: the README promises plain YAML, and a tag would
  let a file pick the type a value is read as;
- aliases are counted and their expansion is bounded (`MAX_ALIASES`, `MAX_VALUES`), so a
  "billion laughs" file of a few hundred bytes is refused in microseconds instead of expanding
  to gigabytes; nesting is bounded (`MAX_DEPTH`) before any recursion, so deep input never
  reaches Python's recursion limit here or in validation;
- every scalar that fails to construct (`2026-02-30`, `0x_`, a 5,000-digit integer) is a
  located problem, never a traceback;
- duplicate keys are problems (PyYAML silently keeps the last one), and so are merge keys.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

from ztix.errors import Problem
from ztix.load.document import (
    MAX_ALIASES,
    MAX_DEPTH,
    MAX_INT_DIGITS,
    MAX_VALUES,
    Loc,
    Positions,
    YamlDocument,
    format_loc,
)

# libyaml's parser is several times faster; the pure-Python one gives the same events and marks.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
# first character -> [(tag, pattern)], the implicit resolvers of PyYAML's SafeLoader.
_IMPLICIT: dict[str, list[tuple[str, Any]]] = yaml.SafeLoader.yaml_implicit_resolvers
_KINDS = {
    "tag:yaml.org,2002:int": "an integer",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "a boolean",
    "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:timestamp": "a date",
}
# What constructing a scalar can raise (int() of 5,000 digits raises ValueError, a date out of
# range ValueError or OverflowError).
_CONSTRUCT_ERRORS = (ValueError, OverflowError, ArithmeticError, TypeError, yaml.YAMLError)


class _Stop(Exception):
    """A problem after which the rest of the document cannot be read (a limit, a syntax error)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def parse_yaml(path: str, text: str) -> tuple[YamlDocument | None, list[Problem]]:
    """Parse one document; return it with positions, or None and the problems that stop it."""
    reader = _Reader(path, text)
    try:
        data = reader.document()
    except _Stop as stop:
        return None, [*reader.problems, stop.problem]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        return None, [Problem(path, line, col, "", f"YAML syntax error: {what}")]
    except yaml.reader.ReaderError:  # a character YAML does not allow in a document
        return None, [_reader_problem(path, text)]
    except yaml.YAMLError as exc:  # no position is known for anything else
        return None, [Problem(path, 1, 1, "", f"YAML error: {exc}")]
    finally:
        reader.loader.dispose()
    if data is _EMPTY:
        return None, [Problem(path, 1, 1, "", "the file is empty", "see the README for an example")]
    document = YamlDocument(path, data, reader.positions, frozenset(reader.failed), reader.blocks)
    return document, reader.problems


def _reader_problem(path: str, text: str) -> Problem:
    """Locate a disallowed character; libyaml counts bytes, the Python reader characters."""
    try:
        yaml.SafeLoader(text).get_single_node()
    except yaml.reader.ReaderError as exc:
        before = text[: exc.position]
        line, col = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
        char = chr(exc.character) if isinstance(exc.character, int) else exc.character
        return Problem(
            path, line, col, "", f"character {char!r} is not allowed in YAML ({exc.reason})"
        )
    except yaml.YAMLError:
        pass
    return Problem(path, 1, 1, "", "the file holds a character that YAML does not allow")


_EMPTY = object()


class _Reader:
    """Builds plain data from the event stream, checking every bound as events arrive."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.loader = _Loader(text)
        self.positions: Positions = {}
        self.blocks: Positions = {}
        self.text = text
        self.problems: list[Problem] = []
        self.failed: set[Loc] = set()
        self.anchors: dict[str, tuple[Any, int]] = {}  # anchor -> (value, values it expands to)
        self.values = 0
        self.aliases = 0
        # PyYAML's stubs leave the event API untyped.
        self._next: Callable[[], yaml.Event] = self.loader.get_event

    def _peek(self) -> yaml.Event:
        event: yaml.Event = self.loader.peek_event()  # type: ignore[no-untyped-call]
        return event

    def _resolve(self, event: yaml.ScalarEvent) -> str:
        """The implicit tag of a scalar, as PyYAML's resolver decides it (YAML 1.1 rules).

        The same table and order as `Resolver.resolve`, without its generic path handling,
        which is most of the time of loading a repository.
        """
        if not event.implicit[0]:  # quoted or block scalars are strings
            return _STR
        value = event.value
        for tag, pattern in _IMPLICIT.get(value[:1], ()):
            if pattern.match(value):
                return tag
        return _STR

    def _at(self, event: yaml.Event) -> tuple[int, int]:
        mark = event.start_mark
        return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)

    def _problem(self, event: yaml.Event, loc: Loc, message: str, hint: str = "") -> None:
        self.failed.add(loc)
        line, col = self._at(event)
        self.problems.append(Problem(self.path, line, col, format_loc(loc), message, hint))

    def _stop(self, event: yaml.Event, loc: Loc, message: str, hint: str = "") -> _Stop:
        line, col = self._at(event)
        return _Stop(Problem(self.path, line, col, format_loc(loc), message, hint))

    def document(self) -> Any:
        get = self._next
        get()  # StreamStart
        if isinstance(self._peek(), yaml.StreamEndEvent):
            return _EMPTY
        get()  # DocumentStart
        first = self._peek()
        self.positions[()] = self._at(first)
        data, _ = self._node(get(), (), 0)
        get()  # DocumentEnd
        extra = get()
        if not isinstance(extra, yaml.StreamEndEvent):
            raise self._stop(
                extra, (), "the file holds more than one YAML document", "remove the extra '---'"
            )
        return data

    def _count(self, event: yaml.Event, loc: Loc, values: int) -> None:
        self.values += values
        if self.values > MAX_VALUES:
            raise self._stop(
                event,
                loc,
                f"the file expands to more than {MAX_VALUES} values (limit)",
                "aliases that repeat large parts multiply the size; write the values out",
            )

    def _node(self, event: yaml.Event, loc: Loc, depth: int) -> tuple[Any, int]:
        """The value that starts with `event`, and how many values it counts for."""
        cls = event.__class__
        if cls is yaml.AliasEvent:
            return self._alias(event, loc)  # type: ignore[arg-type]
        tag = event.tag  # type: ignore[attr-defined]
        if tag is not None:
            self._problem(
                event,
                loc,
                f"YAML tag {tag!r} is not allowed",
                "write the value without a tag; quote it if it is text",
            )
            self._skip(event)
            return None, 1
        self.values += 1
        if self.values > MAX_VALUES:
            self._count(event, loc, 0)
        if cls is yaml.ScalarEvent:
            value: Any = self._scalar(event, loc)  # type: ignore[arg-type]
            count = 1
            if event.style == "|" and event.start_mark is not None:  # type: ignore[attr-defined]
                mark = event.start_mark
                self._block(mark.index, mark.line, loc)
        elif cls is yaml.MappingStartEvent or cls is yaml.SequenceStartEvent:
            if depth >= MAX_DEPTH:
                raise self._stop(event, loc, f"nested more than {MAX_DEPTH} levels deep (limit)")
            if cls is yaml.MappingStartEvent:
                value, count = self._mapping(loc, depth)
            else:
                value, count = self._sequence(loc, depth)
        else:  # pragma: no cover - the parser never yields anything else here
            raise self._stop(event, loc, f"unexpected YAML event {cls.__name__}")
        anchor = event.anchor  # type: ignore[attr-defined]
        if anchor is not None:
            self.anchors[anchor] = (value, count)
        return value, count

    def _block(self, index: int, line_number: int, loc: Loc) -> None:
        """Record where the content of a literal block scalar starts (the line after its `|`)
        and its indentation; from the mark's character index, so long files cost nothing."""
        start = self.text.find("\n", index) + 1
        if start == 0:
            return
        end = self.text.find("\n", start)
        line = self.text[start : end if end >= 0 else len(self.text)]
        self.blocks[loc] = (line_number + 2, len(line) - len(line.lstrip(" ")) + 1)

    def _alias(self, event: yaml.AliasEvent, loc: Loc) -> tuple[Any, int]:
        self.aliases += 1
        if self.aliases > MAX_ALIASES:
            raise self._stop(event, loc, f"more than {MAX_ALIASES} aliases (limit)")
        found = self.anchors.get(event.anchor or "")
        if found is None:
            raise self._stop(event, loc, f"alias *{event.anchor} refers to no earlier anchor")
        value, count = found
        self._count(event, loc, count)
        return value, count

    def _scalar(self, event: yaml.ScalarEvent, loc: Loc) -> Any:
        if not event.implicit[0] or event.value[:1] not in _IMPLICIT:
            return event.value  # quoted, or plain text no implicit type can start with
        resolved = self._resolve(event)
        value = event.value
        if resolved == _STR:
            return value
        if resolved == _INT and value.isdigit() and (value[0] != "0" or value == "0"):
            # Plain decimal (no sign, octal, hex, '_' or sexagesimal): the common case, fast.
            if len(value) <= MAX_INT_DIGITS:
                return int(value)
            self._problem(event, loc, f"a number of {len(value)} digits (limit {MAX_INT_DIGITS})")
            return None
        return self._construct(event, loc, resolved)

    def _construct(self, event: yaml.ScalarEvent, loc: Loc, resolved: str) -> Any:
        """A non-text scalar, built as PyYAML's SafeLoader would; a located problem otherwise."""
        kind = _KINDS.get(resolved)
        if kind is None:  # `<<` (merge) and `=` (value) keys of YAML 1.1
            self._problem(
                event,
                loc,
                f"{event.value!r} is a YAML feature that is not supported here",
                "write the keys and values out; quote it if it is text",
            )
            return None
        if len(event.value) > MAX_INT_DIGITS:
            self._problem(event, loc, f"a value of {len(event.value)} characters read as {kind}")
            return None
        node = yaml.ScalarNode(resolved, event.value)
        try:
            return self.loader.yaml_constructors[resolved](self.loader, node)
        except _CONSTRUCT_ERRORS as exc:
            reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
            self._problem(
                event,
                loc,
                f"{event.value[:40]!r} looks like {kind} but is not a valid one ({reason})",
                "quote it if it is text",
            )
            return None

    def _sequence(self, loc: Loc, depth: int) -> tuple[list[Any], int]:
        items: list[Any] = []
        count = 1
        get, positions = self._next, self.positions
        while True:
            event = get()
            if event.__class__ is yaml.SequenceEndEvent:
                return items, count
            here = (*loc, len(items))
            mark = event.start_mark
            positions[here] = (mark.line + 1, mark.column + 1)  # type: ignore[union-attr]
            value, size = self._node(event, here, depth + 1)
            items.append(value)
            count += size

    def _mapping(self, loc: Loc, depth: int) -> tuple[dict[str, Any], int]:
        result: dict[str, Any] = {}
        first_seen: dict[str, int] = {}
        count = 1
        get, positions = self._next, self.positions
        while True:
            event = get()
            if event.__class__ is yaml.MappingEndEvent:
                return result, count
            key = self._key(event, loc)
            value_event = get()
            if key is None:
                self._skip(value_event)
                continue
            mark = event.start_mark
            line = mark.line + 1  # type: ignore[union-attr]
            if key in first_seen:
                self._problem(
                    event,
                    (*loc, key),
                    f"duplicate key (first defined on line {first_seen[key]})",
                    "remove one of them",
                )
                self._skip(value_event)
                continue
            first_seen[key] = line
            here = (*loc, key)
            positions[here] = (line, mark.column + 1)  # type: ignore[union-attr]
            value, size = self._node(value_event, here, depth + 1)
            result[key] = value
            count += size + 1

    def _key(self, event: yaml.Event, loc: Loc) -> str | None:
        """The key that `event` is, or None (and a problem) if it is not a plain word."""
        if (
            event.__class__ is yaml.ScalarEvent
            and event.tag is None
            and (event.value[:1] not in _IMPLICIT or self._resolve(event) == _STR)
        ):
            self.values += 1
            return str(event.value)
        if isinstance(event, yaml.ScalarEvent) and event.value == "<<":
            self._problem(
                event, loc, "YAML merge keys (<<) are not supported", "write the keys out"
            )
        else:
            self._problem(event, loc, "keys must be plain words")
        self._skip(event)
        return None

    def _skip(self, event: yaml.Event) -> None:
        """Consume the rest of the node that starts with `event` (iteratively, any depth)."""
        if not isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            return
        open_ = 1
        while open_:
            inner = self._next()
            if isinstance(inner, yaml.SequenceStartEvent | yaml.MappingStartEvent):
                open_ += 1
            elif isinstance(inner, yaml.SequenceEndEvent | yaml.MappingEndEvent):
                open_ -= 1
