"""The IRRd whois protocol, for what bgpq4 cannot say: whether an AS-SET exists at all.

bgpq4 prints the same nothing for a missing set and an empty one (LAB-NOTES). `!m` asks for
the object itself: `A<n>` and the object when it exists, `D` when it does not, `F <text>` on an
error (IRRd's documentation, "IRRD-style queries").
"""

from __future__ import annotations

import asyncio

from ztix.ports.irr import IrrError, IrrUnavailable


def split_source(name: str) -> tuple[str | None, str]:
    """(`RIPE`, `AS-FOO`) for `RIPE::AS-FOO`; (None, name) for a name without a source."""
    if "::" in name:
        source, _, bare = name.partition("::")
        return source, bare
    return None, name


async def _reply(reader: asyncio.StreamReader) -> str | None:
    """One reply: its payload for `A`, '' for `C`, None for `D`; IrrError for `F`."""
    line = (await reader.readline()).decode("utf-8", "replace")
    if line.startswith("A") and line[1:].strip().isdigit():
        payload = (await reader.readexactly(int(line[1:]))).decode("utf-8", "replace")
        done = (await reader.readline()).decode().strip()
        if done != "C":
            raise IrrError(f"unexpected end of reply: {done[:80]!r}")
        return payload
    if line.startswith("C"):
        return ""
    if line.startswith("D"):
        return None
    if line.startswith("F"):
        raise IrrError(f"the IRR server said: {line[1:].strip()[:200]}")
    raise IrrUnavailable(f"the IRR server answered {line[:80]!r}" if line else "no answer")


async def set_exists(
    host: str, port: int, sources: tuple[str, ...], name: str, timeout: float
) -> bool:
    """Whether AS-SET `name` exists in `sources` (or in the one its name qualifies)."""
    source, bare = split_source(name)
    wanted = ",".join([source] if source else sources)

    async def ask() -> bool:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(f"!!\n!s{wanted}\n!mas-set,{bare}\n!q\n".encode())
            await writer.drain()
            await _reply(reader)  # !s: C, or F for an unknown source
            return await _reply(reader) is not None
        finally:
            writer.close()

    try:
        return await asyncio.wait_for(ask(), timeout)
    except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
        why = "no answer within the timeout" if isinstance(exc, TimeoutError) else str(exc)
        raise IrrUnavailable(f"{host}:{port}: {why or type(exc).__name__}") from None
