"""The pipeline files in ci/ pass their forges' published schemas and call real ztix commands."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.paths import ROOT
from ztix.cli import build_parser

CI = ROOT / "ci"
PIPELINES = [
    (CI / "github" / "ztix.yml", "vendor.github-workflows"),
    (CI / "forgejo" / "ztix.yml", "vendor.github-workflows"),  # Forgejo Actions' syntax
    (CI / "gitlab" / ".gitlab-ci.yml", "vendor.gitlab-ci"),
]


def check(path: Path, schema: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("path", "schema"), PIPELINES, ids=lambda v: str(v).split("/")[-2] if "/" in str(v) else v
)
def test_pipeline_matches_the_forge_schema(path: Path, schema: str) -> None:
    done = check(path, schema)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_schema_check_can_fail(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  apply:\n    runs-on: ubuntu-24.04\n    steps: 7\n")
    assert check(broken, "vendor.github-workflows").returncode != 0


def _commands(path: Path) -> list[str]:
    data = yaml.safe_load(path.read_text())
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("run", "script") and isinstance(value, (str, list)):
                    lines = value if isinstance(value, list) else value.splitlines()
                    found.extend(line for line in lines if re.search(r"(^|\s)ztix ", line))
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    return found


@pytest.mark.parametrize(("path", "schema"), PIPELINES)
def test_pipelines_call_ztix_with_valid_arguments(path: Path, schema: str) -> None:
    commands = _commands(path)
    assert any(" apply" in c for c in commands) and any("plan --base" in c for c in commands)
    for line in commands:
        words = shlex.split(line.split("|")[0].split(">")[0])
        args = words[words.index("ztix") + 1 :]
        build_parser().parse_args([a.replace("${GITHUB_BASE_REF}", "main") for a in args])


def test_apply_runs_one_at_a_time_and_plan_has_no_secrets() -> None:
    github = yaml.safe_load((CI / "github" / "ztix.yml").read_text())
    assert github["jobs"]["apply"]["concurrency"] == {
        "group": "ztix-apply",
        "cancel-in-progress": False,
    }
    assert "secrets." not in yaml.safe_dump(github["jobs"]["plan"])
    gitlab = yaml.safe_load((CI / "gitlab" / ".gitlab-ci.yml").read_text())
    assert gitlab["ztix/apply"]["resource_group"] == "ztix-apply"


def test_the_irr_refresh_runs_daily_as_a_change_and_a_schedule_never_applies() -> None:
    for name in ("github", "forgejo"):
        flow = yaml.safe_load((CI / name / "ztix.yml").read_text())
        triggers = flow[True]  # YAML 1.1 reads the key `on` as true
        assert triggers["schedule"][0]["cron"].endswith("* * *")  # daily
        jobs = flow["jobs"]
        refresh = jobs["irr-refresh"]
        assert refresh["if"] == "github.event_name == 'schedule'"
        steps = yaml.safe_dump(refresh["steps"])
        assert "install -y bgpq4" in steps and "ztix irr refresh --propose" in steps
        assert "schedule" not in jobs["apply"]["if"] and "'push'" in jobs["apply"]["if"]
    gitlab = yaml.safe_load((CI / "gitlab" / ".gitlab-ci.yml").read_text())
    assert gitlab["irr-refresh"]["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "schedule"'}]
    assert "ztix irr refresh --propose" in gitlab["irr-refresh"]["script"]
    assert all("schedule" not in rule["if"] for rule in gitlab["ztix/apply"]["rules"])
