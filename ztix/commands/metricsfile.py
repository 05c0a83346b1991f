"""Metrics of one command run, as a node_exporter textfile (`--metrics-file`).

Written with prometheus_client (atomically: a temporary file renamed over the old one, which is
what node_exporter's textfile collector expects). What must outlive a failed run (when the last
success was) is carried over from the previous file.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from pathlib import Path

from prometheus_client import CollectorRegistry, Gauge, Info, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from ztix.commands.output import write_file
from ztix.errors import SettingsError
from ztix.settings.secretfile import read_small

# A textfile of a few gauges is under 2 KiB; anything far larger is not ours to carry over.
PREVIOUS_LIMIT = 1024 * 1024


def previous(path: Path) -> dict[str, float]:
    """The unlabelled samples of the file `path` holds now (none if it is missing or broken, or
    not a regular file: a FIFO would block the read, a device never end it)."""
    with contextlib.suppress(SettingsError, ValueError):
        text = read_small(path, "--metrics-file", PREVIOUS_LIMIT).decode("utf-8")
        return {
            sample.name: sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if not sample.labels
        }
    return {}


def write(
    path: Path,
    gauges: Mapping[str, tuple[str, float]],
    info: tuple[str, str, Mapping[str, str]] | None = None,
) -> None:
    """Write gauges (name -> (help, value)) and an info metric to `path` atomically."""
    registry = CollectorRegistry()
    for name, (text, number) in sorted(gauges.items()):
        Gauge(name, text, registry=registry).set(number)
    if info is not None:
        name, text, labels = info
        Info(name, text, registry=registry).info(dict(labels))
    # The project's one file writer: whole files renamed into place (what node_exporter's
    # textfile collector expects), and a device such as /dev/null written into, not replaced.
    write_file(path, generate_latest(registry).decode("utf-8"), "--metrics-file")


def apply_metrics(
    path: Path, status: str, incidents: int, commit: str | None, commit_time: float | None
) -> None:
    """The apply's run: when, whether it succeeded, its incidents, the commit it applied."""
    now = time.time()
    ok = status in ("ok", "ok-with-incidents")
    carried = previous(path)
    gauges = {
        "ztix_apply_last_run_timestamp_seconds": ("When the last apply ran", now),
        "ztix_apply_success": ("1 if the last apply completed (incidents included)", float(ok)),
        "ztix_apply_incidents": ("Strangers found (and repaired) by the last apply", incidents),
    }
    last_ok = now if ok else carried.get("ztix_apply_last_success_timestamp_seconds")
    if last_ok is not None:
        gauges["ztix_apply_last_success_timestamp_seconds"] = (
            "When an apply last completed",
            last_ok,
        )
    applied = commit_time if ok else carried.get("ztix_apply_last_success_commit_timestamp_seconds")
    if applied is not None:
        gauges["ztix_apply_last_success_commit_timestamp_seconds"] = (
            "Commit time of the commit the last completed apply applied",
            applied,
        )
    write(
        path,
        gauges,
        ("ztix_apply_run", "The last apply", {"commit": commit or "", "status": status}),
    )


def drift_metrics(path: Path, drift: bool, unknown: bool, incidents: int) -> None:
    """`plan --live`: when it checked, and what it found."""
    write(
        path,
        {
            "ztix_drift_check_timestamp_seconds": ("When plan --live last checked", time.time()),
            "ztix_drift_detected": ("1 if production differs from the files", float(drift)),
            "ztix_drift_unknown": ("1 if some part could not be checked", float(unknown)),
            "ztix_drift_incidents": ("Strangers found on the peering LAN", incidents),
        },
    )


def irr_refresh_metrics(path: Path, failed: int, held: int, changed: int) -> None:
    """`irr refresh`: when it ran, and how many members failed, were held back or changed."""
    now = time.time()
    carried = previous(path)
    last_ok = now if failed == 0 else carried.get("ztix_irr_refresh_last_success_timestamp_seconds")
    gauges = {
        "ztix_irr_refresh_last_run_timestamp_seconds": ("When the IRR refresh last ran", now),
        "ztix_irr_refresh_failed_members": ("Members whose expansion failed", failed),
        "ztix_irr_refresh_held_members": ("Members held back for review", held),
        "ztix_irr_refresh_changed_members": ("Members whose IRR data changed", changed),
    }
    if last_ok is not None:
        gauges["ztix_irr_refresh_last_success_timestamp_seconds"] = (
            "When a refresh last ran with no member failing",
            last_ok,
        )
    write(path, gauges)
