"""The built wheel, as a newcomer uses it: a fresh virtual environment, a data-only repository
made by `ztix init`, every command run from a directory outside the checkout."""

from __future__ import annotations

import hashlib
import json
import os
import re
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
from tests.wheelhouse import wheelhouse
from ztix import __version__

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
    done = attempt(*argv, cwd=cwd, env=env)
    assert done.returncode == 0, f"{argv}: {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def attempt(
    *argv: str | Path, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command as an outsider would: none of this test run's ZTIX_/PYTHON/PIP variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ZTIX_", "PYTHON", "PIP_"))}
    return subprocess.run(
        [str(a) for a in argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**clean, **offline(), **(env or {})},
    )


def offline() -> dict[str, str]:
    """pip settings that install from the local wheelhouse only (no index, no network)."""
    return {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheelhouse())}


def _source(into: Path) -> Path:
    """The files git would ship (tracked, or new and not ignored) as one commit of a new repo.

    As from a clean checkout: a stale build/ directory in a developer's tree must not leak into
    the wheel, and uncommitted work is built as the commit it will be.
    """
    listed = git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, into / name)
    git(into, "init", "-q", "-b", "main")
    git(into, "add", "-A")
    # a fixed author and commit time: the commit id, and so the artifacts, depend on the files only
    fixed = {
        "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
        "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    }
    subprocess.run(
        [
            "git",
            "-C",
            str(into),
            "-c",
            "user.email=r@example.net",
            "-c",
            "user.name=r",
            "commit",
            "-qm",
            "release",
        ],
        check=True,
        timeout=60,
        env={**os.environ, **fixed},
    )
    return into


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dist/ of `sh ci/release.sh`, built offline with the hash-locked build tools."""
    source = _source(tmp_path_factory.mktemp("source"))
    out = tmp_path_factory.mktemp("dist")
    run("sh", source / "ci" / "release.sh", out, cwd=source)
    return out


@pytest.fixture(scope="module")
def wheel(release: Path) -> Path:
    found = sorted(release.glob("ztix-*.whl"))
    assert len(found) == 1
    return found[0]


@pytest.fixture(scope="module")
def venv(release: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the release installed as its install.txt says: by hash, offline."""
    where = tmp_path_factory.mktemp("venv") / "v"
    run(sys.executable, "-m", "venv", where, cwd=where.parent)
    run(
        where / "bin" / "pip",
        "install",
        "-q",
        "--require-hashes",
        "--no-deps",
        "-r",
        "install.txt",
        cwd=release,
    )
    return where


def test_the_release_is_byte_identical_when_built_again(
    release: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    again = tmp_path_factory.mktemp("again")
    source = _source(tmp_path_factory.mktemp("source2"))
    time.sleep(1.1)  # a second later: any wall-clock time in an artifact would now differ
    run("sh", source / "ci" / "release.sh", again, cwd=source)
    first = (release / "SHA256SUMS").read_text()
    assert first == (again / "SHA256SUMS").read_text()
    assert {line.split()[1] for line in first.splitlines()} == {
        f"ztix-{__version__}-py3-none-any.whl",
        f"ztix-{__version__}.tar.gz",
        "install.txt",
    }


def test_the_version_names_the_commit(venv: Path, release: Path, tmp_path: Path) -> None:
    said = run(venv / "bin" / "ztix", "--version", cwd=tmp_path).strip()
    commit = (release / "install.txt").read_text().split()[2].rstrip(":")
    assert re.fullmatch(r"[0-9a-f]{40}", commit)
    assert said == f"ztix {__version__} (commit {commit})"


def test_a_release_will_not_build_from_uncommitted_changes(tmp_path: Path) -> None:
    source = _source(tmp_path / "src")
    (source / "ztix" / "__init__.py").write_text('__version__ = "6.6.6"\n')
    done = attempt("sh", source / "ci" / "release.sh", tmp_path / "out", cwd=source)
    assert done.returncode == 1 and "commit or stash" in done.stderr
    assert not list((tmp_path / "out").glob("*"))


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
def data_repo(venv: Path, wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
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
        "--wheel",
        wheel,
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
    # the pipeline installs the pinned wheel, not a checkout and nothing by name
    pipeline = (data_repo / ".gitlab-ci.yml").read_text()
    assert "sh .ztix/install.sh .ztix/requirements.txt" in pipeline and "pip" not in pipeline


def install(repo: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    """The pipelines' install step, as a job runs it in the repository."""
    return attempt(
        "sh",
        ".ztix/install.sh",
        ".ztix/requirements.txt",
        cwd=repo,
        env={"ZTIX_VENV_CACHE": str(cache)},
    )


def test_the_pipeline_install_is_made_once_and_reused(data_repo: Path, tmp_path: Path) -> None:
    first = install(data_repo, tmp_path / "cache")
    assert first.returncode == 0, first.stderr
    bin_dir = Path(first.stdout.strip())
    assert f"ztix {__version__} (commit " in first.stderr
    marker = bin_dir.parent / ".complete"
    made = marker.stat().st_mtime_ns
    again = install(data_repo, tmp_path / "cache")
    assert again.returncode == 0 and again.stdout == first.stdout
    assert again.stderr == "" and marker.stat().st_mtime_ns == made  # nothing installed again
    assert "no problems" in run(bin_dir / "ztix", "validate", cwd=data_repo)


def test_two_jobs_installing_at_once_make_one_environment(data_repo: Path, tmp_path: Path) -> None:
    """Two jobs on one runner start together: one installs, the other waits and reuses it."""
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(lambda _: install(data_repo, tmp_path / "cache"), range(2))
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert first.stdout == second.stdout  # the same environment
    installed = [r for r in (first, second) if f"ztix {__version__} (commit " in r.stderr]
    assert len(installed) == 1  # made once; the other found it complete
    assert len(list((tmp_path / "cache").glob("venv-*"))) == 1


def test_the_fork_models_install_builds_the_checkout_and_installs_it_by_hash(
    tmp_path: Path,
) -> None:
    """`sh ci/install.sh requirements/runtime.lock .` in a checkout of ZT-IX (the fork model):
    the checkout is built into a wheel and installed by that wheel's hash, offline."""
    source = _source(tmp_path / "source")
    done = attempt(
        "sh", "ci/install.sh", "requirements/runtime.lock", ".",
        cwd=source, env={"ZTIX_VENV_CACHE": str(tmp_path / "cache")},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    commit = git(source, "rev-parse", "HEAD")
    assert f"ztix {__version__} (commit {commit})" in done.stderr
    bin_dir = Path(done.stdout.strip())
    (pinned,) = (bin_dir.parent / ".wheels").glob("ztix.txt")
    (built,) = (bin_dir.parent / ".wheels").glob("ztix-*.whl")
    digest = hashlib.sha256(built.read_bytes()).hexdigest()
    assert pinned.read_text() == f"{built} --hash=sha256:{digest}\n"


def test_a_wheel_that_does_not_match_its_hash_stops_the_job(
    data_repo: Path, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(data_repo, repo)
    (wheel,) = (repo / "wheels").glob("*.whl")
    with zipfile.ZipFile(wheel, "a") as archive:
        archive.writestr("ztix/evil.py", "raise SystemExit('ran')\n")
    assert wheel.read_bytes() != (data_repo / "wheels" / wheel.name).read_bytes()
    done = install(repo, tmp_path / "cache")
    assert done.returncode != 0
    assert "THESE PACKAGES DO NOT MATCH THE HASHES" in done.stderr
    assert not list((tmp_path / "cache").glob("*/.complete"))
    # a requirements file that names a package without its hash is refused as well
    shutil.copy2(data_repo / "wheels" / wheel.name, wheel)
    text = (repo / ".ztix" / "requirements.txt").read_text()
    unhashed = next(  # a package the wheelhouse holds, that the lock does not name
        line.split(" ")[0]
        for line in (ROOT / "requirements" / "build.lock").read_text().splitlines()
        if line.startswith("build==")
    )
    (repo / ".ztix" / "requirements.txt").write_text(f"{text}{unhashed}\n")
    done = install(repo, tmp_path / "cache2")
    assert done.returncode != 0 and "--hash" in done.stderr
    assert not list((tmp_path / "cache2").glob("*/.complete"))


def test_a_repository_with_no_wheel_pinned_fails_at_install(venv: Path, tmp_path: Path) -> None:
    key = tmp_path / "rs1.pub"
    key.write_text(f"rs1.new.example {KEY}\n")
    run(
        venv / "bin" / "ztix",
        "init",
        "bare-ix",
        "--name",
        "Bare IX",
        "--asn",
        "215000",
        "--ipv4",
        "10.50.0.0/24",
        "--provider",
        "self_hosted_controller",
        "--route-server",
        f"rs1,aa00000001,rs1.new.example,{key}",
        "--no-input",
        cwd=tmp_path,
    )
    done = install(tmp_path / "bare-ix", tmp_path / "cache")
    assert done.returncode == 1
    assert "installs no ztix: pin its wheel there" in done.stderr


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
