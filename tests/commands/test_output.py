"""Files a command is asked to write: whole or not at all, and never in place of a device node,
a FIFO or a link (`--diff-out /dev/null` as root must not turn /dev/null into a file)."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from ztix.commands.output import output_dir, write_file
from ztix.errors import SettingsError


def test_a_new_file_is_written_whole_with_no_temporary_left(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    write_file(target, "{}\n", "--report")
    write_file(target, "[]\n", "--report")
    assert target.read_text() == "[]\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root")
def test_a_device_node_is_written_into_not_replaced(tmp_path: Path) -> None:
    null = tmp_path / "null"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a /dev/null of the test's own
    write_file(null, "the diff\n", "--diff-out")
    assert stat.S_ISCHR(null.lstat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


def test_a_fifo_is_written_to_its_reader(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    write_file(fifo, "through the pipe\n", "--out")
    reader.join(10)
    assert got == [b"through the pipe\n"]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_link_keeps_pointing_and_its_target_is_rewritten(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "plan.diff"
    target.write_text("old\n")
    link = tmp_path / "link"
    link.symlink_to(target)
    write_file(link, "new\n", "--diff-out")
    assert link.is_symlink() and target.read_text() == "new\n"
    assert sorted(p.name for p in (tmp_path / "real").iterdir()) == ["plan.diff"]
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "real" / "created")
    write_file(dangling, "made\n", "--out")
    assert dangling.is_symlink() and (tmp_path / "real" / "created").read_text() == "made\n"


def test_a_link_into_a_missing_folder_is_named(tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "nowhere" / "file")
    with pytest.raises(SettingsError, match=f"^--out {link}: {tmp_path / 'nowhere'} does not"):
        write_file(link, "x\n", "--out")


def test_a_link_loop_is_an_error_naming_the_flag(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    with pytest.raises(SettingsError, match=f"^--report {loop}: "):
        write_file(loop, "x\n", "--report")


def test_a_dash_is_standard_output_for_a_file_and_refused_for_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_file(Path("-"), "to stdout\n", "--report")
    assert capsys.readouterr().out == "to stdout\n"
    with pytest.raises(SettingsError, match=r"^--out -: give a directory"):
        output_dir(Path("-"), "--out")
    assert list(tmp_path.iterdir()) == []  # no file or folder named "-"
