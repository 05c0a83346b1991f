"""`--metrics-file`: apply, plan --live and irr refresh leave node_exporter textfiles that say
when they ran and what they found; what must outlive a failed run is carried over."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import repo_files
from tests.fakes.zerotier_controller import FakeController
from tests.gitrepo import committed_copy
from ztix.cli import main

NWID = "1122334455667788"


def samples(path: Path) -> dict[str, float]:
    return {
        s.name
        + (
            "{" + ",".join(f"{k}={v}" for k, v in sorted(s.labels.items())) + "}"
            if s.labels
            else ""
        ): s.value
        for family in text_string_to_metric_families(path.read_text())
        for s in family.samples
    }


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key in [k for k in os.environ if k.startswith("ZTIX_")]:
        monkeypatch.delenv(key)
    yield


@pytest.fixture
def fake() -> Iterator[FakeController]:
    server = FakeController(token="t", node_id=NWID[:10])
    try:
        yield server
    finally:
        server.close()


def test_apply_records_success_failure_and_the_last_success(
    fake: FakeController, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_env: None
) -> None:
    repo = committed_copy(tmp_path / "repo")
    metrics = tmp_path / "ztix_apply.prom"
    argv = ["apply", "--repo", str(repo), "--only", "zerotier", "--metrics-file", str(metrics)]
    monkeypatch.setenv("ZTIX_ZEROTIER_TOKEN", "t")
    monkeypatch.setenv("ZTIX_ZEROTIER_API_URL", fake.url)
    assert main(argv) == 0
    first = samples(metrics)
    assert first["ztix_apply_success"] == 1 and first["ztix_apply_incidents"] == 0
    assert (
        first["ztix_apply_last_success_timestamp_seconds"]
        == first["ztix_apply_last_run_timestamp_seconds"]
    )
    assert first["ztix_apply_last_success_commit_timestamp_seconds"] > 1.7e9
    assert next(k for k in first if k.startswith("ztix_apply_run_info{commit=")).endswith(
        "status=ok}"
    )
    monkeypatch.setenv("ZTIX_ZEROTIER_API_URL", "http://127.0.0.1:1")  # nothing listens: it fails
    monkeypatch.setenv("ZTIX_ZEROTIER_GIVE_UP", "0.5")
    assert main(argv) == 3
    second = samples(metrics)
    assert second["ztix_apply_success"] == 0
    assert (
        second["ztix_apply_last_run_timestamp_seconds"]
        > first["ztix_apply_last_run_timestamp_seconds"]
    )
    # The last success is still the first run's, so an alert can say how long ago it was.
    assert (
        second["ztix_apply_last_success_timestamp_seconds"]
        == first["ztix_apply_last_success_timestamp_seconds"]
    )


def test_plan_live_records_what_it_could_not_check(tmp_path: Path, clean_env: None) -> None:
    repo = committed_copy(tmp_path / "repo")
    metrics = tmp_path / "ztix_drift.prom"
    assert main(["plan", "--live", "--repo", str(repo), "--metrics-file", str(metrics)]) == 5
    found = samples(metrics)
    assert found["ztix_drift_detected"] == 0 and found["ztix_drift_unknown"] == 1
    assert found["ztix_drift_check_timestamp_seconds"] > 1.7e9


def test_a_metrics_file_that_cannot_be_written_is_a_usage_error(
    tmp_path: Path, clean_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = committed_copy(tmp_path / "repo")
    argv = [
        "plan",
        "--live",
        "--repo",
        str(repo),
        "--metrics-file",
        str(tmp_path / "no" / "x.prom"),
    ]
    assert main(argv) == 2
    assert "--metrics-file" in capsys.readouterr().err
    assert (
        main(["plan", "--base", "HEAD", "--repo", str(repo), "--metrics-file", str(tmp_path / "x")])
        == 2
    )
    repo_files()  # the fixture repository is untouched


def test_a_metrics_fifo_is_not_read_back_and_is_written_to_its_reader(tmp_path: Path) -> None:
    import os  # noqa: PLC0415
    import threading  # noqa: PLC0415

    from ztix.commands.metricsfile import previous, write  # noqa: PLC0415

    fifo = tmp_path / "ztix.prom"
    os.mkfifo(fifo)
    assert previous(fifo) == {}  # no writer: a read would block forever
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()), daemon=True)
    reader.start()
    write(fifo, {"ztix_test_gauge": ("a test", 3.0)})
    reader.join(10)
    assert "ztix_test_gauge 3.0" in got[0]
    assert fifo.is_fifo()
