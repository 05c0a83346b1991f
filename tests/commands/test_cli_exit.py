"""How a `ztix` process ends: standard output that cannot be written is exit 74 said in one
line (never a traceback or a silent 0), and the fast exit (no interpreter teardown) keeps every
exit code, every byte printed, exit handlers and running threads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli import ztix
from tests.gitrepo import committed_copy
from ztix.cli import main

FULL = (
    "error: cannot write to standard output (No space left on device); what was printed is "
    "incomplete\n"
)


def run(argv: list[str], stdout: int, cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ZTIX_")}
    return subprocess.run(
        [sys.executable, "-m", "ztix.cli", *argv],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
        env=clean,
        cwd=cwd,
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["--version"],
        ["--help"],
        ["schema"],
        ["validate", "--repo", "{repo}"],
        ["plan", "--base", "HEAD", "--format", "json", "--repo", "{repo}"],
        ["rs", "slurm", "--repo", "{repo}"],
    ],
    ids=" ".join,
)
def test_a_full_standard_output_is_exit_74_said_once(tmp_path: Path, argv: list[str]) -> None:
    repo = committed_copy(tmp_path / "repo")
    argv = [str(repo) if a == "{repo}" else a for a in argv]
    with open("/dev/full", "wb") as full:
        done = run(argv, full.fileno(), tmp_path)
    assert done.returncode == 74, done.stderr
    assert done.stderr.endswith(FULL) and done.stderr.count("standard output") == 1
    assert "Traceback" not in done.stderr


def test_a_reader_that_left_is_exit_74(tmp_path: Path) -> None:
    repo = committed_copy(tmp_path / "repo")
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written: every write is EPIPE
    try:
        done = run(["plan", "--base", "HEAD", "--repo", str(repo)], write_end, tmp_path)
    finally:
        os.close(write_end)
    assert done.returncode == 74
    assert done.stderr == (
        "error: cannot write to standard output (Broken pipe); what was printed is incomplete\n"
    )


def test_exit_codes_and_output_are_those_of_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = committed_copy(tmp_path / "repo")
    schema = ztix("schema")
    assert schema.returncode == 0
    assert main(["schema"]) == 0
    assert schema.stdout == capsys.readouterr().out and len(schema.stdout) > 10_000
    assert ztix("validate", "--repo", str(repo)).returncode == 0
    assert ztix("validate", "--bogus").returncode == 2
    (repo / "peers" / "AS64501.yaml").write_text("asn: [unclosed\n")
    broken = ztix("validate", "--repo", str(repo))
    assert broken.returncode == 1 and "1 problem; nothing applied" in broken.stderr
    out = tmp_path / "out"
    (repo / "peers" / "AS64501.yaml").unlink()
    assert ztix("render", "--repo", str(repo), "--out", str(out)).returncode == 0
    assert main(["render", "--repo", str(repo), "--out", str(tmp_path / "in-process")]) == 0
    for conf in (tmp_path / "in-process").rglob("*.conf"):
        assert (out / conf.relative_to(tmp_path / "in-process")).read_bytes() == conf.read_bytes()


def test_exit_handlers_run_and_a_running_thread_is_waited_for(tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    code = (
        "import atexit, sys, threading, time\n"
        f"marks = {str(marks)!r}\n"
        "atexit.register(lambda: open(marks, 'a').write('exit handler\\n'))\n"
        "def late():\n"
        "    time.sleep(0.5)\n"
        "    open(marks, 'a').write('thread\\n')\n"
        "threading.Thread(target=late).start()\n"
        "sys.argv = ['ztix', 'schema']\n"
        "from ztix.cli import console\n"
        "console()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0 and done.stdout.startswith("{")
    assert sorted(marks.read_text().splitlines()) == ["exit handler", "thread"]
