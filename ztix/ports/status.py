"""The route-server read port: BIRD show commands over the read-only key."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ztix.errors import AdapterError
from ztix.ports.deploy import Target


class StatusError(AdapterError):
    """A route server could not be read (SSH, the control socket, an answer cut short)."""


class BirdReader(Protocol):
    """Runs BIRD show commands on a route server over the read-only key (`birdc -r`)."""

    async def query(self, target: Target, commands: Sequence[str]) -> list[str]:
        """Each command's answer, in order; StatusError if the route server cannot be read."""
        ...
