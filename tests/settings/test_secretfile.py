"""Files named for secrets and keys are read bounded and never block: a FIFO, a device, a
directory, a huge or a wrong file is a settings error naming the variable, never the content."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from pydantic import SecretStr

from tests.gitrepo import committed_copy
from ztix.errors import SettingsError
from ztix.settings.env import private_key, secret_text
from ztix.settings.secretfile import SECRET_LIMIT, read_secret, read_small


def test_a_token_file_is_its_one_line(tmp_path: Path) -> None:
    token = tmp_path / "authtoken.secret"
    token.write_text("0123456789abcdefghijklmn\n")
    assert read_secret(token, "ZTIX_ZEROTIER_TOKEN_FILE") == "0123456789abcdefghijklmn"
    assert secret_text(None, token, "ZTIX_ZEROTIER_TOKEN") == "0123456789abcdefghijklmn"


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"", "is empty"),
        (b" \n\n", "is empty"),
        (b"one two\n", "holds spaces, line breaks or control characters"),
        (b"first\nsecond\n", "holds spaces, line breaks or control characters"),
        (b"tok\x07en", "holds spaces, line breaks or control characters"),
        (b"\xff\xfe\x00", "is not UTF-8 text"),
        (b"x" * (SECRET_LIMIT + 1), "is larger than 64 KiB"),
    ],
)
def test_a_wrong_token_file_is_refused_without_its_content(
    tmp_path: Path, content: bytes, said: str
) -> None:
    path = tmp_path / "token"
    path.write_bytes(content)
    with pytest.raises(SettingsError) as caught:
        secret_text(None, path, "ZTIX_ZEROTIER_TOKEN")
    message = str(caught.value)
    assert message.startswith(f"ZTIX_ZEROTIER_TOKEN_FILE: {path} ") and said in message
    assert "two" not in message and "second" not in message


def test_a_token_in_the_variable_is_one_word_too() -> None:
    with pytest.raises(SettingsError, match=r"^ZTIX_ZEROTIER_TOKEN holds spaces") as caught:
        secret_text(SecretStr("abc\nX-Other: 1"), None, "ZTIX_ZEROTIER_TOKEN")
    assert "Other" not in str(caught.value)
    assert secret_text(SecretStr("  abc \n"), None, "ZTIX_ZEROTIER_TOKEN") == "abc"


def test_a_fifo_is_refused_at_once_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            read_small(fifo, "ZTIX_SSH_KEY_FILE")
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=read, daemon=True)
    worker.start()
    worker.join(5)
    if worker.is_alive():  # free the blocked open before failing, so the test ends
        with open(fifo, "wb"):
            pass
        pytest.fail("reading a FIFO blocked")
    assert isinstance(outcome[0], SettingsError)
    assert (
        str(outcome[0]) == f"ZTIX_SSH_KEY_FILE: {fifo} is not a regular file; name the file itself"
    )


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_a_device_is_refused(device: str) -> None:
    with pytest.raises(SettingsError, match="is not a regular file"):
        read_small(Path(device), "ZTIX_ZEROTIER_TOKEN_FILE")


def test_a_directory_and_a_missing_file_are_named(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=f"^X_FILE: {tmp_path} is a directory"):
        read_small(tmp_path, "X_FILE")
    with pytest.raises(SettingsError, match=r"^X_FILE: cannot read .*No such file"):
        read_small(tmp_path / "nope", "X_FILE")


def test_a_private_key_file_is_read_and_a_wrong_one_refused(tmp_path: Path) -> None:
    key = tmp_path / "id_ed25519"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True, timeout=30
    )
    assert private_key(None, key, "ZTIX_SSH_KEY") is not None
    with pytest.raises(SettingsError, match=r"^ZTIX_SSH_KEY_FILE: not a usable private key"):
        private_key(None, key.with_suffix(".pub"), "ZTIX_SSH_KEY")
    with pytest.raises(SettingsError, match=r"^ZTIX_SSH_KEY_FILE: /dev/zero is not a regular"):
        private_key(None, Path("/dev/zero"), "ZTIX_SSH_KEY")


def test_a_command_given_a_fifo_token_ends_with_exit_2(tmp_path: Path) -> None:
    repo = committed_copy(tmp_path / "repo")
    fifo = tmp_path / "token"
    os.mkfifo(fifo)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZTIX_")}
    done = subprocess.run(
        [sys.executable, "-m", "ztix.cli", "zerotier", "plan", "--repo", str(repo)],
        env={**env, "ZTIX_ZEROTIER_TOKEN_FILE": str(fifo)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert (
        done.stderr
        == f"error: ZTIX_ZEROTIER_TOKEN_FILE: {fifo} is not a regular file; name the file itself\n"
    )
