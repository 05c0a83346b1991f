"""No command answers with a traceback (issue 21): every `ztix` subcommand run with generated
hostile arguments against generated hostile repositories exits with a documented status, says
why on stderr in words, and writes nothing but the output it was asked for.

Runs in-process through `ztix.cli.main`, so a bug shows as the safety net's exit 70 (and
"internal error"), which no case may reach. Commands that would reach the network (apply
without --dry-run, irr refresh, the servers) are not generated; without credentials they stop
before any I/O anyway, which their own tests show.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.gitrepo import committed_copy, git
from ztix.cli import main
from ztix.errors import EXIT_INTERNAL

# Exit statuses the README documents (0 ok, 1 invalid files, 2 usage/settings, 3 partial,
# 4 drift, 5 could not check); argparse's own usage errors are 2 as well.
DOCUMENTED = {0, 1, 2, 3, 4, 5}

REPOS = ["valid", "broken-peer", "gitlink", "not-git", "empty", "ix-is-a-dir", "missing"]
PATHS = [
    "new-file",
    "new-dir/",
    "existing-dir",
    "existing-file",
    "under-a-file/x",
    "missing-parent/x/y",
    "dangling-link",
    "",
    "-",
    "with\nnewline",
    "x" * 300,
]
REVISIONS = [
    "HEAD",
    "main",
    "HEAD@{99}",
    "@{-1}",
    "HEAD@{1.year.ago}",
    "HEAD~99",
    "main..HEAD",
    ":/no such message",
    "",
    "--output=/tmp/x",
    "HEAD^{tree}",
    "nosuchref",
    "\x00",
]
TIMESTAMPS = [
    "2026-12-01T00:00:00Z",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "2026-13-45T99:99:99Z",
    "garbage",
    "2026-12-01T00:00:00",
    "",
]
ASNS = ["AS64500", "AS0", "AS4294967296", "-1", "ASx", "64500", ""]
# Refused before anything runs (a valid one would start a server or ask an IRR server).
BAD_NUMBERS = ["0", "-1", "65536", "1e3", "0x50", "9" * 30, "", " "]
BAD_HOSTS = ["", " ", "a b", "\n"]


def _build_repo(kind: str, root: Path) -> Path:
    repo = root / "repo"
    if kind == "missing":
        return repo
    if kind == "empty":
        repo.mkdir()
        return repo
    committed_copy(repo)
    if kind == "broken-peer":
        (repo / "peers" / "AS64501.yaml").write_text("asn: [unclosed\n")
    elif kind == "gitlink":
        head = git(repo, "rev-parse", "HEAD")
        git(repo, "update-index", "--add", "--cacheinfo", f"160000,{head},peers/sub")
        git(repo, "commit", "-qm", "a gitlink")
    elif kind == "not-git":
        shutil.rmtree(repo / ".git")
    elif kind == "ix-is-a-dir":
        (repo / "ix.yaml").unlink()
        (repo / "ix.yaml").mkdir()
    return repo


def _path(kind: str, root: Path) -> str:
    out = root / "out"
    if kind == "existing-dir":
        (out / "dir").mkdir(parents=True, exist_ok=True)
        return str(out / "dir")
    if kind == "existing-file":
        out.mkdir(exist_ok=True)
        (out / "file").write_text("keep me\n")
        return str(out / "file")
    if kind.startswith("under-a-file"):
        out.mkdir(exist_ok=True)
        (out / "plain").write_text("")
        return str(out / "plain" / "x")
    if kind == "dangling-link":
        out.mkdir(exist_ok=True)
        link = out / "link"
        if not link.is_symlink():
            link.symlink_to(out / "nowhere")
        return str(link)
    if kind in ("", "-"):
        return kind
    return str(out / kind)


@st.composite
def invocations(draw: st.DrawFn) -> tuple[str, list[str], list[str]]:
    """(repo kind, argv with {repo} and {path:KIND} marks, the output marks it names)."""
    repo = draw(st.sampled_from(REPOS))
    path = "{path:" + draw(st.sampled_from(PATHS)) + "}"
    revision = draw(st.sampled_from(REVISIONS))
    command = draw(
        st.sampled_from(
            [
                ["validate"],
                ["render", "--out", path],
                ["plan", "--base", revision],
                [
                    "plan",
                    "--base",
                    revision,
                    "--format",
                    draw(st.sampled_from(["json", "markdown", "yaml"])),
                ],
                ["plan", "--base", revision, "--diff-out", path],
                ["plan"],
                ["plan", "--only", "zerotier"],
                ["plan", "--live", "--only", "routeservers"],
                ["apply", "--dry-run", "--report", path],
                [
                    "apply",
                    "--dry-run",
                    "--only",
                    draw(st.sampled_from(["zerotier", "routeservers", "x"])),
                ],
                ["zerotier", "plan"],
                ["export", "ixf", "--out", path],
                ["export", "ixf", "--timestamp", draw(st.sampled_from(TIMESTAMPS))],
                ["rs", "slurm"],
                ["rs", "enable", draw(st.sampled_from(ASNS))],
                ["status", "--asn", draw(st.sampled_from(ASNS))],
                ["schema", "--out", path],
                ["irr", "refresh", "--jobs", draw(st.sampled_from(BAD_NUMBERS))],
                [
                    draw(st.sampled_from(["exporter", "portal", "webhook"])),
                    *draw(
                        st.sampled_from(
                            [
                                ["--port", draw(st.sampled_from(BAD_NUMBERS))],
                                ["--host", draw(st.sampled_from(BAD_HOSTS))],
                            ]
                        )
                    ),
                ],
            ]
        )
    )
    outputs = [a for a in command if a.startswith("{path:")]
    uses_repo = command[0] not in ("schema", "portal", "webhook")
    return repo, [*command, *(["--repo", "{repo}"] if uses_repo else [])], outputs


def _snapshot(root: Path) -> dict[str, str]:
    """Every file under `root` (but .git's inner workings) -> its sha256 (or what it is)."""
    out: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if "/.git/" in f"/{rel}/" and not rel.endswith("/.git"):
            continue
        if path.is_symlink():
            out[rel] = "link:" + os.readlink(path)
        elif path.is_file():
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
        elif path.is_dir():
            out[rel] = "dir"
    return out


@pytest.fixture(autouse=True)
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key in [k for k in os.environ if k.startswith("ZTIX_")]:
        monkeypatch.delenv(key)
    here = Path.cwd()
    yield
    os.chdir(here)


@settings(
    max_examples=int(os.environ.get("ZTIX_HOSTILE_EXAMPLES", "120")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=invocations())
def test_every_command_exits_documented_without_traceback_or_stray_writes(
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    case: tuple[str, list[str], list[str]],
) -> None:
    repo_kind, template, outputs = case
    root = tmp_path_factory.mktemp("hostile")
    repo = _build_repo(repo_kind, root)
    paths = {mark: _path(mark[6:-1], root) for mark in outputs}
    argv = [str(repo) if a == "{repo}" else paths.get(a, a) for a in template]
    cwd = root / "cwd"  # relative paths land here, inside what is watched
    cwd.mkdir()
    os.chdir(cwd)
    before = _snapshot(root)
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse refuses the arguments themselves
        code = exc.code if isinstance(exc.code, int) else 2
    said = capsys.readouterr()
    err = said.err
    assert code != EXIT_INTERNAL, f"{argv}: {err}"
    assert code in DOCUMENTED, f"{argv} exited {code}: {err}"
    assert "Traceback" not in err, err
    if code != 0:  # why, in words (drift and "could not check" are reports, on stdout)
        assert (err if code < 4 else err + said.out).strip(), f"{argv} failed silently"
    after = _snapshot(root)
    allowed = {Path(p).absolute().relative_to(root).as_posix() for p in paths.values() if p}
    changed = {
        rel
        for rel in before.keys() | after.keys()
        if before.get(rel) != after.get(rel)
        and not any(rel == a or rel.startswith(f"{a}/") or a.startswith(f"{rel}/") for a in allowed)
    }
    assert not changed, f"{argv} wrote outside its output: {sorted(changed)}"


def test_the_safety_net_says_internal_error_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The net itself: a bug becomes one line, exit 70, and ZTIX_DEBUG=1 shows the traceback."""
    from ztix.commands import files  # noqa: PLC0415

    def broken(args: object) -> int:
        raise KeyError("a bug")

    monkeypatch.setattr(files, "validate", broken)
    assert main(["validate"]) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert err.startswith("internal error: KeyError: 'a bug'\n") and "ZTIX_DEBUG=1" in err
    monkeypatch.setenv("ZTIX_DEBUG", "1")
    with pytest.raises(KeyError):
        main(["validate"])


def test_a_real_process_prints_no_traceback_for_a_bad_revision(tmp_path: Path) -> None:
    repo = committed_copy(tmp_path / "repo")
    import sys  # noqa: PLC0415

    done = subprocess.run(
        [sys.executable, "-m", "ztix.cli", "plan", "--repo", str(repo), "--base", "HEAD@{99}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "unknown revision 'HEAD@{99}'" in done.stderr


@pytest.mark.parametrize(
    ("where", "said"), [("missing", "does not exist"), ("file", "is not a directory")]
)
def test_a_repo_that_is_not_a_directory_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str, said: str
) -> None:
    target = tmp_path / where
    if where == "file":
        target.write_text("ix.yaml\n")
    with pytest.raises(SystemExit) as exited:
        main(["validate", "--repo", str(target)])
    assert exited.value.code == 2
    assert f"argument --repo: {str(target)!r} {said}" in capsys.readouterr().err


def test_json_logs_are_one_object_per_line_with_the_location(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import json  # noqa: PLC0415

    repo = committed_copy(tmp_path / "repo")
    (repo / "peers" / "AS64501.yaml").write_text("asn: [unclosed\n")
    assert main(["--log-format", "json", "validate", "--repo", str(repo)]) == 1
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [line["kind"] for line in lines] == ["problem", "error"]
    assert lines[0]["file"] == "peers/AS64501.yaml" and lines[0]["line"] == 2
    assert lines[0]["level"] == "error" and lines[0]["logger"] == "ztix.cli"
    assert lines[1]["message"] == "1 problem; nothing applied"
    monkeypatch.setenv("ZTIX_LOG_FORMAT", "json")
    (repo / "peers" / "AS64501.yaml").unlink()
    assert main(["validate", "--repo", str(repo)]) == 0
    warnings = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert warnings and all(w["kind"] == "warning" for w in warnings)  # IRR filtering is off


@pytest.mark.parametrize("value", ["xml", "JSON", "text\n", "j" * 500])
def test_a_bad_log_format_in_the_environment_is_an_error_in_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    repo = committed_copy(tmp_path / "repo")
    monkeypatch.setenv("ZTIX_LOG_FORMAT", value)
    assert main(["validate", "--repo", str(repo)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ZTIX_LOG_FORMAT: ") and "is not one of text, json" in err
    assert len(err) < 200  # the value is cut, not echoed whole
    # The flag is the operator's explicit word and wins over the environment.
    assert main(["--log-format", "text", "validate", "--repo", str(repo)]) == 0


def test_closed_standard_fds_never_become_an_output_file(tmp_path: Path) -> None:
    """`ztix render --out X 2>&-`: no file the command opens may take fd 0-2 (a child's standard
    error would land in it); the render still succeeds."""
    import sys  # noqa: PLC0415

    repo = committed_copy(tmp_path / "repo")
    code = (
        "import os, sys; os.close(0); os.close(2); sys.argv = ['ztix'] + sys.argv[1:]\n"
        "from ztix import cli\n"
        "import ztix.commands.files as f\n"
        "real = f.render\n"
        "def render(args):\n"
        "    probe = os.open(os.path.join(args.out, 'probe'), os.O_CREAT | os.O_WRONLY)\n"
        "    os.write(1, b'probe fd %d\\n' % probe)\n"
        "    return real(args)\n"
        "f.render = render\n"
        "cli.console()\n"
    )
    out = tmp_path / "out"
    out.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", code, "render", "--repo", str(repo), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout
    assert int(done.stdout.split("probe fd ")[1].split()[0]) > 2
    assert any(out.rglob("*.conf"))


def test_with_standard_error_closed_its_notes_stay_out_of_standard_output(
    tmp_path: Path,
) -> None:
    """Started with fd 2 closed, Python has no sys.stderr, and print(file=None) would write the
    note to standard output, among the data."""
    import sys  # noqa: PLC0415

    repo = committed_copy(tmp_path / "repo")
    done = subprocess.run(
        [sys.executable, "-m", "ztix.cli", "render", "--repo", str(repo), "--out", "out"],
        stdout=subprocess.PIPE,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
        preexec_fn=lambda: os.close(2),  # closed before Python starts
    )
    assert done.returncode == 0
    assert "templates:" not in done.stdout and "wrote out/rs1/bird.conf" in done.stdout
