"""Read `ix.yaml`, `peers/*.yaml` and `irr/*.yaml` into models; the only module that reads YAML.

`load_files` is pure (relative path -> entry in, `Repository` out), so the same code loads the
working tree, a git revision or a test fixture. It can be handed anything a stranger's pull
request can contain; every problem of every file is collected, located, before anything is
reported, and nothing about a file is trusted before it has passed here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ztix.errors import Problem, ValidationFailed
from ztix.load.checks import check_repository
from ztix.load.document import Loc, YamlDocument
from ztix.load.gcpause import paused_gc
from ztix.load.generated import read_generated_irr
from ztix.load.irrchecks import check_irr
from ztix.load.located import Located
from ztix.load.plainyaml import read_plain
from ztix.load.tree import (
    EXCHANGE_FILE,
    IRR_DIR,
    IRR_READ_LIMIT,
    PEERS_DIR,
    Entry,
    Files,
    NotAFile,
    read_tree,
)
from ztix.models import Exchange, IrrData, Peer

__all__ = [
    "EXCHANGE_FILE",
    "IRR_DIR",
    "PEERS_DIR",
    "Located",
    "Repository",
    "load",
    "load_files",
]

PEER_FILE = re.compile(r"AS([1-9][0-9]{0,9})\.yaml")
# What else may live in peers/: a note for members, and git's placeholder for an empty folder.
PEERS_EXTRAS = frozenset({"README.md", "README", ".gitkeep"})
MAX_FILE_BYTES = 64 * 1024
# Generated IRR files hold long lists (100,000 prefixes is about 2 MB).
MAX_IRR_BYTES = IRR_READ_LIMIT

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Repository:
    """A loaded, checked repository: the exchange, its peers and their IRR data by ASN."""

    exchange: Located[Exchange]
    peers: tuple[Located[Peer], ...]
    irr: tuple[Located[IrrData], ...] = ()

    def irr_data(self) -> dict[int, IrrData]:
        """Each member's IRR data by ASN (members without a file are absent)."""
        return {located.model.asn: located.model for located in self.irr}


# (path, entry) -> what loading that file gave: its model (or None) and its own problems. A plan
# loads two revisions whose files are mostly identical; the caller's memo parses each once.
Memo = dict[tuple[str, Entry], tuple["Located[Any] | None", tuple[Problem, ...]]]


def load_files(files: Files, memo: Memo | None = None) -> Repository:
    """Parse and check a repository given as entries; raise ValidationFailed with every problem.

    `memo` (owned by the caller, e.g. one plan) lets identical files of two revisions be parsed
    and validated once; cross-file checks always run on the whole repository.
    """
    with paused_gc():
        return _load_files(files, memo)


def _load_files(files: Files, memo: Memo | None) -> Repository:
    problems: list[Problem] = []
    exchange = None
    if EXCHANGE_FILE not in files:
        problems.append(Problem(EXCHANGE_FILE, 1, 1, "", "the exchange file is missing"))
    else:
        exchange = _cached(EXCHANGE_FILE, files[EXCHANGE_FILE], Exchange, problems, memo)
    for folder_name in (PEERS_DIR, IRR_DIR):
        if isinstance(files.get(folder_name), NotAFile):
            kind = files[folder_name].kind  # type: ignore[union-attr]
            problems.append(
                Problem(folder_name, 1, 1, "", f"{folder_name} must be a folder, not a {kind}")
            )
    peers, irr, unread = _data_files(files, problems, memo)
    ordered = tuple(sorted(peers, key=lambda p: (p.model.asn, p.path)))
    ordered_irr = tuple(sorted(irr, key=lambda d: (d.model.asn, d.path)))
    problems += check_repository(exchange, ordered)
    problems += check_irr(exchange, ordered, ordered_irr, frozenset(unread))
    if problems or exchange is None:
        raise ValidationFailed(problems)
    return Repository(exchange, ordered, ordered_irr)


def load(root: Path) -> Repository:
    """Load and check the repository in directory `root`."""
    return load_files(read_tree(root))


def _data_files(
    files: Files, problems: list[Problem], memo: Memo | None
) -> tuple[list[Located[Peer]], list[Located[IrrData]], set[str]]:
    """The peer and IRR files that load, and the names of peer files that exist but do not."""
    peers: list[Located[Peer]] = []
    irr: list[Located[IrrData]] = []
    unread: set[str] = set()  # their problems are reported; they are not missing
    for path in sorted(files):
        folder, _, name = path.partition("/")
        if folder not in (PEERS_DIR, IRR_DIR) or not name:
            continue
        if not _data_file_name(folder, path, name, files[path], problems):
            continue
        if folder == PEERS_DIR:
            peer = _cached(path, files[path], Peer, problems, memo)
            if peer is not None:
                peers.append(peer)
            else:
                unread.add(name)
        else:
            data = _cached(path, files[path], IrrData, problems, memo)
            if data is not None:
                irr.append(data)
    return peers, irr, unread


def _cached(
    path: str, entry: Entry, model: type[M], problems: list[Problem], memo: Memo | None
) -> Located[M] | None:
    if memo is None:
        return _load(path, entry, model, problems)
    key = (path, entry)
    if key not in memo:
        own: list[Problem] = []
        memo[key] = (_load(path, entry, model, own), tuple(own))
    located, own_problems = memo[key]
    problems += own_problems
    return located


def _data_file_name(
    folder: str, path: str, name: str, entry: Entry, problems: list[Problem]
) -> bool:
    """Whether to load `path` as a peer (or IRR) file; anything else in peers/ (irr/) but a
    README is a problem.

    A file that is nearly a peer file's name (`as64500.YAML`, `AS64500.yml`) is a problem and is
    loaded too, so its author sees every other problem of it in the same run.
    """
    if name in PEERS_EXTRAS and not isinstance(entry, NotAFile):
        return False
    if isinstance(entry, NotAFile):
        hint = "commit the file itself" if entry.kind == "symbolic link" else ""
        kind = "a peer file" if folder == PEERS_DIR else "an IRR file"
        what = kind if PEER_FILE.fullmatch(name) else f"an entry in {folder}/"
        problems.append(
            Problem(path, 1, 1, "", f"{what} must be a regular file, not a {entry.kind}", hint)
        )
        return False
    if PEER_FILE.fullmatch(name):
        return True
    loose = re.fullmatch(r"as0*([0-9]{1,10})\.ya?ml", name, re.IGNORECASE | re.ASCII)
    if loose is None:
        allowed = ", ".join(sorted(PEERS_EXTRAS))
        problems.append(
            Problem(
                path,
                1,
                1,
                "",
                f"{_kind(folder)} must be named AS<asn>.yaml",
                f"move it out of {folder}/; besides {_kind(folder, plural=True)} only {allowed} "
                "may be there",
            )
        )
        return False
    asn = int(loose.group(1))
    hint = f"rename it to AS{asn}.yaml" if asn else "name it after its ASN, e.g. AS64500.yaml"
    problems.append(Problem(path, 1, 1, "", f"{_kind(folder)} must be named AS<asn>.yaml", hint))
    return True


def _kind(folder: str, *, plural: bool = False) -> str:
    if plural:
        return "peer files" if folder == PEERS_DIR else "IRR files"
    return "a peer file" if folder == PEERS_DIR else "an IRR file"


def _decode(path: str, entry: Entry, problems: list[Problem]) -> str | None:
    """The text of a file entry, or None after a located problem."""
    if isinstance(entry, NotAFile):
        problems.append(Problem(path, 1, 1, "", f"must be a regular file, not a {entry.kind}"))
        return None
    try:
        data = entry.encode() if isinstance(entry, str) else entry
    except UnicodeEncodeError as exc:  # text handed in (portal, tests) with lone surrogates
        head = entry[: exc.start] if isinstance(entry, str) else ""
        line, col = head.count("\n") + 1, exc.start - (head.rfind("\n") + 1) + 1
        problems.append(Problem(path, line, col, "", "the file holds text that is not Unicode"))
        return None
    limit = MAX_IRR_BYTES if path.startswith(f"{IRR_DIR}/") else MAX_FILE_BYTES
    if len(data) > limit:
        problems.append(Problem(path, 1, 1, "", f"the file is larger than {limit} bytes (limit)"))
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", errors="replace")) + 1
        problems.append(Problem(path, line, col, "", "the file is not valid UTF-8 text"))
        return None
    return text.removeprefix("\ufeff")


def _load(path: str, entry: Entry, model: type[M], problems: list[Problem]) -> Located[M] | None:
    text = _decode(path, entry, problems)
    if text is None:
        return None
    # Files ZT-IX writes itself and plain block YAML go to fast readers that read what the YAML
    # reader would, or step aside (ztix.load.generated, ztix.load.plainyaml).
    irr = path.startswith(f"{IRR_DIR}/")
    fast = read_generated_irr(path, text) if irr else read_plain(path, text)
    if fast is None:
        # The YAML reader (and libyaml) only for a file the fast readers leave to it.
        from ztix.load.yamlsource import parse_yaml  # noqa: PLC0415

        document, parse_problems = parse_yaml(path, text)
    else:
        document, parse_problems = fast, []
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
        if any(loc[: len(bad)] == bad for bad in document.failed):
            continue  # the reader already said why this value could not be read
        kind = error["type"]
        if kind == "too_short" and any(
            len(other["loc"]) > len(loc) and tuple(other["loc"][: len(loc)]) == loc
            for other in errors
        ):
            continue  # pydantic also counts the invalid items as missing; say it once
        hint = ""
        if kind == "missing":
            hint = _missing_hint(model, loc)
        if kind == "extra_forbidden":
            allowed = _allowed_keys(model, loc[:-1])
            import difflib  # noqa: PLC0415  (only for a misspelt key)

            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            hint = f"did you mean {close[0]!r}?" if close else "allowed: " + ", ".join(allowed)
        entry = (error.get("ctx") or {}).get("entry")
        if isinstance(entry, int):
            problems.append(document.entry_problem(loc, entry, error_message(error), hint))
        else:
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
    inner = _model_at(model, loc)
    return sorted(inner.model_fields) if inner else []


def _missing_hint(model: type[BaseModel], loc: Loc) -> str:
    """What a required key that is missing is for (its description, where it has one)."""
    if not loc or isinstance(loc[-1], int):
        return ""
    parent = _model_at(model, loc[:-1])
    field = parent.model_fields.get(str(loc[-1])) if parent else None
    return field.description or "" if field else ""


def _model_at(model: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    current: type[BaseModel] = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part)
        inner = _model_in(field.annotation) if field else None
        if inner is None:
            return None
        current = inner
    return current


def _model_in(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
