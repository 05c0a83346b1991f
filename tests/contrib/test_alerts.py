"""The shipped alert rules (contrib/prometheus) are valid and tested with Prometheus' own
promtool: `check rules`, then `test rules` with a firing and a quiet case for every alert."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
import yaml

from tests.paths import ROOT

RULES = ROOT / "contrib" / "prometheus" / "ztix-alerts.yml"
TESTS = ROOT / "contrib" / "prometheus" / "ztix-alerts.test.yml"


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("promtool is not installed (Debian's prometheus package gives it)")
        pytest.skip("promtool is not installed")
    return found


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [promtool(), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=RULES.parent,
    )


def test_the_rules_are_valid() -> None:
    done = run("check", "rules", RULES.name)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_alert_fires_and_stays_quiet_where_it_should() -> None:
    done = run("test", "rules", TESTS.name)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_alert_has_a_firing_and_a_quiet_case() -> None:
    alerts = {r["alert"] for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"]}
    cases: dict[str, set[bool]] = {}
    for test in yaml.safe_load(TESTS.read_text())["tests"]:
        for case in test.get("alert_rule_test", []):
            cases.setdefault(case["alertname"], set()).add(bool(case["exp_alerts"]))
    assert {a for a in alerts if cases.get(a) != {True, False}} == set()


def test_a_broken_rule_is_caught(tmp_path: object) -> None:
    """promtool itself is not a test that cannot fail: a rule with a typo is refused."""
    broken = RULES.parent / "broken.tmp.yml"
    broken.write_text(
        "groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: rate(x[5m]\n"
    )
    try:
        assert run("check", "rules", broken.name).returncode != 0
    finally:
        broken.unlink()
