"""What keeps the portal honest over time (issue 20), in-process: a pending request replaced only
when confirmed, withdrawn by its member; names shown to admins without invisible characters;
every refusal in the audit trail; per-address throttles; readiness; admission; nothing in the
state store in clear."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.gitrepo import git
from tests.portal.conftest import Portal
from tests.portal.op import USERS
from tests.portal.test_requests import branch_file, post


def entries(tmp_path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]


def test_a_pending_leave_is_replaced_only_when_confirmed(portal: Portal) -> None:
    portal.login("alex")
    assert post(portal, "/asn/64500/leave", confirm="yes")[0] == 200
    page = portal.client.get("/asn/64500").text
    assert 'id="replace"' in page and "Withdraw the pending request" in page
    status, text = post(portal, "/asn/64500/request", node_id="a000000001", contact="n@one.example")
    assert status == 400 and "pending request to leave" in text and "Confirm" in text
    assert branch_file(portal.remote, "ztix/AS64500", "peers/AS64500.yaml") is None  # unchanged
    status, text = post(
        portal, "/asn/64500/request", node_id="a000000001", contact="n@one.example", replace="yes"
    )
    assert status == 200, text
    assert branch_file(portal.remote, "ztix/AS64500", "peers/AS64500.yaml") is not None
    # and back: replacing the pending update with a leave needs the same confirmation
    status, text = post(portal, "/asn/64500/leave", confirm="yes")
    assert status == 409 and "pending request to update" in text
    assert post(portal, "/asn/64500/leave", confirm="yes", replace="yes")[0] == 200


def test_a_member_withdraws_a_pending_join(portal: Portal, tmp_path: Path) -> None:
    portal.login("alex")
    assert post(portal, "/asn/64502/request", node_id="a0000000aa", contact="n@x.example")[0] == 200
    planned = branch_file(portal.remote, "ztix/AS64502", "peers/AS64502.yaml")
    assert planned is not None
    status, text = post(portal, "/asn/64502/withdraw")
    assert status == 400 and "confirms the withdrawal" in text
    status, text = post(portal, "/asn/64502/withdraw", confirm="yes")
    assert status == 200 and 'id="withdrawn"' in text
    assert portal.github.pulls[0]["state"] == "closed"
    assert "ztix/AS64502" not in git(portal.remote, "branch")
    page = portal.client.get("/asn/64502").text
    assert 'id="status">rejected<' not in page or "Request to join" in page
    status, text = post(portal, "/asn/64502/withdraw", confirm="yes")
    assert status == 400 and "no pending request" in text
    outcomes = [e["outcome"] for e in entries(tmp_path) if e["event"] == "request"]
    assert "withdrawn" in outcomes


def test_the_pending_page_says_what_is_pending(portal: Portal) -> None:
    portal.login("alex")
    assert post(portal, "/asn/64502/request", node_id="a0000000aa", contact="n@x.example")[0] == 200
    page = portal.client.get("/asn/64502").text
    assert 'id="status">pending<' in page
    assert "Your pending request: join requested." in page
    assert "(pending change)" not in page and ">Request to join<" not in page
    assert "Change your pending request" in page and "Replace the pending request" in page


def test_names_shown_to_admins_have_nothing_invisible(portal: Portal) -> None:
    tricky = {**USERS["alex"], "name": "Alex \u202eelpmaxE\u202c\u200b Example\nSigned-off-by: x"}
    portal.op.set_users({**USERS, "alex": tricky})
    try:
        portal.login("alex")
        assert (
            post(portal, "/asn/64502/request", node_id="a0000000aa", contact="n@x.example")[0]
            == 200
        )
    finally:
        portal.op.set_users(USERS)
    message = git(portal.remote, "log", "-1", "--format=%B", "ztix/AS64502")
    assert "\u202e" not in message and "\u200b" not in message
    assert "Alex <U+202E>elpmaxE<U+202C><U+200B> Example Signed-off-by: x" in message
    assert "\nSigned-off-by" not in message
    assert "\u202e" not in portal.github.pulls[0]["body"]


def test_refusals_logouts_and_looking_glass_reads_are_audited(
    portal: Portal, tmp_path: Path
) -> None:
    portal.login("alex")
    portal.client.get("/asn/64509")  # read-only at PeeringDB: denied
    portal.client.get("/asn/64999")  # not affiliated: denied
    portal.client.post("/asn/64502/request", data={"csrf": "forged", "node_id": "a0000000aa"})
    portal.client.get("/asn/64500/looking-glass")  # no reader here: refused, but read
    csrf = portal.csrf()
    portal.client.post("/logout", data={"csrf": csrf})
    log = entries(tmp_path)
    denied = {e["asn"]: str(e["reason"]) for e in log if e["event"] == "access"}
    assert denied[64509].startswith("you have read-only access to this network at PeeringDB")
    assert denied[64999] == "not affiliated"
    assert any(e["event"] == "csrf" and e["user_id"] == 12345 for e in log)
    assert any(e["event"] == "looking-glass" and e["asn"] == 64500 for e in log)
    assert any(e["event"] == "logout" and e["user_id"] == 12345 for e in log)


def test_logins_are_throttled_per_address(portal: Portal, tmp_path: Path) -> None:
    limit = portal.service.settings.logins_per_minute
    statuses = [
        portal.client.get("/login", follow_redirects=False).status_code for _ in range(limit)
    ]
    assert all(s in (302, 303, 307) for s in statuses)
    refused = portal.client.get("/login", follow_redirects=False)
    assert refused.status_code == 429 and "wait a minute" in refused.text
    assert any(e["event"] == "rate-limit" and e["kind"] == "login" for e in entries(tmp_path))


def test_readiness_needs_the_store_and_the_git_remote(portal: Portal) -> None:
    ready = portal.client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"ok": True, "problems": []}
    moved = portal.remote.with_name("moved.git")
    shutil.move(portal.remote, moved)
    try:
        gone = portal.client.get("/readyz")
    finally:
        shutil.move(moved, portal.remote)
    assert gone.status_code == 503
    assert [p.split(":")[0] for p in gone.json()["problems"]] == ["git remote"]
    assert portal.client.get("/healthz").status_code == 200  # alive all the same


def test_the_state_store_holds_nothing_in_clear(portal: Portal, tmp_path: Path) -> None:
    portal.login("alex")
    store = tmp_path / "state.sqlite3"
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("state.sqlite3*") if p.is_file())
    assert store.exists() and raw
    sid_cookie = portal.client.cookies.get("ztix_session")
    assert sid_cookie
    for clear in (b"Alex Example", b"alex@member.example", b"access_token", b"Peer Three"):
        assert clear not in raw, clear


def test_admission_rules_are_said_before_the_form(op: object, remote: Path, tmp_path: Path) -> None:
    from tests.portal.conftest import open_portal  # noqa: PLC0415

    work = tmp_path / "edit"
    git(tmp_path, "clone", "-q", str(remote), str(work))
    ix = work / "ix.yaml"
    ix.write_text(
        ix.read_text()
        + 'admission:\n  allowed: [64500, 64501, "64502-64510"]\n  refused: [64509]\n'
        "  peeringdb_policy_general: [Open, Selective]\n"
    )
    git(work, "commit", "-qam", "admission")
    git(work, "push", "-q", "origin", "main")
    with open_portal(op, remote, tmp_path) as portal:  # type: ignore[arg-type]
        portal.peeringdb.nets[64502]["policy_general"] = "Restrictive"
        portal.login("alex")
        page = portal.client.get("/asn/64502").text
        assert 'id="refusal"' in page and "Restrictive" in page and 'id="submit"' not in page
        status, text = post(portal, "/asn/64502/request", node_id="a0000000aa", contact="n@x.e")
        assert status == 400 and "general peering policy" in text
        portal.peeringdb.nets[64502]["policy_general"] = "Open"
        portal.service.peeringdb._cache.clear()  # type: ignore[attr-defined]
        status, text = post(
            portal, "/asn/64502/request", node_id="a0000000aa", contact="n@three.example"
        )
        assert status == 200, text
