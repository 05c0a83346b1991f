"""What a change does to members' IRR data, per member: the origins and prefixes it adds and
removes (a new member's lists in full), for the plan the reviewer reads before merging."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ztix.load.loader import Repository
from ztix.models import IrrData


@dataclass(frozen=True)
class IrrChange:
    """One member's IRR data added, removed or changed."""

    asn: int
    action: Literal["added", "removed", "changed"]
    expanded: tuple[str, ...]
    origins_added: tuple[str, ...] = ()
    origins_removed: tuple[str, ...] = ()
    ipv4_added: tuple[str, ...] = ()
    ipv4_removed: tuple[str, ...] = ()
    ipv6_added: tuple[str, ...] = ()
    ipv6_removed: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        """'origins +1/-0, ipv4 +3/-1' (the lists that change)."""
        parts = []
        for name in ("origins", "ipv4", "ipv6"):
            added, removed = getattr(self, f"{name}_added"), getattr(self, f"{name}_removed")
            if added or removed:
                parts.append(f"{name} +{len(added)}/-{len(removed)}")
        return ", ".join(parts) or "no entries change"


def ordered_changes(
    old: tuple[str, ...], new: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(entries added, entries removed), each in its own list's order: set differences and
    C-level filters, so a 200,000-entry list costs a few passes, not a Python loop."""
    before, after = set(old), set(new)
    came, gone = after - before, before - after
    return (
        tuple(filter(came.__contains__, new)) if came else (),
        tuple(filter(gone.__contains__, old)) if gone else (),
    )


def _change(asn: int, old: IrrData | None, new: IrrData | None) -> IrrChange | None:
    empty: tuple[str, ...] = ()
    if (
        old is not None
        and new is not None
        and (old.origins, old.ipv4, old.ipv6)
        == (
            new.origins,
            new.ipv4,
            new.ipv6,
        )
    ):
        return None
    action: Literal["added", "removed", "changed"] = (
        "added" if old is None else "removed" if new is None else "changed"
    )
    lists = {}
    for name in ("origins", "ipv4", "ipv6"):
        added, removed = ordered_changes(
            getattr(old, name) if old else empty, getattr(new, name) if new else empty
        )
        lists[f"{name}_added"], lists[f"{name}_removed"] = added, removed
    source = new or old
    assert source is not None
    return IrrChange(asn, action, source.expanded, **lists)


def irr_changes(base: Repository | None, head: Repository) -> tuple[IrrChange, ...]:
    """Every member whose IRR lists differ between `base` and `head`, by ASN."""
    old = base.irr_data() if base else {}
    new = head.irr_data()
    changes = (_change(asn, old.get(asn), new.get(asn)) for asn in sorted(old.keys() | new.keys()))
    return tuple(c for c in changes if c is not None)
