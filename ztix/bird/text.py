"""BIRD text: the structure of a rendered config, and what `birdc` prints (pure parsing).

Shared by the deployer (which sessions a reconfigure may reset; which sessions are up), the
plan (a diff per protocol block, so a 2,000-member plan stays linear) and status commands.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Literal

# A top-level statement the plan splits on: a block's first line (kind, type, name, the
# template it is `from`), or a set constant's opening (IRR sets run to 200,000 elements).
_TOP = re.compile(r"^(?:(protocol|template) (\S+) (\S+)(?: from (\S+))?|define (\w+) = \[)", re.M)
_CONTENT = re.compile(r"\S")
# One element of a set: a prefix, ASN or range, with its length range ({16,24}) if it has one.
_ELEMENT = re.compile(r"[^,{}\s]+(?:\{[^{}]*\})?")


@dataclass(frozen=True)
class ConfigParts:
    """A rendered config in the parts a plan compares: blocks as text, set constants as their
    elements (compared as sets, so a plan costs what the change does), the rest as text."""

    blocks: dict[str, str]  # "protocol NAME" / "template NAME" -> block text
    parents: dict[str, str]  # protocol or template name -> the template it is `from`
    sets: dict[str, str]  # define NAME -> the text between its brackets (`elements` splits it)
    rest: str  # everything else, in order, without the blank lines between blocks
    bgp: frozenset[str]  # names of the `protocol bgp` blocks


def parts(config: str) -> ConfigParts:
    """Split a config into its parts, in one pass over the top-level statements.

    The bodies of blocks and set constants are skipped by `str.find` (a block ends at the first
    line that starts with `}`, a set at its first `];`), so a 10 MB config of IRR sets costs
    what its statements do, not a regex step per character.
    """
    found: dict[str, str] = {}
    parents: dict[str, str] = {}
    sets: dict[str, str] = {}
    bgp = set()
    rest: list[str] = []
    gap: list[str] = []  # the text since the last block, without its set constants
    gap_start = piece = pos = 0
    while (match := _TOP.search(config, pos)) is not None:
        start = match.start()
        name = match.group(5)
        if name is not None:  # define NAME = [ ... ];
            close = config.find("];", match.end())
            if close < 0:  # not a set constant after all: leave it as text
                pos = match.end()
                continue
            gap.append(config[piece:start])
            sets[name] = config[match.end() : close]
            pos = piece = close + 3 if config.startswith("\n", close + 2) else close + 2
            continue
        close = config.find("\n}", match.end())
        if close < 0:  # an unclosed block: the rest is text
            break
        gap.append(config[piece:start])
        _keep(config, gap_start, start, gap, rest)
        end = close + 2
        kind, name, parent = match.group(1), match.group(3), match.group(4)
        found[f"{kind} {name}"] = config[start:end]
        if parent:
            parents[name] = parent
        if kind == "protocol" and match.group(2) == "bgp":
            bgp.add(name)
        gap_start = piece = pos = end
    gap.append(config[piece:])
    _keep(config, gap_start, len(config), gap, rest)
    return ConfigParts(found, parents, sets, "".join(rest), frozenset(bgp))


def _keep(config: str, start: int, end: int, gap: list[str], rest: list[str]) -> None:
    """Move the text between two blocks to `rest`, unless it is only blank lines: those are not
    content (adding a block must not show as a diff of the text around it)."""
    if _CONTENT.search(config, start, end):
        rest.extend(gap)
    gap.clear()


def elements(body: str) -> tuple[str, ...]:
    """The elements of a set constant's body, in order."""
    return tuple(_ELEMENT.findall(body))


def session_texts(config: ConfigParts) -> dict[str, str]:
    """Protocol name -> its block plus the blocks of the templates it inherits from.

    Two configs give a protocol the same text here exactly when nothing that BIRD would apply to
    that session changed in its own block or its templates (shared filter functions are not
    part of it: BIRD reloads filters without resetting sessions).
    """
    out = {}
    for key, block in config.blocks.items():
        kind, name = key.split(" ", 1)
        if kind != "protocol":
            continue
        text, seen, parent = block, set(), config.parents.get(name)
        while parent and f"template {parent}" in config.blocks and parent not in seen:
            seen.add(parent)
            text += "\n" + config.blocks[f"template {parent}"]
            parent = config.parents.get(parent)
        out[name] = text
    return out


def protocol_blocks(config: str) -> dict[str, str]:
    """`session_texts` of a config's text."""
    return session_texts(parts(config))


def established(show_protocols: str) -> set[str]:
    """Names of the BGP sessions that are Established, from `birdc show protocols`."""
    return set(established_since(show_protocols))


# ---------------------------------------------------------------------------- birdc replies
# Parsed from the text birdc prints (no `-v` codes); tests/bird/samples/replies.json holds the
# replies of BIRD 2.0.12, 2.19.2 and 3.3.2 these functions are tested on.

Reconfigure = Literal["done", "in progress", "refused"]
HELD_MARK = "# Held down: it exceeded its max-prefix limit"


def configure_reply(reply: str) -> Reconfigure:
    """What `birdc configure ... timeout N` said: done, still going (BIRD finishes in the
    background: 0004, always possible and common in BIRD 3), or refused."""
    if "Reconfiguration in progress" in reply or "Reconfiguration already in progress" in reply:
        return "in progress"
    if "Reconfigured" in reply:
        return "done"
    return "refused"


def reconfiguring(show_status: str) -> bool:
    """Whether `birdc show status` says a reconfiguration is still running."""
    return "Reconfiguration in progress" in show_status


def daemon_up(show_status: str) -> bool:
    """Whether `birdc show status` says BIRD is up and done reconfiguring."""
    return "Daemon is up and running" in show_status


def confirmed(reply: str) -> bool:
    """Whether `birdc configure confirm` succeeded (or had nothing left to confirm)."""
    return "Reconfiguration confirmed" in reply or "Nothing to do" in reply


@dataclass(frozen=True)
class Row:
    """One line of `birdc show protocols`."""

    kind: str
    state: str
    since: str
    info: str


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def protocol_rows(show_protocols: str) -> dict[str, Row]:
    """Protocol name -> its row in `birdc show protocols` (any time format)."""
    rows = {}
    for line in show_protocols.splitlines():
        parts = line.split()
        if len(parts) < 5 or parts[0] == "Name" or line.startswith(("BIRD ", " ")):
            continue
        # Since is one word ("11:05:31.581") or, with an ISO long format, date and time.
        width = 2 if _DATE.fullmatch(parts[4]) and len(parts) > 5 else 1
        since = " ".join(parts[4 : 4 + width])
        info = " ".join(parts[4 + width :])
        rows[parts[0]] = Row(parts[1], parts[3], since, info)
    return rows


def established_since(show_protocols: str) -> dict[str, str]:
    """BGP sessions that are Established, and since when (a reset changes the time)."""
    return {
        name: row.since
        for name, row in protocol_rows(show_protocols).items()
        if row.kind == "BGP" and "Established" in row.info
    }


# BIRD keeps protocol times on a monotonic clock and converts them to wall time when it prints
# them, so the same moment can print a millisecond apart; and the time format may change with a
# reconfigure (`timeformat protocol`). A reset moves the time to the reconfigure or later.
RESET_TOLERANCE = 1.5  # seconds; more than the rounding of a format without milliseconds
_SINCE = re.compile(r"^(?:(\d{4}-\d{2}-\d{2})[ T])?(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$")
_DAY = 86400.0


def _moment(since: str) -> tuple[datetime.date | None, float] | None:
    match = _SINCE.match(since.strip())
    if not match:
        return None
    day, hours, minutes, seconds = match.groups()
    of_day = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    return (datetime.date.fromisoformat(day) if day else None), of_day


def was_reset(before: str, after: str) -> bool:
    """Whether a session's "since" moved on between two `show protocols` (it went down and came
    back), tolerating BIRD's print jitter and a change of time format. A time BIRD printed in a
    form not recognised counts as a reset only if the text changed."""
    old, new = _moment(before), _moment(after)
    if old is None or new is None:
        return before != after
    if old[0] is not None and new[0] is not None:
        delta = (new[0] - old[0]).days * _DAY + new[1] - old[1]
    else:  # time of day only: the nearest way round midnight
        delta = (new[1] - old[1] + _DAY / 2) % _DAY - _DAY / 2
    return delta > RESET_TOLERANCE


def limit_tripped(show_protocols: str) -> set[str]:
    """Sessions that a max-prefix limit shut down ('Route limit exceeded' in their info)."""
    return {
        name
        for name, row in protocol_rows(show_protocols).items()
        if row.kind == "BGP" and "limit exceeded" in row.info.lower()
    }


def held_in_config(config: str) -> set[str]:
    """Sessions a deployed config keeps down for max-prefix (marked by the session template)."""
    return {
        name
        for name, block in protocol_blocks(config).items()
        if HELD_MARK in block.split("\ntemplate ", 1)[0]
    }


def rpki_problems(show_protocols: str, names: tuple[str, ...]) -> list[str]:
    """Why the RPKI protocols `names` are not all Established ([] when they are)."""
    rows = protocol_rows(show_protocols)
    problems = []
    for name in names:
        row = rows.get(name, Row("", "missing", "", ""))
        if row.kind != "RPKI" or row.state != "up" or "Established" not in row.info:
            problems.append(f"{name} is {row.info or row.state} (not Established)")
    return problems


def route_count(show_count: str) -> int:
    """N from `birdc show route table T count` ('N of M routes for K networks in table T')."""
    match = re.search(r"^(\d+) of \d+ routes", show_count, re.M)
    return int(match.group(1)) if match else 0


def roa_state(eval_reply: str) -> int | None:
    """The value of `birdc eval roa_check(...)`: 0 unknown, 1 valid, 2 invalid.

    BIRD prints `(enum N)V` where N, the enum's type number, differs between versions (35 in
    2.0.12, 34 in 2.19.2, 39 in 3.3.2): only V is read.
    """
    match = re.search(r"^\(enum \d+\)(\d+)\s*$", eval_reply, re.M)
    return int(match.group(1)) if match else None
