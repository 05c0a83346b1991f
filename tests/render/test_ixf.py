"""The IX-F member export: valid against the official Euro-IX schema 1.0 (with format checks),
pinned by a golden file, the same bytes for the same commit, active members only."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import jsonschema
import pytest
from pytest_regressions.file_regression import FileRegressionFixture

from tests.cli import ztix
from tests.conftest import repo_files, write_repo
from tests.gitrepo import committed_copy, git
from tests.paths import DATA
from ztix.cli import main

SCHEMA = json.loads((DATA / "ixf" / "ixp-member-list-1.0.schema.json").read_text())
IXF = """\
ixf:
  ixf_id: 999
  peeringdb_id: 4242
  country: DE
  website: https://ix.example.net/
  support_email: noc@ix.example.net
  support_phone: "+49 30 1234567"
  support_contact_hours: 24/7
"""


def exchange(
    tmp_path: Path, extra: str = IXF, edits: tuple[tuple[str, str, str], ...] = ()
) -> Path:
    files = repo_files(edits=edits)
    files["ix.yaml"] += extra
    files["peers/AS64501.yaml"] += "as_set: AS-TWO RIPE::AS-TWO-V6\n"
    return committed_copy(tmp_path / "repo", write_repo(tmp_path / "src", files))


def validate(document: object) -> None:
    checker = jsonschema.Draft4Validator.FORMAT_CHECKER
    jsonschema.Draft4Validator(SCHEMA, format_checker=checker).validate(document)


def test_the_export_is_valid_and_pinned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], file_regression: FileRegressionFixture
) -> None:
    root = exchange(tmp_path)
    assert (
        main(["export", "ixf", "--repo", str(root), "--timestamp", "2026-12-01T10:00:00+01:00"])
        == 0
    )
    text = capsys.readouterr().out
    document = json.loads(text)
    validate(document)
    assert document["timestamp"] == "2026-12-01T09:00:00Z"
    file_regression.check(text, basename="ixf_export", extension=".json")


def test_the_schema_check_can_fail() -> None:
    with pytest.raises(jsonschema.ValidationError):
        validate(
            {"version": "1.0", "timestamp": "x", "ixp_list": [{"ixp_id": 1}], "member_list": []}
        )
    with pytest.raises(jsonschema.ValidationError):  # a format the checker does test
        validate(
            {
                "version": "1.0",
                "timestamp": "2026-12-01T00:00:00Z",
                "ixp_list": [{"ixp_id": 1, "ixf_id": 1, "shortname": "X"}],
                "member_list": [
                    {
                        "asnum": 64500,
                        "connection_list": [
                            {"ixp_id": 1, "vlan_list": [{"ipv4": {"address": "10.0.0.300"}}]}
                        ],
                    }
                ],
            }
        )


def test_the_same_commit_gives_the_same_bytes_from_the_installed_command(tmp_path: Path) -> None:
    root = exchange(tmp_path)
    first = ztix("export", "ixf", cwd=root)
    second = ztix("export", "ixf", "--repo", str(root), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    stamp = json.loads(first.stdout)["timestamp"]
    committed = int(git(root, "log", "-1", "--format=%ct"))
    assert stamp == datetime.datetime.fromtimestamp(committed, datetime.UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    validate(json.loads(first.stdout))


def test_suspended_members_are_left_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = exchange(
        tmp_path, edits=(("peers/AS64501.yaml", "asn: 64501\n", "asn: 64501\nstate: suspended\n"),)
    )
    assert main(["export", "ixf", "--repo", str(root)]) == 0
    members = json.loads(capsys.readouterr().out)["member_list"]
    assert [m["asnum"] for m in members] == [64500]


def test_without_an_ixf_id_it_says_what_to_set(tmp_path: Path) -> None:
    root = exchange(tmp_path, extra="")
    done = ztix("export", "ixf", "--repo", str(root))
    assert done.returncode == 2 and "ixf.ixf_id is not set" in done.stderr
    assert done.stdout == ""


def test_a_bad_timestamp_and_no_git_are_settings_errors(tmp_path: Path) -> None:
    root = exchange(tmp_path)
    done = ztix("export", "ixf", "--repo", str(root), "--timestamp", "yesterday")
    assert done.returncode == 2 and "not an RFC 3339 time" in done.stderr
    plain = write_repo(
        tmp_path / "plain", {**repo_files(), "ix.yaml": repo_files()["ix.yaml"] + IXF}
    )
    done = ztix("export", "ixf", "--repo", str(plain))
    assert done.returncode == 2 and "give --timestamp" in done.stderr


def test_the_portal_serves_main_s_export_without_login(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient  # noqa: PLC0415

    from tests.gitrepo import bare_remote  # noqa: PLC0415
    from ztix.adapters.forge import PlainGitForge  # noqa: PLC0415
    from ztix.adapters.git import GitWorkspace  # noqa: PLC0415
    from ztix.adapters.peeringdb import PeeringDBClient  # noqa: PLC0415
    from ztix.adapters.state.sqlite import SqliteStore  # noqa: PLC0415
    from ztix.portal.app import create_app  # noqa: PLC0415
    from ztix.portal.service import PortalService  # noqa: PLC0415
    from ztix.portal.settings import PortalSettings  # noqa: PLC0415

    files = repo_files()
    files["ix.yaml"] += IXF
    remote = bare_remote(tmp_path, write_repo(tmp_path / "src", files))[1]
    settings = PortalSettings(
        base_url="http://localhost",
        issuer="http://127.0.0.1:9",
        client_id="c",
        client_secret="s",
        session_secret="s" * 40,
        cookie_secure=False,
        repo_url=str(remote),
        workdir=tmp_path / "checkout",
    )
    workspace = GitWorkspace(str(remote), tmp_path / "checkout")
    service = PortalService(
        settings,
        workspace,
        PlainGitForge("x"),
        PeeringDBClient("http://127.0.0.1:9", None),
        store=SqliteStore(tmp_path / "state.sqlite3"),
    )
    with TestClient(create_app(settings, service=service), base_url="http://localhost") as client:
        response = client.get("/participants.json")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    document = response.json()
    validate(document)
    committed = int(git(remote, "log", "-1", "--format=%ct", "main"))
    assert document["timestamp"] == datetime.datetime.fromtimestamp(
        committed, datetime.UTC
    ).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert [m["asnum"] for m in document["member_list"]] == [64500, 64501]


@pytest.mark.parametrize(
    ("given", "stated"),
    [
        ("2026-12-01T06:00:00Z", "2026-12-01T06:00:00Z"),
        ("2026-12-01t06:00:00z", "2026-12-01T06:00:00Z"),  # RFC 3339 5.6: either case
        ("2026-12-01 06:00:00+01:00", "2026-12-01T05:00:00Z"),  # and a space for the T
        ("2026-12-01T06:00:00.999999999-00:30", "2026-12-01T06:30:00Z"),
    ],
)
def test_an_rfc3339_timestamp_is_stated_in_utc(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], given: str, stated: str
) -> None:
    root = exchange(tmp_path)
    assert main(["export", "ixf", "--repo", str(root), "--timestamp", given]) == 0
    assert json.loads(capsys.readouterr().out)["timestamp"] == stated


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("20261201T060000Z", "not an RFC 3339 time"),  # ISO 8601 basic form
        ("2026-W49-1T06:00Z", "not an RFC 3339 time"),  # a week date
        ("2026-12-01T06Z", "not an RFC 3339 time"),
        ("2026-12-01T06:00:00+0100", "not an RFC 3339 time"),
        ("2026-12-01T06:00:00", "give the zone"),
        ("2026-02-30T06:00:00Z", "not a real time (2026-02-30T06:00:00+00:00)"),
        ("2026-12-01T06:00:00+24:00", "not a real time (2026-12-01T06:00:00+24:00)"),
        ("0001-01-01T00:00:00+01:00", "out of the range of UTC times"),
        ("2026-12-01T06:00:00Z" + "0" * 5000, "not an RFC 3339 time"),
    ],
)
def test_other_timestamps_are_refused_naming_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], given: str, said: str
) -> None:
    root = exchange(tmp_path)
    assert main(["export", "ixf", "--repo", str(root), "--timestamp", given]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --timestamp ") and said in err and len(err) < 300
