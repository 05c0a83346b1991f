"""The forge port: open (or find) the pull/merge request of a change branch, report checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

State = Literal["open", "merged", "closed", "none"]
CheckState = Literal["pending", "success", "failure"]
CHECK_CONTEXT = "ztix/apply"


@dataclass(frozen=True)
class ChangeInfo:
    """The newest pull/merge request of a branch."""

    state: State
    url: str = ""  # a web page of the request ("" when the forge has none: plain git)
    number: int | None = None
    merge_commit: str | None = None
    label: str = ""  # where the change is, in words, when there is no page to link

    @property
    def where(self) -> str:
        """The link or, without one, the words."""
        return self.url or self.label


class Forge(Protocol):
    """What the portal needs from a forge."""

    async def open_change(self, branch: str, title: str, body: str) -> ChangeInfo:
        """Open a request for `branch` into main, or return the one already open."""
        ...

    async def change_for(self, branch: str) -> ChangeInfo:
        """The newest request of `branch` (state "none" if there is none)."""
        ...

    @property
    def opens_requests(self) -> bool:
        """Whether a change needs a request opened on the forge (False: the branch is it)."""
        ...

    async def close_change(self, branch: str) -> None:
        """Close the open request of `branch`, if there is one (withdrawn by the member)."""
        ...

    async def check_state(self, sha: str) -> str | None:
        """The apply job's result for a commit, as reported to the forge (context ztix/apply)."""
        ...

    async def set_check(self, sha: str, state: CheckState, description: str) -> None:
        """Report the apply job's result for a commit (context ztix/apply)."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...
