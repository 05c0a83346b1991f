"""Reading BIRD's answers for status (pure): `show protocols all` per session, the replies of
many commands sent to one `birdc` on its standard input, and route counts."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ztix.bird.text import protocol_rows

# birdc reading commands from a pipe echoes each as "bird> COMMAND" and starts its answer with
# the prompt again followed by an erase-line escape (verified with BIRD 2.0.12's birdc).
_PROMPT = "bird> "
_ERASE = "\x1b[K"
_ROUTES = re.compile(r"^\s+Routes:\s+(\d+) imported, (?:(\d+) filtered, )?(\d+) exported")
_FIELD = re.compile(r"^\s+(BGP state|Last error):\s+(.*?)\s*$")
_ROUTE_FROM = re.compile(r"\s\[(\S+) [^\]]*\]")
_LIMIT_HIT = re.compile(r"^\s+(?:Receive|Import) limit:\s+\d+\s+\[HIT\]")


@dataclass(frozen=True)
class SessionState:
    """One BGP protocol as `show protocols all` describes it."""

    name: str
    state: str  # BIRD's protocol state: up, down, start, ...
    since: str
    info: str  # e.g. Established, Active, "Automatic shutdown: Route limit exceeded"
    bgp_state: str = ""
    last_error: str = ""
    imported: int = 0
    filtered: int = 0
    exported: int = 0
    limit_hit: bool = False

    @property
    def established(self) -> bool:
        """Whether the BGP session is up."""
        return self.state == "up" and (self.bgp_state or self.info).startswith("Established")


def answer_of(output: str) -> str:
    """The answer in the output of one birdc fed one command on stdin.

    birdc prints its banner, echoes the command after a prompt (long ones scrolled and redrawn),
    prints the prompt again (with a carriage return, and an erase-line escape when TERM names a
    terminal), the answer, and a last prompt. The answer is what follows the last prompt line.
    """
    lines = output.replace(_ERASE, "").splitlines()
    # Without a terminal (TERM unset) the prompt is redrawn as "bird> \r      \r".
    while lines and (not lines[-1].strip() or lines[-1].rstrip() == _PROMPT.rstrip()):
        lines.pop()
    last = max((i for i, line in enumerate(lines) if line.startswith(_PROMPT.rstrip())), default=-1)
    if last < 0:
        raise ValueError("birdc printed no prompt: it did not take the command")
    return "\n".join(lines[last + 1 :]).strip("\n") + "\n"


def routes_per_protocol(show_route: str) -> dict[str, int]:
    """Routes per protocol in a `show route ...` listing (one line per route; `[PROTO when]`)."""
    counts: dict[str, int] = {}
    for line in show_route.splitlines():
        if line[:1].isspace() or line.startswith("Table "):
            continue
        match = _ROUTE_FROM.search(line)
        if match:
            counts[match.group(1)] = counts.get(match.group(1), 0) + 1
    return counts


def sessions(show_protocols_all: str) -> dict[str, SessionState]:
    """Every protocol of a `show protocols all` answer with its state, last error and counts."""
    rows = protocol_rows(show_protocols_all)
    details: dict[str, dict[str, object]] = {}
    current: dict[str, object] | None = None
    for line in show_protocols_all.splitlines():
        name = line.split(" ", 1)[0]
        if name in rows and not line.startswith(" "):
            current = details.setdefault(name, {})
            continue
        if current is None:
            continue
        if field := _FIELD.match(line):
            key = "bgp_state" if field.group(1) == "BGP state" else "last_error"
            current[key] = field.group(2)
        elif routes := _ROUTES.match(line):
            current["imported"] = int(routes.group(1))
            current["filtered"] = int(routes.group(2) or 0)
            current["exported"] = int(routes.group(3))
        elif _LIMIT_HIT.match(line):
            current["limit_hit"] = True
    return {
        name: SessionState(name, row.state, row.since, row.info, **details.get(name, {}))  # type: ignore[arg-type]
        for name, row in rows.items()
        if row.kind == "BGP"
    }


# ---------------------------------------------------------------------------- RTR caches
_RTR_STATUS = re.compile(r"^\s+Status:\s+(\S+)")
_RTR_UPDATE = re.compile(r"^\s+Last update:\s+before ([0-9.]+) s")
_CHANNEL = re.compile(r"^\s+Channel (roa4|roa6)\s*$")
_CHANNEL_ROUTES = re.compile(r"^\s+Routes:\s+(\d+) imported")


@dataclass(frozen=True)
class RtrState:
    """One RPKI protocol (an RTR cache) as `show protocols all` describes it (BIRD 2 and 3
    print it alike: tests/bird/samples/rpki.json)."""

    name: str
    state: str  # BIRD's protocol state: up, start, down
    status: str  # the cache connection: Established, Transport-Error, Sync-Start, ...
    last_update: float | None  # seconds since its data was last updated (None: never)
    roas: dict[str, int]  # roa4 / roa6 -> ROAs imported from it

    @property
    def established(self) -> bool:
        """Whether the cache is connected and in sync."""
        return self.state == "up" and self.status == "Established"


def rtr_caches(show_protocols_all: str) -> dict[str, RtrState]:
    """Every RPKI protocol of a `show protocols all` answer."""
    rows = protocol_rows(show_protocols_all)
    found: dict[str, dict[str, object]] = {}
    current: dict[str, object] | None = None
    channel = ""
    for line in show_protocols_all.splitlines():
        name = line.split(" ", 1)[0]
        if name in rows and not line.startswith(" "):
            current = found.setdefault(name, {"roas": {}}) if rows[name].kind == "RPKI" else None
            channel = ""
            continue
        if current is None:
            continue
        if status := _RTR_STATUS.match(line):
            current.setdefault("status", status.group(1))
        elif update := _RTR_UPDATE.match(line):
            current["last_update"] = float(update.group(1))
        elif chan := _CHANNEL.match(line):
            channel = chan.group(1)
        elif (routes := _CHANNEL_ROUTES.match(line)) and channel:
            roas = current["roas"]
            assert isinstance(roas, dict)
            roas[channel] = int(routes.group(1))
    return {
        name: RtrState(
            name,
            rows[name].state,
            str(details.get("status", rows[name].info)),
            details.get("last_update"),  # type: ignore[arg-type]
            details["roas"],  # type: ignore[arg-type]
        )
        for name, details in found.items()
    }


def roa_listed(show_route: str) -> bool:
    """Whether a `show route table roa_vN PREFIX max LEN as ASN` answer lists that ROA."""
    return any(" AS" in line and "[" in line for line in show_route.splitlines())


def counted(show_count: str) -> int:
    """The sum of N over every 'N of M routes ... in table T' line of a `... count` answer
    (one line per table with `table all`)."""
    return sum(int(m.group(1)) for m in re.finditer(r"^(\d+) of \d+ routes", show_count, re.M))
