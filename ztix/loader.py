"""Read `ix.yaml` and `peers/*.yaml` into models; the only module that reads YAML.

`load_files` is pure (relative path -> text in, `Repository` out), so the same code loads the
working tree, a git revision or a test fixture. Every problem of every file is collected before
anything is reported.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ztix.checks import check_repository
from ztix.errors import Problem, ValidationFailed
from ztix.models import Exchange, Peer
from ztix.yamlsource import Loc, YamlDocument, parse_yaml

EXCHANGE_FILE = "ix.yaml"
PEERS_DIR = "peers"
PEER_FILE = re.compile(r"AS([1-9][0-9]{0,9})\.yaml")
MAX_FILE_BYTES = 64 * 1024

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


@dataclass(frozen=True)
class Repository:
    """A loaded, checked repository: the exchange and its peers sorted by ASN."""

    exchange: Located[Exchange]
    peers: tuple[Located[Peer], ...]


def read_tree(root: Path) -> dict[str, str]:
    """Read `ix.yaml` and every file under `peers/` from a directory (relative path -> text)."""
    files: dict[str, str] = {}
    candidates = [root / EXCHANGE_FILE]
    peers_dir = root / PEERS_DIR
    if peers_dir.is_dir():
        candidates += sorted(p for p in peers_dir.iterdir() if p.is_file())
    for path in candidates:
        if path.is_file():
            data = path.read_bytes()
            files[path.relative_to(root).as_posix()] = data.decode("utf-8", errors="replace")
    return files


def load_files(files: Mapping[str, str]) -> Repository:
    """Parse and check a repository given as texts; raise ValidationFailed with every problem."""
    problems: list[Problem] = []
    if EXCHANGE_FILE not in files:
        problems.append(Problem(EXCHANGE_FILE, 1, 1, "", "the exchange file is missing"))
        exchange = None
    else:
        exchange = _load(EXCHANGE_FILE, files[EXCHANGE_FILE], Exchange, problems)
    peers: list[Located[Peer]] = []
    for path in sorted(files):
        if not path.startswith(PEERS_DIR + "/"):
            continue
        name = path.removeprefix(PEERS_DIR + "/")
        if not name.endswith((".yaml", ".yml")):
            continue  # a README or .gitkeep beside the peer files is fine
        if not PEER_FILE.fullmatch(name):
            hint = "rename it to .yaml" if name.endswith(".yml") else "e.g. peers/AS64500.yaml"
            problems.append(Problem(path, 1, 1, "", "a peer file must be named AS<asn>.yaml", hint))
        peer = _load(path, files[path], Peer, problems)
        if peer is not None:
            peers.append(peer)
    ordered = tuple(sorted(peers, key=lambda p: (p.model.asn, p.path)))
    problems += check_repository(exchange, ordered)
    if problems or exchange is None:
        raise ValidationFailed(problems)
    return Repository(exchange, ordered)


def load(root: Path) -> Repository:
    """Load and check the repository in directory `root`."""
    return load_files(read_tree(root))


def _load(path: str, text: str, model: type[M], problems: list[Problem]) -> Located[M] | None:
    if len(text.encode()) > MAX_FILE_BYTES:
        problems.append(Problem(path, 1, 1, "", f"the file is larger than {MAX_FILE_BYTES} bytes"))
        return None
    document, parse_problems = parse_yaml(path, text)
    problems += parse_problems
    if document is None:
        return None
    if not isinstance(document.data, dict):
        problems.append(
            document.problem(
                (), "the file must be a mapping of keys to values, not a list or value"
            )
        )
        return None
    try:
        instance = model.model_validate(document.data)
    except ValidationError as exc:
        problems += _located_errors(document, exc, model)
        return None
    if parse_problems:
        return None
    return Located(instance, document)


def _located_errors(
    document: YamlDocument, exc: ValidationError, model: type[BaseModel]
) -> list[Problem]:
    problems = []
    errors = exc.errors(include_url=False)
    for error in errors:
        loc = _data_loc(document.data, tuple(error["loc"]))
        kind = error["type"]
        if kind == "too_short" and any(
            len(other["loc"]) > len(loc) and tuple(other["loc"][: len(loc)]) == loc
            for other in errors
        ):
            continue  # pydantic also counts the invalid items as missing; say it once
        hint = ""
        if kind == "extra_forbidden":
            allowed = _allowed_keys(model, loc[:-1])
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            hint = f"did you mean {close[0]!r}?" if close else "allowed: " + ", ".join(allowed)
        problems.append(document.problem(loc, error_message(error), hint))
    return problems


def error_message(error: ErrorDetails) -> str:
    """A pydantic error said the way a peer-file author understands it."""
    messages = {
        "missing": "required key is missing",
        "extra_forbidden": "unknown key",
        "model_type": "must be a mapping of keys to values",
        "model_attributes_type": "must be a mapping of keys to values",
        "tuple_type": "must be a list",
        "list_type": "must be a list",
    }
    return messages.get(error["type"], str(error["msg"]).removeprefix("Value error, "))


def _data_loc(data: object, loc: Loc) -> Loc:
    """Cut `loc` to the part that exists in the file (an AS-SET string split into a list has no
    item positions of its own)."""
    current: Any = data
    for depth, part in enumerate(loc):
        if isinstance(current, dict):
            if part not in current:
                return loc[: depth + 1]  # a missing or unknown key: point at its parent
            current = current[part]
        elif isinstance(current, list) and isinstance(part, int) and part < len(current):
            current = current[part]
        else:
            return loc[:depth]
    return loc


def _allowed_keys(model: type[BaseModel], loc: Loc) -> list[str]:
    """The keys allowed at `loc` inside `model`, for a 'did you mean' hint."""
    current: type[BaseModel] = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part)
        if field is None:
            return []
        inner = _model_in(field.annotation)
        if inner is None:
            return []
        current = inner
    return sorted(current.model_fields)


def _model_in(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
