"""The controller restore runbook (operator's manual, section 11.1) against the controller fake:
the same identity gives the same network id; a backup older than the files is caught up by one
apply; then `plan --live` finds nothing and a second apply writes nothing."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

from tests.apply.test_drift import NWID, check, in_sync_deployer, provider
from tests.conftest import repo_files
from tests.fakes.zerotier_controller import FakeController
from ztix.apply import zerotier as zerotier_run
from ztix.load.loader import Repository, load_files

Backup = dict[str, Any]


def backup(fake: FakeController) -> Backup:
    """What a backup of controller.d holds: every network and member record, as stored."""
    return copy.deepcopy({"networks": fake.networks, "members": fake.members})


def restore(saved: Backup, node_id: str) -> FakeController:
    """A new controller host with the old identity (so node id) and controller.d put back."""
    fake = FakeController(token="t0ken", node_id=node_id)
    fake.networks = copy.deepcopy(saved["networks"])
    fake.members = copy.deepcopy(saved["members"])
    return fake


def apply(fake: FakeController, repo: Repository) -> int:
    """One `ztix zerotier apply`; the number of write calls it made."""
    before = fake.write_calls()

    async def go() -> None:
        p = provider(fake)
        try:
            peers = [x.model for x in repo.peers]
            planned = await zerotier_run.plan(p, repo.exchange.model, peers)
            assert (await zerotier_run.apply(p, planned)).ok
        finally:
            await p.aclose()

    asyncio.run(go())
    return fake.write_calls() - before


def test_a_restored_controller_serves_the_same_network_in_sync() -> None:
    old = FakeController(token="t0ken", node_id=NWID[:10])
    try:
        apply(old, load_files(repo_files()))
        saved = backup(old)
    finally:
        old.close()  # the host is gone
    new = restore(saved, NWID[:10])
    try:
        report, lines = check(provider(new), in_sync_deployer())
        assert report.exit_code == 0, lines
        assert apply(new, load_files(repo_files())) == 0  # nothing to write
    finally:
        new.close()


def test_a_backup_older_than_the_files_is_caught_up_by_one_apply() -> None:
    old = FakeController(token="t0ken", node_id=NWID[:10])
    full = load_files(repo_files())
    leaving = sorted(p.path for p in full.peers)[-1]
    try:
        apply(old, load_files(repo_files({leaving: None})))
        saved = backup(old)  # last night's backup: before the newest member joined
        apply(old, full)
    finally:
        old.close()
    new = restore(saved, NWID[:10])
    try:
        report, lines = check(provider(new), in_sync_deployer())
        assert report.exit_code == 4 and report.drift, lines  # the newest member is missing
        assert apply(new, full) > 0
        report, lines = check(provider(new), in_sync_deployer())
        assert report.exit_code == 0, lines
        assert apply(new, full) == 0
    finally:
        new.close()
