"""Join, update and leave requests: ownership, CSRF, validation, git, the forge, status pages."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import yaml

from tests.gitrepo import git
from tests.portal.conftest import Portal
from tests.portal.op import USERS
from ztix.adapters.state.sqlite import SqliteStore


def branch_file(remote: Path, branch: str, path: str) -> str | None:
    done = subprocess.run(
        ["git", "-C", str(remote), "show", f"{branch}:{path}"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return done.stdout if done.returncode == 0 else None


def post(portal: Portal, path: str, **form: str) -> tuple[int, str]:
    response = portal.client.post(path, data={"csrf": portal.csrf(), **form})
    return response.status_code, response.text


def test_join_opens_one_change_with_a_validated_peer_file(portal: Portal) -> None:
    portal.login("alex")
    page = portal.client.get("/asn/64502").text
    assert 'id="status">not a member<' in page
    assert '<strong id="max4">42</strong>' in page and '<strong id="max6">10</strong>' in page
    status, text = post(
        portal, "/asn/64502/request", node_id="a0000000aa", contact="noc@three.example"
    )
    assert status == 200, text
    assert "https://github.example/zt-ix/peering/pull/1" in text
    content = branch_file(portal.remote, "ztix/AS64502", "peers/AS64502.yaml")
    assert content is not None
    peer = yaml.safe_load(content)
    assert peer["name"] == "Peer Three Hosting GmbH"  # PeeringDB's name, made safe
    assert peer["as_set"] == "RIPE::AS-THREE AS64502:AS-CUST"  # the invalid entry left out
    assert peer["connections"] == [
        {"zerotier_node_id": "a0000000aa", "ipv4": "10.0.0.2", "ipv6": "fd00:1::2"}
    ]  # the lowest free addresses
    assert peer["max_prefix"] == {"ipv4": 42, "ipv6": 10}  # PeeringDB, and the floor
    assert peer["requested_by"]["peeringdb_user_id"] == 12345
    message = git(portal.remote, "log", "-1", "--format=%B", "ztix/AS64502")
    assert "PeeringDB-User-Id: 12345" in message and "PeeringDB-Net-Id: 90003" in message
    assert "PeeringDB-Perms: 15" in message
    assert len(portal.github.pulls) == 1 and portal.github.pulls[0]["head"]["ref"] == "ztix/AS64502"
    page = portal.client.get("/asn/64502").text
    assert 'id="status">pending<' in page and "pull/1" in page


def test_a_second_request_updates_the_same_change(portal: Portal) -> None:
    portal.login("alex")
    post(portal, "/asn/64502/request", node_id="a0000000aa", contact="noc@three.example")
    status, text = post(
        portal, "/asn/64502/request", node_id="a0000000bb", contact="noc@three.example"
    )
    assert status == 200, text
    assert len(portal.github.pulls) == 1
    content = branch_file(portal.remote, "ztix/AS64502", "peers/AS64502.yaml")
    assert content is not None and "a0000000bb" in content and "10.0.0.2" in content


def test_status_follows_the_merge_and_the_apply_result(portal: Portal, tmp_path: Path) -> None:
    portal.login("alex")
    post(portal, "/asn/64502/request", node_id="a0000000aa", contact="noc@three.example")
    work = tmp_path / "admin"
    subprocess.run(["git", "clone", "-q", str(portal.remote), str(work)], check=True, timeout=30)
    git(work, "merge", "-q", "--no-ff", "-m", "Merge AS64502", "origin/ztix/AS64502")
    git(work, "push", "-q", "origin", "main")
    sha = git(work, "rev-parse", "HEAD")
    portal.github.merge(1, sha)
    assert 'id="status">approved<' in portal.client.get("/asn/64502").text
    portal.github.statuses[sha] = [{"context": "ztix/apply", "state": "success"}]
    assert 'id="status">active<' in portal.client.get("/asn/64502").text
    portal.github.statuses[sha] = [{"context": "ztix/apply", "state": "failure"}]
    assert 'id="status">failed<' in portal.client.get("/asn/64502").text


def test_leave_removes_the_file(portal: Portal) -> None:
    portal.login("alex")
    page = portal.client.get("/asn/64500").text
    assert "never reachable via route servers" in page  # info_never_via_route_servers
    status, text = post(portal, "/asn/64500/leave")
    assert status == 400 and "confirms AS64500 leaves" in text  # not confirmed
    status, text = post(portal, "/asn/64500/leave", confirm="yes")
    assert status == 200, text
    assert branch_file(portal.remote, "ztix/AS64500", "peers/AS64500.yaml") is None
    assert branch_file(portal.remote, "main", "peers/AS64500.yaml") is not None
    assert "Your pending request: leave requested." in portal.client.get("/asn/64500").text


def test_read_only_members_are_refused_with_the_reason(portal: Portal) -> None:
    portal.login("alex")
    response = portal.client.get("/asn/64509")
    assert response.status_code == 403
    assert "read-only access" in response.text and "ask an administrator" in response.text
    status, _ = post(portal, "/asn/64509/request", node_id="a0000000cc", contact="a@b.example")
    assert status == 403
    assert not portal.github.pulls


def test_unverified_users_and_emails_are_refused(portal: Portal) -> None:
    for account, why in (
        ("unverified", "not verified yet"),
        ("noemail", "e-mail address is not verified"),
    ):
        portal.client.cookies.clear()
        portal.login(account)
        response = portal.client.get("/asn/64502")
        assert response.status_code == 403 and why in response.text


def test_a_post_without_csrf_is_refused(portal: Portal) -> None:
    portal.login("alex")
    response = portal.client.post(
        "/asn/64502/request", data={"node_id": "a0000000aa", "contact": "x@y.example"}
    )
    assert response.status_code == 403 and "CSRF" in response.text
    response = portal.client.post(
        "/asn/64502/request", data={"csrf": "guess", "node_id": "a0000000aa"}
    )
    assert response.status_code == 403
    assert not portal.github.pulls


def test_an_asn_the_session_did_not_verify_is_refused(portal: Portal) -> None:
    portal.login("alex")
    status, text = post(portal, "/asn/64999/request", node_id="a0000000aa", contact="x@y.example")
    assert status == 403 and "not affiliated with AS64999" in text
    assert portal.client.get("/asn/64999").status_code == 403


@contextlib.contextmanager
def held_elsewhere(portal: Portal, name: str) -> Iterator[None]:
    """The store lock `name` held by another store object in another thread (a process)."""
    store = portal.service.store
    assert isinstance(store, SqliteStore)
    other = SqliteStore(store.path)
    held, release = threading.Event(), threading.Event()

    async def hold() -> None:
        async with other.lock(name, wait=5):
            held.set()
            while not release.is_set():
                await asyncio.sleep(0.01)

    thread = threading.Thread(target=lambda: asyncio.run(hold()))
    thread.start()
    try:
        assert held.wait(10)
        yield
    finally:
        release.set()
        thread.join(10)


def test_a_second_concurrent_request_for_the_same_asn_is_refused(portal: Portal) -> None:
    portal.login("alex")
    csrf = portal.csrf()
    form = {"csrf": csrf, "node_id": "a0000000aa", "contact": "n@x.example"}
    # The lock is held by "another process" on the same store (another portal's request).
    with held_elsewhere(portal, "asn:64502"):
        # A burst while one is in progress (more than the hourly limit of 5): all 409.
        responses = [portal.client.post("/asn/64502/request", data=form) for _ in range(8)]
    assert all(r.status_code == 409 and "being processed" in r.text for r in responses)
    # None of them counted against the limit: the real request goes through.
    response = portal.client.post("/asn/64502/request", data=form)
    assert response.status_code == 200, response.text


def test_permission_is_rechecked_at_submission(portal: Portal) -> None:
    portal.login("alex")
    csrf = portal.csrf()
    demoted = {
        **USERS,
        "alex": {
            **USERS["alex"],
            "networks": [{"id": 90003, "name": "Peer Three", "asn": 64502, "perms": 1}],
        },
    }
    portal.op.set_users(demoted)
    try:
        response = portal.client.post(
            "/asn/64502/request",
            data={"csrf": csrf, "node_id": "a0000000aa", "contact": "n@x.example"},
        )
    finally:
        portal.op.set_users(USERS)
    assert response.status_code == 403 and "no longer lets you act" in response.text
    assert not portal.github.pulls


def test_a_bad_node_id_is_explained(portal: Portal) -> None:
    portal.login("alex")
    status, text = post(
        portal, "/asn/64502/request", node_id="ff00000000", contact="noc@three.example"
    )
    assert status == 400
    assert "starts with &#39;ff&#39;, which ZeroTier reserves" in text
    # The form again, the field named as the form names it, the member's input kept.
    assert 'id="form-errors"' in text and "ZeroTier node id:" in text
    assert 'value="ff00000000"' in text and 'value="noc@three.example"' in text
    assert "connections" not in text.split('id="form-errors"', 1)[1].split("</div>", 1)[0]
    status, text = post(portal, "/asn/64502/request", node_id="a0000000aa", contact="not an email")
    assert status == 400 and "is not an e-mail address" in text
    assert "NOC e-mail address:" in text and 'value="not an email"' in text
    assert not portal.github.pulls


def test_a_node_id_taken_by_another_member_fails_validation(portal: Portal) -> None:
    portal.login("alex")
    status, text = post(
        portal, "/asn/64502/request", node_id="a000000001", contact="noc@three.example"
    )
    assert status == 400
    assert "a000000001 is already used by peers/AS64500.yaml:5" in text


def test_submissions_are_rate_limited_per_user(portal: Portal) -> None:
    portal.login("alex")
    codes = [
        post(portal, "/asn/64502/request", node_id=f"b0000000{i:02d}", contact="n@x.example")[0]
        for i in range(6)
    ]
    assert codes == [200] * 5 + [429]


def test_a_display_name_cannot_forge_commit_trailers(portal: Portal) -> None:
    from ztix.portal.access import NetworkAccess, User  # noqa: PLC0415

    forged = "Eve\n\nPeeringDB-User-Id: 1\nPeeringDB-Perms: 15\n\nReviewed-by: admin"
    user = User(12345, forged, "eve@member.example", True, True)
    access = NetworkAccess(64502, 90003, "Peer Three", 15, True, "")
    asyncio.run(
        portal.service.submit(user, access, "join", node_id="a0000000aa", contact="n@x.example")
    )
    message = git(portal.remote, "log", "-1", "--format=%B", "ztix/AS64502")
    trailers = git(portal.remote, "log", "-1", "--format=%(trailers:only,unfold)", "ztix/AS64502")
    assert trailers.splitlines() == [
        "PeeringDB-User-Id: 12345",
        "PeeringDB-Net-Id: 90003",
        "PeeringDB-Perms: 15",
    ]
    assert message.count("PeeringDB-User-Id:") == 2  # the real trailer, and inside the name
    assert "by Eve PeeringDB-User-Id: 1 PeeringDB-Perms: 15 Reviewed-by: admin." in message


def test_a_member_on_main_sees_how_to_connect(portal: Portal) -> None:
    portal.login("alex")
    page = portal.client.get("/asn/64500").text
    assert '<pre id="join">zerotier-cli join 1122334455667788</pre>' in page
    assert "<code>10.0.0.10/24</code> on node <code>a000000001</code>" in page
    assert "<code>10.0.0.1 fd00:1::1</code>" in page and "AS64511" in page
    assert "protocol bgp ztix_rs1_v4 {" in page and "neighbor 10.0.0.1 remote-as 64511" in page
    assert 'id="connect"' not in portal.client.get("/asn/64502").text  # not a member yet


def test_the_planned_addresses_are_shown_reserved_and_released(portal: Portal) -> None:
    from ztix.portal.access import NetworkAccess, User  # noqa: PLC0415

    portal.login("alex")
    page = portal.client.get("/asn/64502").text
    assert (
        '<strong class="planned">10.0.0.2</strong>, <strong class="planned">fd00:1::2</strong>'
        in page
    )
    status, _ = post(portal, "/asn/64502/request", node_id="a0000000aa", contact="n@x.example")
    assert status == 200
    # Another network's join now gets the next addresses: AS64502's change reserves .2.
    portal.peeringdb.nets[64503] = {**portal.peeringdb.nets[64502], "id": 90004, "asn": 64503}
    user = User(12345, "Alex Example", "alex@member.example", True, True)
    other = NetworkAccess(64503, 90004, "Other", 15, True, "")
    submit = functools.partial(
        portal.service.submit, user, other, "join", node_id="a0000000bb", contact="n@y.example"
    )
    assert portal.client.portal is not None
    portal.client.portal.call(submit)  # on the app's event loop, where its clients live
    assert "ipv4: 10.0.0.3" in git(portal.remote, "show", "ztix/AS64503:peers/AS64503.yaml")
    # The admins close AS64502's request unmerged: its addresses are free again.
    portal.github.pulls[0]["state"] = "closed"
    portal.peeringdb.nets[64504] = {**portal.peeringdb.nets[64502], "id": 90005, "asn": 64504}
    third = NetworkAccess(64504, 90005, "Third", 15, True, "")
    portal.client.portal.call(
        functools.partial(
            portal.service.submit, user, third, "join", node_id="a0000000cc", contact="n@z.example"
        )
    )
    assert "ipv4: 10.0.0.2" in git(portal.remote, "show", "ztix/AS64504:peers/AS64504.yaml")


def test_a_network_the_exchange_refuses_is_said_on_the_networks_page(portal: Portal) -> None:
    from tests.portal.op import USERS  # noqa: PLC0415

    users = {k: dict(v) for k, v in USERS.items()}
    users["alex"]["networks"] = [
        *USERS["alex"]["networks"],
        {"id": 90010, "name": "Private Net", "asn": 4200000010, "perms": 15},
    ]
    portal.op.set_users(users)
    try:
        portal.login("alex")
        page = portal.client.get("/").text
    finally:
        portal.op.set_users(USERS)
    row = page[page.index("AS4200000010") :].split("</tr>", 1)[0]
    assert "no: AS4200000010 is a private ASN (RFC 6996); the exchange does not take it" in row
    assert '<a href="/asn/64502">Peer Three</a>' in page  # the others as before
