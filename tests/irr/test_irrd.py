"""`ztix irr refresh` against a real IRRd 4.5 (own PostgreSQL and Redis) with the real bgpq4:
nested and looping AS-SETs, two sources with the same set name, source-qualified names,
more-specific route objects, a registration change, and IRRd going away."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.birdtools import require
from tests.cli import ztix
from tests.conftest import write_repo
from tests.gitrepo import bare_remote, git
from tests.irr.fixtures import irr_repo
from tests.irr.irrd import Irrd
from tests.portal.fakes import FakeGitHub
from ztix.cli import main
from ztix.load.loader import load

pytestmark = pytest.mark.lab


def obj(kind: str, key: str, source: str, **attrs: str) -> str:
    lines = [f"{kind}: {key}", *(f"{k.replace('_', '-')}: {v}" for k, v in attrs.items())]
    return "\n".join([*lines, "mnt-by: MNT-LAB", f"source: {source}"]) + "\n\n"


LABA = (
    obj("as-set", "AS-ONE", "LABA", members="AS64500, AS-ONE-CUST")
    + obj("as-set", "AS-ONE-CUST", "LABA", members="AS64510, AS-ONE")  # loops back
    + obj("as-set", "AS64500:AS-HIER", "LABA", members="AS64510")
    + obj("as-set", "AS-EMPTY", "LABA")
    + obj("route", "5.5.0.0/16", "LABA", origin="AS64500")
    + obj("route", "5.5.5.0/24", "LABA", origin="AS64500")  # a more-specific object
    + obj("route6", "2a0b:1::/32", "LABA", origin="AS64500")
    + obj("route", "23.20.0.0/24", "LABA", origin="AS64510")
)
LABB = (
    obj("as-set", "AS-ONE", "LABB", members="AS64999")  # same name, later source: not used
    + obj("as-set", "AS-TWO", "LABB", members="AS64501")
    + obj("route", "23.7.7.0/24", "LABB", origin="AS64501")
    + obj("route", "6.6.0.0/16", "LABB", origin="AS64999")
)


@pytest.fixture(scope="module")
def irrd() -> Iterator[Irrd]:
    require("bgpq4")
    server = Irrd({"LABA": LABA, "LABB": LABB})
    try:
        yield server
    finally:
        server.stop()


def exchange(tmp_path: Path, irrd: Irrd, one: str, two: str) -> Path:
    files = irr_repo(data={}, port=irrd.whois_port)
    files["peers/AS64500.yaml"] = files["peers/AS64500.yaml"].replace(
        "max_prefix:", f"as_set: {one}\nmax_prefix:"
    )
    files["peers/AS64501.yaml"] += f"as_set: {two}\n"
    return write_repo(tmp_path, files)


def test_refresh_expands_what_the_irr_registers(
    tmp_path: Path, irrd: Irrd, capsys: pytest.CaptureFixture[str]
) -> None:
    root = exchange(tmp_path, irrd, "AS-ONE AS64500:AS-HIER", "LABB::AS-TWO")
    assert main(["irr", "refresh", "--repo", str(root)]) == 0
    data = load(root).irr_data()
    one = data[64500]
    assert one.expanded == ("AS-ONE", "AS64500:AS-HIER")
    assert one.origins == ("64500", "64510")  # LABA's AS-ONE: the loop ends, LABB's is unused
    assert one.ipv4 == ("5.5.0.0/16", "5.5.5.0/24", "23.20.0.0/24")
    assert one.ipv6 == ("2a0b:1::/32",)
    assert data[64501].origins == ("64501",) and data[64501].ipv4 == ("23.7.7.0/24",)
    assert "irr refresh: 2 new" in capsys.readouterr().out
    # The rendered config carries exactly these sets, and the second run writes nothing.
    assert main(["render", "--repo", str(root), "--out", str(tmp_path / "out")]) == 0
    config = (tmp_path / "out" / "rs1" / "bird.conf").read_text()
    assert "define IRR_AS64500_V4 = [\n  5.5.0.0/16{16,24},\n  5.5.5.0/24,\n" in config
    before = (root / "irr" / "AS64500.yaml").read_bytes()
    assert main(["irr", "refresh", "--repo", str(root)]) == 0
    assert "irr refresh: 2 unchanged" in capsys.readouterr().out
    assert (root / "irr" / "AS64500.yaml").read_bytes() == before


def test_a_registration_change_then_an_unknown_set_then_irrd_gone(
    tmp_path: Path, irrd: Irrd, capsys: pytest.CaptureFixture[str]
) -> None:
    root = exchange(tmp_path, irrd, "AS-ONE", "AS-TWO")
    assert main(["irr", "refresh", "--repo", str(root)]) == 0
    irrd.load("LABB", LABB + obj("route", "23.7.8.0/24", "LABB", origin="AS64501"))
    irrd.wait_loaded()
    try:
        assert main(["irr", "refresh", "--repo", str(root)]) == 0
        out = capsys.readouterr().out
        assert "updated   AS64501: ipv4 +1/-0" in out and "unchanged AS64500" in out
        assert load(root).irr_data()[64501].ipv4 == ("23.7.7.0/24", "23.7.8.0/24")
        # A member names a set the IRR does not have: a failure, its data kept.
        peer = root / "peers" / "AS64501.yaml"
        peer.write_text(peer.read_text().replace("as_set: AS-TWO", "as_set: AS-GONE"))
        (root / "irr" / "AS64501.yaml").unlink()  # as a fresh member would have
        assert main(["irr", "refresh", "--repo", str(root)]) == 3
        out = capsys.readouterr().out
        assert "failed    AS64501: AS-GONE exists in none of the sources LABA, LABB" in out
        assert not (root / "irr" / "AS64501.yaml").exists()  # never an empty list
    finally:
        irrd.load("LABB", LABB)
        irrd.wait_loaded()


def test_the_scheduled_job_proposes_the_refresh_from_the_real_irr(
    tmp_path: Path, irrd: Irrd
) -> None:
    """What the pipeline's irr-refresh job runs, as a process in another directory."""
    root = exchange(tmp_path, irrd, "AS-ONE", "LABB::AS-TWO")
    remote = bare_remote(tmp_path / "remote", root)[1]
    github = FakeGitHub()
    try:
        env = {
            "ZTIX_REPO_URL": str(remote),
            "ZTIX_FORGE": "github",
            "ZTIX_FORGE_API_URL": github.url,
            "ZTIX_FORGE_TOKEN": github.token,
            "ZTIX_FORGE_PROJECT": github.project,
        }
        done = ztix("irr", "refresh", "--propose", env=env, cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "irr refresh: 2 new" in done.stdout and "2 files pushed" in done.stdout
        (pull,) = github.pulls
        assert "5.5.5.0/24" in pull["body"] and "23.7.7.0/24" in pull["body"]
        text = git(remote, "show", "ztix/irr-refresh:irr/AS64500.yaml")
        assert "  5.5.5.0/24\n" in text and "  64510\n" in text
        again = ztix("irr", "refresh", "--propose", env=env, cwd=tmp_path)
        assert again.returncode == 0 and "nothing pushed" in again.stdout
        assert len(github.pulls) == 1
    finally:
        github.close()


def test_an_irrd_that_is_gone_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require("bgpq4")
    server = Irrd({"LABA": LABA, "LABB": LABB})
    try:
        root = exchange(tmp_path, server, "AS-ONE", "AS-TWO")
        assert main(["irr", "refresh", "--repo", str(root)]) == 0
        files = {p: p.read_bytes() for p in (root / "irr").iterdir()}
    finally:
        server.stop()
    assert main(["irr", "refresh", "--repo", str(root)]) == 3
    out = capsys.readouterr().out
    assert out.count("(previous data kept)") == 2
    assert {p: p.read_bytes() for p in (root / "irr").iterdir()} == files
