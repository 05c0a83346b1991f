"""Single-flight apply runner: one run at a time; events during a run cause exactly one more."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal

# What became of one run.
Outcome = Literal["ok", "incident", "partial", "invalid", "failed"]


@dataclass(frozen=True)
class RunResult:
    """The outcome of one apply run, safe to show (no secrets, no raw output)."""

    commit: str | None
    result: Outcome
    detail: str
    started: float
    finished: float


Job = Callable[[], Awaitable[RunResult]]


class ApplyRunner:
    """Runs `job` in the background, never two at once, coalescing triggers during a run."""

    def __init__(self, job: Job) -> None:
        self._job = job
        self._pending = False
        # Whether the current run has called its job (which fetches main from then on): an
        # event before that is covered by it, one after needs one more run.
        self._begun = False
        self._task: asyncio.Task[None] | None = None
        self.last: RunResult | None = None
        self.runs = 0
        self.outcomes: Counter[str] = Counter()  # runs by result, for the metrics

    @property
    def running(self) -> bool:
        """Whether a run is in progress."""
        return self._task is not None and not self._task.done()

    def trigger(self) -> Literal["started", "queued", "coalesced"]:
        """Ask for a run; returns what happened to the request, truthfully: "started" (a run
        begins for it), "queued" (exactly one more run follows it), "coalesced" (a run that has
        not begun yet, or one already queued, covers it)."""
        if self.running:
            if not self._begun or self._pending:
                return "coalesced"
            self._pending = True
            return "queued"
        self._pending = False
        self._begun = False
        self._task = asyncio.get_running_loop().create_task(self._loop())
        return "started"

    async def _loop(self) -> None:
        while True:
            # No await between taking the queued request and beginning its run.
            self._pending = False
            self._begun = True
            started = time.time()
            try:
                self.last = await self._job()
            except Exception as exc:
                self.last = RunResult(
                    None, "failed", f"{type(exc).__name__}: {exc}", started, time.time()
                )
            self.runs += 1
            self.outcomes[self.last.result] += 1
            if not self._pending:
                return

    @property
    def pending(self) -> bool:
        """Whether one more run is queued."""
        return self._pending

    def status(self) -> dict[str, Any]:
        """The status endpoint's body."""
        return {
            "running": self.running,
            "pending": self._pending,
            "runs": self.runs,
            "last": asdict(self.last) if self.last else None,
        }
