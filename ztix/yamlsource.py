"""Parse YAML text into plain data plus the line and column of every key and item.

PyYAML silently keeps the last of two equal keys; here a duplicate key is a problem. Parsing goes
through the composed node tree so that every value keeps its place in the file.
"""

from __future__ import annotations

from typing import Any

import yaml

from ztix.errors import Problem

Loc = tuple[str | int, ...]
Positions = dict[Loc, tuple[int, int]]

# libyaml's composer is several times faster; the pure-Python one gives the same nodes and marks.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


_PLAIN_TAGS = frozenset({"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})


class YamlDocument:
    """The data of one YAML file and the (line, col) of every key and list item in it."""

    def __init__(self, path: str, data: Any, positions: Positions) -> None:
        self.path = path
        self.data = data
        self.positions = positions

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


def format_loc(loc: Loc) -> str:
    """Render a location as `connections[0].ipv4`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def parse_yaml(path: str, text: str) -> tuple[YamlDocument | None, list[Problem]]:
    """Parse one document; return it with positions, or None and the problems that stop it."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        return None, [Problem(path, line, col, "", f"YAML syntax error: {what}")]
    except yaml.reader.ReaderError:  # a character YAML does not allow in a document
        return None, [_reader_problem(path, text)]
    except yaml.YAMLError as exc:  # no position is known for anything else
        return None, [Problem(path, 1, 1, "", f"YAML error: {exc}")]
    if node is None:
        return None, [Problem(path, 1, 1, "", "the file is empty", "see the README for an example")]
    positions: Positions = {(): (node.start_mark.line + 1, node.start_mark.column + 1)}
    problems: list[Problem] = []
    builder = _Builder(path, loader, positions, problems)
    try:
        data = builder.build(node, ())
    finally:
        loader.dispose()
    return YamlDocument(path, data, positions), problems


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


class _Builder:
    def __init__(
        self, path: str, loader: yaml.SafeLoader, positions: Positions, problems: list[Problem]
    ) -> None:
        self.path = path
        self.loader = loader
        self.positions = positions
        self.problems = problems

    def _at(self, node: yaml.Node) -> tuple[int, int]:
        return (node.start_mark.line + 1, node.start_mark.column + 1)

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        if not isinstance(node, yaml.ScalarNode) and node.tag not in _PLAIN_TAGS:
            line, col = self._at(node)
            self.problems.append(
                Problem(
                    self.path, line, col, format_loc(loc), f"YAML tag {node.tag!r} is not allowed"
                )
            )
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, loc)
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                self.positions[(*loc, index)] = self._at(item)
                items.append(self.build(item, (*loc, index)))
            return items
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            line, col = self._at(node)
            self.problems.append(
                Problem(self.path, line, col, format_loc(loc), f"cannot read value: {exc.problem}")
            )
            return None

    def _mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            line, col = self._at(key_node)
            key = self.build(key_node, loc) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                self.problems.append(
                    Problem(self.path, line, col, format_loc(loc), "keys must be plain words")
                )
                continue
            if key in first_seen:
                self.problems.append(
                    Problem(
                        self.path,
                        line,
                        col,
                        format_loc((*loc, key)),
                        f"duplicate key (first defined on line {first_seen[key]})",
                        "remove one of them",
                    )
                )
                continue
            first_seen[key] = line
            self.positions[(*loc, key)] = (line, col)
            result[key] = self.build(value_node, (*loc, key))
        return result
