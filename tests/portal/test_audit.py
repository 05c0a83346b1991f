"""The audit trail: every login (success and each kind of failure) and every request submitted
or refused, as JSON lines with user id, ASN, source and outcome; never a code, token or secret."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.portal.conftest import BASE, CLIENT_SECRET, Portal, query, resign
from tests.portal.test_requests import post
from ztix.errors import SettingsError
from ztix.portal.audit import AuditLog


def entries(tmp_path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]


def test_logins_and_requests_are_recorded_without_secrets(portal: Portal, tmp_path: Path) -> None:
    # A stale login page, a token for another client, then a real login.
    stale = portal.authorize("alex")
    forged = stale.replace(f"state={query(stale)['state']}", "state=forged")
    portal.client.get(forged.removeprefix(BASE))
    portal.tamper.rewrite = lambda token: resign(portal.op.key, token, aud="another-client")
    portal.client.get(portal.authorize("alex").removeprefix(BASE))
    portal.tamper.rewrite = None
    callback = portal.authorize("alex")
    assert portal.client.get(callback.removeprefix(BASE), follow_redirects=False).status_code == 303
    # A request refused (a bad node id), then one sent.
    post(portal, "/asn/64502/request", node_id="nothex", contact="noc@three.example")
    status, _ = post(
        portal, "/asn/64502/request", node_id="a0000000aa", contact="noc@three.example"
    )
    assert status == 200

    log = entries(tmp_path)
    logins = [(e["outcome"], e.get("reason")) for e in log if e["event"] == "login"]
    assert logins[0] == ("failed", "state")
    assert logins[1][0] == "failed" and "token" in str(logins[1][1])
    assert logins[2] == ("ok", None)
    ok = next(e for e in log if e["event"] == "login" and e["outcome"] == "ok")
    assert ok["user_id"] == 12345 and ok["source"] == "testclient"
    requests = [e for e in log if e["event"] == "request"]
    assert [r["outcome"] for r in requests] == ["refused", "submitted"]
    assert all(r["asn"] == 64502 and r["user_id"] == 12345 for r in requests)
    assert "pull/1" in str(requests[1]["change"])
    text = (tmp_path / "audit.jsonl").read_text()
    for secret in (
        query(callback)["code"],
        query(stale)["code"],
        CLIENT_SECRET,
        "gh-token",
        "s" * 40,
    ):
        assert secret not in text
    assert "access_token" not in text and "id_token" not in text


@pytest.mark.parametrize(
    ("make", "said"),
    [
        ("dir", "ZTIX_PORTAL_AUDIT_LOG: cannot append to {p}: Is a directory"),
        ("missing-parent", "ZTIX_PORTAL_AUDIT_LOG: cannot append to {p}: No such file"),
        ("fifo", "ZTIX_PORTAL_AUDIT_LOG: cannot append to {p}: No such device or address"),
        ("device", "ZTIX_PORTAL_AUDIT_LOG: {p} is not a regular file"),
    ],
)
def test_an_audit_trail_that_cannot_be_appended_to_stops_the_start(
    tmp_path: Path, make: str, said: str
) -> None:
    path = tmp_path / "audit"
    if make == "dir":
        path.mkdir()
    elif make == "missing-parent":
        path = tmp_path / "no" / "audit.jsonl"
    elif make == "fifo":
        os.mkfifo(path)  # no reader: appending would block every login
    else:
        path = Path("/dev/null")
    with pytest.raises(SettingsError) as caught:
        AuditLog(path).check()
    assert str(caught.value).startswith(said.format(p=path))


def test_a_new_audit_trail_is_created_and_appended_to(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    AuditLog(path).check()
    assert path.read_text() == ""
    AuditLog(path).record("login", "ok", user_id=1)
    AuditLog(path).check()
    assert [json.loads(line)["event"] for line in path.read_text().splitlines()] == ["login"]
