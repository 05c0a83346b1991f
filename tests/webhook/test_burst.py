"""The receiver's answers match what it does (issue 24): bursts of valid events at a real
receiver (uvicorn on loopback, concurrent clients); every run is accounted for by exactly one
"started" or "queued" answer, and every event is covered by a run that began after it arrived.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from tests.webhook.test_webhook import DATA, SECRET, signed
from ztix.webhook.app import create_app
from ztix.webhook.runner import ApplyRunner, RunResult
from ztix.webhook.settings import WebhookSettings


class TimedJob:
    """An apply that takes a while; records when each run began."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.began: list[float] = []

    async def __call__(self) -> RunResult:
        self.began.append(time.monotonic())
        await asyncio.sleep(self.seconds)
        now = time.time()
        return RunResult("abc", "ok", "applied", now, now)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def receiver() -> Iterator[tuple[str, TimedJob]]:
    job = TimedJob(0.3)
    settings = WebhookSettings(
        forge="github",
        secret=SECRET,
        repo_url="file:///nonexistent/peering.git",
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, job), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", job
    finally:
        server.should_exit = True
        thread.join(10)


async def burst(url: str, count: int) -> list[tuple[float, str]]:
    """(time sent, answer) of `count` events sent at once."""
    body = (DATA / "github-push-main.json").read_bytes()
    async with httpx.AsyncClient(timeout=10) as client:

        async def one() -> tuple[float, str]:
            sent = time.monotonic()
            response = await client.post(
                f"{url}/hook", content=body, headers=signed("github", body)
            )
            assert response.status_code == 202, response.text
            return sent, str(response.json()["status"])

        return list(await asyncio.gather(*(one() for _ in range(count))))


def test_bursts_get_answers_that_match_the_runs(receiver: tuple[str, TimedJob]) -> None:
    url, job = receiver
    answers: Counter[str] = Counter()
    sent_times: list[float] = []
    for size in (100, 1, 30, 2, 100):
        for sent, answer in asyncio.run(burst(url, size)):
            answers[answer] += 1
            sent_times.append(sent)
        time.sleep(0.05)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        status = httpx.get(f"{url}/status").json()
        if not status["running"]:
            break
        time.sleep(0.05)
    runs = httpx.get(f"{url}/status").json()["runs"]
    # Every run was promised by exactly one answer: "started" or "queued".
    assert runs == len(job.began) == answers["started"] + answers["queued"], answers
    # Every event was followed by a run that began after it was sent (nothing lost).
    assert all(any(began >= sent for began in job.began) for sent in sent_times)


def test_two_triggers_in_a_row_answer_started_then_coalesced() -> None:
    """The case the issue found: the second trigger came before the first run began, was told
    "queued", and only one run happened. Now it is told the truth."""

    async def go() -> tuple[list[str], int]:
        job = TimedJob(0.05)
        runner = ApplyRunner(job)
        answers: list[str] = [runner.trigger(), runner.trigger()]
        await asyncio.sleep(0)  # the run begins
        answers.append(runner.trigger())  # during the run: one more will follow
        answers.append(runner.trigger())
        while runner.running:
            await asyncio.sleep(0.01)
        return answers, runner.runs

    answers, runs = asyncio.run(go())
    assert answers == ["started", "coalesced", "queued", "coalesced"]
    assert runs == 2
