"""The webhook receiver: signatures per forge, filtering, dedupe, single-flight runs."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.paths import DATA as TEST_DATA
from ztix.webhook.app import create_app
from ztix.webhook.runner import RunResult
from ztix.webhook.settings import WebhookSettings

DATA = TEST_DATA / "webhook"
SECRET = "hook-secret-0123456789"


class GatedJob:
    """An apply job that blocks until released, counting its runs."""

    def __init__(self, fail: bool = False) -> None:
        self.release = threading.Event()
        self.started = threading.Event()
        self.calls = 0
        self.fail = fail

    async def __call__(self) -> RunResult:
        self.calls += 1
        self.started.set()
        await asyncio.to_thread(self.release.wait, 30)
        if self.fail:
            raise RuntimeError("apply blew up")
        now = time.time()
        return RunResult("abc123", "ok", "applied", now, now)


def signed(
    forge: str, body: bytes, secret: str = SECRET, event: str = "push", delivery: str | None = None
) -> dict[str, str]:
    delivery = delivery or str(uuid.uuid4())
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if forge == "github":
        return {
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery,
            "X-Hub-Signature-256": f"sha256={digest}",
            "Content-Type": "application/json",
        }
    if forge == "gitea":
        return {
            "X-Gitea-Event": event,
            "X-Gitea-Delivery": delivery,
            "X-Gitea-Signature": digest,
            "X-GitHub-Event": event,
            "Content-Type": "application/json",
        }
    return {
        "X-Gitlab-Event": event,
        "X-Gitlab-Event-UUID": delivery,
        "X-Gitlab-Token": secret,
        "Content-Type": "application/json",
    }


def make(forge: str, job: GatedJob, **kw: object) -> TestClient:
    kw.setdefault("repo_url", "file:///nonexistent/peering.git")
    settings = WebhookSettings(forge=forge, secret=SECRET, **kw)  # type: ignore[arg-type]
    return TestClient(create_app(settings, job))


def wait_runs(client: TestClient, runs: int, timeout: float = 10) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status: dict[str, Any] = client.get("/status").json()
        if status["runs"] >= runs and not status["running"]:
            return status
        time.sleep(0.02)
    raise AssertionError(f"not {runs} finished runs: {client.get('/status').json()}")


@pytest.fixture
def job() -> Iterator[GatedJob]:
    gated = GatedJob()
    yield gated
    gated.release.set()


CASES = [
    ("github", "github-push-main.json", "push", "started"),
    ("github", "github-push-branch.json", "push", "ignored"),
    ("github", "github-pr-merged.json", "pull_request", "started"),
    ("github", "github-pr-closed-unmerged.json", "pull_request", "ignored"),
    ("gitlab", "gitlab-push-main.json", "Push Hook", "started"),
    ("gitlab", "gitlab-mr-merged.json", "Merge Request Hook", "started"),
    ("gitlab", "gitlab-mr-closed.json", "Merge Request Hook", "ignored"),
    ("gitea", "gitea-push-main.json", "push", "started"),
    ("gitea", "gitea-pr-merged.json", "pull_request", "started"),
    ("gitea", "gitea-pr-closed-unmerged.json", "pull_request", "ignored"),
]


@pytest.mark.parametrize(("forge", "fixture", "event", "outcome"), CASES)
def test_real_shaped_events(
    forge: str, fixture: str, event: str, outcome: str, job: GatedJob
) -> None:
    body = (DATA / fixture).read_bytes()
    with make(forge, job) as client:
        response = client.post("/hook", content=body, headers=signed(forge, body, event=event))
        assert response.json()["status"] == outcome, response.json()
        assert response.status_code == 202
        if outcome == "started":
            job.release.set()
            assert wait_runs(client, 1)["last"]["result"] == "ok"
        else:
            assert job.calls == 0


@pytest.mark.parametrize("forge", ["github", "gitlab", "gitea"])
def test_wrong_or_missing_signatures_cause_nothing(forge: str, job: GatedJob) -> None:
    body = (DATA / f"{forge}-push-main.json").read_bytes()
    event = "Push Hook" if forge == "gitlab" else "push"
    job.release.set()
    with make(forge, job) as client:
        forged = signed(forge, body, secret="not-the-secret", event=event)
        assert client.post("/hook", content=body, headers=forged).status_code == 401
        tampered = signed(forge, body, event=event)
        assert client.post("/hook", content=body + b" ", headers=tampered).status_code == (
            202 if forge == "gitlab" else 401
        )  # GitLab sends a token, not a body signature
        unsigned = {
            k: v
            for k, v in signed(forge, body, event=event).items()
            if "Signature" not in k and "Token" not in k
        }
        assert client.post("/hook", content=body, headers=unsigned).status_code == 401
        other = "gitlab" if forge != "gitlab" else "github"
        assert (
            client.post("/hook", content=body, headers=signed(other, body, event=event)).status_code
            == 401
        )
    expected_calls = 1 if forge == "gitlab" else 0
    assert job.calls == expected_calls


def test_oversized_bodies_are_refused_before_verification(job: GatedJob) -> None:
    body = b'{"ref": "refs/heads/main", "pad": "' + b"x" * 2000 + b'"}'
    with make("github", job, max_body=1000) as client:
        response = client.post("/hook", content=body, headers=signed("github", body))
        assert response.status_code == 413
    assert job.calls == 0


def test_a_redelivery_is_ignored(job: GatedJob) -> None:
    body = (DATA / "github-push-main.json").read_bytes()
    headers = signed("github", body, delivery="72d3162e-cc78-11e3-81ab-4c9367dc0958")
    with make("github", job) as client:
        assert client.post("/hook", content=body, headers=headers).json()["status"] == "started"
        again = client.post("/hook", content=body, headers=headers)
        assert again.json() == {
            "status": "duplicate",
            "delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
        }
        job.release.set()
        wait_runs(client, 1)
    assert job.calls == 1


def test_ten_events_during_a_run_cause_exactly_one_more_run(job: GatedJob) -> None:
    body = (DATA / "github-push-main.json").read_bytes()
    with make("github", job) as client:
        assert (
            client.post("/hook", content=body, headers=signed("github", body)).json()["status"]
            == "started"
        )
        assert job.started.wait(5)
        outcomes = [
            client.post("/hook", content=body, headers=signed("github", body)).json()["status"]
            for _ in range(10)
        ]
        assert outcomes == ["queued"] + ["coalesced"] * 9
        job.release.set()
        status = wait_runs(client, 2)
        time.sleep(0.2)
        assert client.get("/status").json()["runs"] == 2
    assert job.calls == 2
    assert status["pending"] is False


def test_a_failing_apply_is_reported_and_does_not_wedge_the_receiver() -> None:
    failing = GatedJob(fail=True)
    failing.release.set()
    body = (DATA / "github-push-main.json").read_bytes()
    with make("github", failing) as client:
        client.post("/hook", content=body, headers=signed("github", body))
        last = wait_runs(client, 1)["last"]
        assert last["result"] == "failed" and "apply blew up" in last["detail"]
        failing.fail = False
        assert (
            client.post("/hook", content=body, headers=signed("github", body)).json()["status"]
            == "started"
        )
        assert wait_runs(client, 2)["last"]["result"] == "ok"


def test_status_shows_no_secret(job: GatedJob) -> None:
    job.release.set()
    body = (DATA / "github-push-main.json").read_bytes()
    with make("github", job) as client:
        client.post("/hook", content=body, headers=signed("github", body))
        wait_runs(client, 1)
        assert SECRET not in client.get("/status").text


def test_results_are_reported_to_the_forge_as_the_commit_status() -> None:
    from tests.portal.fakes import FakeGitHub  # noqa: PLC0415

    github = FakeGitHub()
    ok = GatedJob()
    ok.release.set()
    body = (DATA / "github-push-main.json").read_bytes()
    try:
        with make(
            "github",
            ok,
            report_forge="github",
            report_api_url=github.url,
            report_token="gh-token",
            report_project="zt-ix/peering",
        ) as client:
            client.post("/hook", content=body, headers=signed("github", body))
            wait_runs(client, 1)
    finally:
        github.close()
    assert "abc123" in github.statuses, github.log
    assert github.statuses["abc123"][0] == {
        "context": "ztix/apply",
        "state": "success",
        "description": "ok: applied",
    }
