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


def test_a_link_is_replaced_and_what_it_pointed_to_is_untouched(tmp_path: Path) -> None:
    """Nothing is written outside the path named: a link planted at an output path (to a file,
    nowhere, or itself) is replaced by the file, never written through."""
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "precious"
    target.write_text("old\n")
    for name, points_to in [
        ("link", target),
        ("dangling", tmp_path / "real" / "created"),
        ("loop", tmp_path / "loop"),
    ]:
        link = tmp_path / name
        link.symlink_to(points_to)
        write_file(link, f"{name}\n", "--diff-out")
        assert not link.is_symlink() and link.read_text() == f"{name}\n"
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in (tmp_path / "real").iterdir()) == ["precious"]


def test_a_link_to_a_device_is_written_through_and_a_block_device_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stdout_like = tmp_path / "stdout"
    stdout_like.symlink_to("/dev/null")  # as /dev/stdout is a link to the process's fd 1
    write_file(stdout_like, "x\n", "--out")
    assert stdout_like.is_symlink()
    # A block device, faked: a test must never hold a real disk where a write could land.
    disk = tmp_path / "sda"
    real_stat = os.stat
    fake = os.stat_result((stat.S_IFBLK | 0o660, 0, 0, 1, 0, 0, 0, 0, 0, 0))
    monkeypatch.setattr(os, "stat", lambda p, *a, **k: fake if p == disk else real_stat(p, *a, **k))
    with pytest.raises(SettingsError, match="is a block device"):
        write_file(disk, "x\n", "--out")
    assert "sda" not in os.listdir(tmp_path)


def test_a_dash_is_standard_output_for_a_file_and_refused_for_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_file(Path("-"), "to stdout\n", "--report")
    assert capsys.readouterr().out == "to stdout\n"
    with pytest.raises(SettingsError, match=r"^--out -: give a directory"):
        output_dir(Path("-"), "--out")
    assert list(tmp_path.iterdir()) == []  # no file or folder named "-"
