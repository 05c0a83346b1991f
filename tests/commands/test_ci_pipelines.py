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
from ztix.commands.arguments import build_parser

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
        # ${VAR:+words} gives the words when VAR is set and nothing when not: parse both.
        optional = re.compile(r"\$\{[A-Z_]+:\+(.*?)\}(?=\s|$)")
        for variant in (optional.sub(r"\1", line), optional.sub("", line)):
            words = shlex.split(variant.split("|")[0].split(">")[0])
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


def test_schedules_refresh_the_irr_daily_check_hourly_and_never_apply() -> None:
    for name in ("github", "forgejo"):
        flow = yaml.safe_load((CI / name / "ztix.yml").read_text())
        triggers = flow[True]  # YAML 1.1 reads the key `on` as true
        daily, hourly = (entry["cron"] for entry in triggers["schedule"])
        assert daily.endswith(" * * *") and "*" not in daily.split()[1]
        assert hourly.split()[1:] == ["*", "*", "*", "*"]
        jobs = flow["jobs"]
        refresh = jobs["irr-refresh"]
        assert (
            refresh["if"]
            == f"github.event_name == 'schedule' && github.event.schedule == '{daily}'"
        )
        steps = yaml.safe_dump(refresh["steps"])
        assert "install -y bgpq4" in steps and "ztix irr refresh --propose" in steps
        checks = jobs["checks"]
        assert checks["if"].endswith(f"github.event.schedule == '{hourly}'")
        assert checks["concurrency"]["group"] == "ztix-apply"  # never beside a deploy
        steps = yaml.safe_dump(checks["steps"])
        assert "ztix plan --live" in steps and "ztix status" in steps
        assert "schedule" not in jobs["apply"]["if"] and "'push'" in jobs["apply"]["if"]
    gitlab = yaml.safe_load((CI / "gitlab" / ".gitlab-ci.yml").read_text())
    assert gitlab["irr-refresh"]["rules"] == [
        {"if": '$CI_PIPELINE_SOURCE == "schedule" && $ZTIX_SCHEDULE == "irr-refresh"'}
    ]
    assert "ztix irr refresh --propose" in gitlab["irr-refresh"]["script"]
    assert gitlab["checks"]["rules"] == [
        {"if": '$CI_PIPELINE_SOURCE == "schedule" && $ZTIX_SCHEDULE == "checks"'}
    ]
    assert gitlab["checks"]["resource_group"] == "ztix-apply"
    assert all("schedule" not in rule["if"] for rule in gitlab["ztix/apply"]["rules"])


def _run_lines(path: Path) -> list[str]:
    """Every shell line of every step or script of a pipeline."""
    data = yaml.safe_load(path.read_text())
    lines: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("run", "script", "before_script") and isinstance(value, str):
                    lines.extend(value.splitlines())
                elif key in ("script", "before_script") and isinstance(value, list):
                    lines.extend(str(v) for v in value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    return lines


@pytest.mark.parametrize(("path", "schema"), PIPELINES)
def test_every_job_installs_ztix_by_hash_and_nothing_by_name(path: Path, schema: str) -> None:
    lines = _run_lines(path)
    installs = [line for line in lines if "install.sh" in line]
    assert installs, "no install step"
    assert all("sh ci/install.sh requirements/runtime.lock ." in line for line in installs)
    # every job that runs ztix installs it first (in the same job, the same way)
    text = path.read_text()
    assert text.count("# ztix: install") == len(installs)
    for line in lines:
        assert not re.search(r"\bpip3?\b.*\binstall\b", line), line  # only install.sh installs
        assert "pipx" not in line and "uv " not in line, line
    # the scripts install.sh runs: every pip install is hash-checked and takes no dependencies
    script = (CI / "install.sh").read_text()
    pip_lines = [line for line in script.splitlines() if "$pip install" in line]
    assert len(pip_lines) == 3
    for line in pip_lines:  # the checkout (fork model) too: built to a wheel, then by its hash
        assert "--no-deps" in line
        assert "--require-hashes" in line


def test_self_hosted_jobs_use_the_runners_python() -> None:
    for name in ("github", "forgejo"):
        jobs = yaml.safe_load((CI / name / "ztix.yml").read_text())["jobs"]
        for job in ("apply", "checks"):
            assert "ztix-apply" in str(jobs[job]["runs-on"])
            assert "setup-python" not in yaml.safe_dump(jobs[job]), (name, job)


def test_actions_are_pinned_by_commit() -> None:
    for name in ("github", "forgejo"):
        text = (CI / name / "ztix.yml").read_text()
        uses = re.findall(r"^\s*- uses: (\S+)", text, re.MULTILINE)
        assert uses
        assert all(re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", u) for u in uses), uses


def zizmor(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [Path(sys.executable).parent / "zizmor", "--offline", "--persona=pedantic", *paths],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_workflows_pass_zizmor() -> None:
    done = zizmor(CI / "github" / "ztix.yml", CI / "forgejo" / "ztix.yml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_zizmor_finds_what_it_should(tmp_path: Path) -> None:
    flow = tmp_path / "bad.yml"
    flow.write_text(
        "on: pull_request_target\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - uses: actions/checkout@v4\n"
        '      - run: echo "${{ github.event.pull_request.title }}"\n'
    )
    done = zizmor(flow)
    assert done.returncode != 0
    assert "unpinned-uses" in done.stdout and "template-injection" in done.stdout


def shellcheck(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [Path(sys.executable).parent / "shellcheck", "--shell=sh", *paths],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_shipped_scripts_pass_shellcheck(tmp_path: Path) -> None:
    scripts = [CI / "install.sh", CI / "release.sh", ROOT / "requirements" / "compile.sh"]
    done = shellcheck(*scripts)
    assert done.returncode == 0, done.stdout + done.stderr
    bad = tmp_path / "bad.sh"
    bad.write_text("#!/bin/sh\nrm -rf $1/*\n")
    assert shellcheck(bad).returncode != 0
