"""The plain git forge (no API): the request is a branch, said in words, not a broken link; a
branch an admin merges by hand (merge, or squash) is no longer pending."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.gitrepo import git
from tests.portal.conftest import Portal, open_portal
from tests.portal.op import OpenIDProvider
from tests.portal.test_requests import post
from ztix.adapters.forge import PlainGitForge


@pytest.fixture
def git_portal(op: OpenIDProvider, remote: Path, tmp_path: Path) -> Iterator[Portal]:
    forge = PlainGitForge("git@git.ix.example:peering")
    with open_portal(op, remote, tmp_path, forge=forge) as running:
        running.login("alex")
        yield running


def join(portal: Portal) -> str:
    status, text = post(
        portal, "/asn/64502/request", node_id="a0000000aa", contact="noc@three.example"
    )
    assert status == 200, text
    return text


@pytest.mark.parametrize("how", ["merge", "squash"])
def test_the_change_is_named_and_a_merge_by_hand_ends_pending(
    git_portal: Portal, tmp_path: Path, how: str
) -> None:
    text = join(git_portal)
    assert 'id="change-label">branch ztix/AS64502 of git@git.ix.example:peering<' in text
    assert 'href="branch' not in text and 'href="the peering' not in text
    assert 'id="status">pending<' in git_portal.client.get("/asn/64502").text
    admin = tmp_path / "admin"
    git(tmp_path, "clone", "-q", str(git_portal.remote), str(admin))
    if how == "merge":
        git(admin, "merge", "-q", "--no-ff", "--no-edit", "origin/ztix/AS64502")
    else:
        git(admin, "merge", "-q", "--squash", "origin/ztix/AS64502")
        git(admin, "commit", "-qm", "AS64502: join (squashed)")
    git(admin, "push", "-q", "origin", "main")  # the branch is left behind, as admins do
    page = git_portal.client.get("/asn/64502").text
    assert 'id="status">approved<' in page, page
    assert "(pending change)" not in page
