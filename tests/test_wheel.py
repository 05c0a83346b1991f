"""The built wheel, as a newcomer uses it: a fresh virtual environment, a data-only repository
made by `ztix init`, every command run from a directory outside the checkout."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.birdtools import assert_bird_accepts
from tests.gitrepo import git
from tests.paths import ROOT
from tests.procs import stop

pytestmark = pytest.mark.slow

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKtjAIsDUGj9NfyMhyE7ip5BXH3G+mboFszPmD0uHkYX"
PEER = """\
asn: 206000
name: First Member
contact: noc@first.example
connections:
  - zerotier_node_id: "aa00000010"
    ipv4: 10.50.0.10
    ipv6: fd00:50::10
"""


def run(*argv: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ZTIX_", "PYTHON"))}
    done = subprocess.run(
        [str(a) for a in argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**clean, **(env or {})},
    )
    assert done.returncode == 0, f"{argv}: {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # Built from the files git would ship (tracked, or new and not ignored), as from a clean
    # checkout: a stale build/ directory in a developer's tree must not leak into the wheel.
    source = ROOT
    if (ROOT / ".git").exists():
        source = tmp_path_factory.mktemp("source")
        listed = git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
        for name in filter(None, listed.split("\0")):
            if (ROOT / name).is_file():
                (source / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / name, source / name)
    # --no-build-isolation: the build backend is the one already installed (no second download).
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "-q",
        "--no-deps",
        "--no-build-isolation",
        "-w",
        out,
        source,
        cwd=out,
    )
    found = sorted(out.glob("ztix-*.whl"))
    assert len(found) == 1
    return found[0]


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("venv") / "v"
    run(sys.executable, "-m", "venv", where, cwd=where.parent)
    run(
        where / "bin" / "pip",
        "install",
        "-q",
        "-c",
        ROOT / "constraints.txt",
        wheel,
        cwd=where.parent,
    )
    return where


def test_the_wheel_holds_one_import_package_with_its_data(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"ztix"}
    shipped = {n.removeprefix("ztix/templates/") for n in names if n.startswith("ztix/templates/")}
    source = {
        p.relative_to(ROOT / "templates").as_posix()
        for p in (ROOT / "templates").rglob("*")
        if p.is_file()
    }
    assert shipped == source  # every template, and nothing else
    assert {"ztix/schemas/ix.schema.json", "ztix/pipelines/gitlab/.gitlab-ci.yml"} <= set(names)
    modules = {n for n in names if n.endswith(".py")}
    assert modules == {
        p.relative_to(ROOT).as_posix() for p in (ROOT / "ztix").rglob("*.py")
    }  # no subpackage forgotten in pyproject.toml


@pytest.fixture(scope="module")
def data_repo(venv: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    outside = tmp_path_factory.mktemp("operator")
    key = outside / "rs1.pub"
    key.write_text(f"rs1.new.example {KEY}\n")
    run(
        venv / "bin" / "ztix",
        "init",
        "new-ix",
        "--name",
        "New IX",
        "--asn",
        "215000",
        "--ipv4",
        "10.50.0.0/24",
        "--ipv6",
        "fd00:50::/64",
        "--provider",
        "self_hosted_controller",
        "--route-server",
        f"rs1,aa00000001,rs1.new.example,{key}",
        "--forge",
        "gitlab",
        "--no-input",
        cwd=outside,
    )
    repo = outside / "new-ix"
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "the exchange")
    return repo


def test_a_data_only_repository_runs_every_command(venv: Path, data_repo: Path) -> None:
    ztix = venv / "bin" / "ztix"
    assert run(ztix, "--version", cwd=data_repo).strip().startswith("ztix ")
    assert "0 peers" in run(ztix, "validate", cwd=data_repo)
    git(data_repo, "checkout", "-q", "-b", "join")
    (data_repo / "peers" / "AS206000.yaml").write_text(PEER)
    git(data_repo, "add", "-A")
    git(data_repo, "commit", "-qm", "AS206000: join")
    out = run(ztix, "render", "--out", data_repo.parent / "out", cwd=data_repo)
    assert "templates: bird: shipped with ztix" in out
    config = (data_repo.parent / "out" / "rs1" / "bird.conf").read_text()
    assert "protocol bgp AS206000_aa00000010_v4" in config
    # the installed BIRD accepts what the installed templates render
    assert_bird_accepts(config)
    slurm = json.loads(run(ztix, "rs", "slurm", cwd=data_repo))
    assert slurm["locallyAddedAssertions"]["prefixAssertions"][0]["prefix"] == "192.0.2.0/24"
    plan = run(ztix, "plan", "--base", "main", "--format", "markdown", cwd=data_repo)
    assert "AS206000" in plan and "added" in plan
    dry = run(ztix, "apply", "--dry-run", cwd=data_repo)
    assert "authorized   aa00000010 AS206000" in dry and dry.rstrip().endswith("dry run: ok")
    # nothing was written into the working tree (the report goes only where it is asked to)
    assert git(data_repo, "status", "--porcelain") == ""
    # the pipeline installs the pinned package, not a checkout
    assert 'pip install "ztix==' in (data_repo / ".gitlab-ci.yml").read_text()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def portal_process(venv: Path, data_repo: Path, tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZTIX_", "PYTHON"))}
    env.update(
        ZTIX_PORTAL_BASE_URL=f"http://127.0.0.1:{port}",
        ZTIX_PORTAL_CLIENT_ID="ztix",
        ZTIX_PORTAL_CLIENT_SECRET="s" * 32,
        ZTIX_PORTAL_SESSION_SECRET="x" * 40,
        ZTIX_PORTAL_COOKIE_SECURE="false",
        ZTIX_PORTAL_ISSUER="http://127.0.0.1:9/oauth2",
        ZTIX_PORTAL_REPO_URL=str(data_repo),
        ZTIX_PORTAL_WORKDIR=str(tmp_path / "checkout"),
    )
    proc = subprocess.Popen(
        [str(venv / "bin" / "ztix"), "portal", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


def test_the_installed_portal_serves_its_pages(portal_process: str) -> None:
    page = httpx.get(portal_process + "/", timeout=10)
    assert page.status_code == 200, page.text
    assert "PeeringDB" in page.text


def test_the_wheel_installs_no_top_level_webhook(venv: Path, tmp_path: Path) -> None:
    probe = "import importlib.util, sys; sys.exit(importlib.util.find_spec('webhook') is not None)"
    run(venv / "bin" / "python", "-c", probe, cwd=tmp_path)
