"""The README's tables say what the code does (they are what members and operators read)."""

from __future__ import annotations

import re

from tests.paths import ROOT
from ztix.bird.reasons import REJECT_REASONS
from ztix.models import TRANSIT_FREE_ASNS

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_reject_reason_is_in_the_readme_table_once() -> None:
    section = README.split("## Route-server policy", 1)[1].split("\n### ", 1)[0]
    rows = re.findall(r"^\| (\d+) \| (.+) \|$", section, flags=re.M)
    assert [int(code) for code, _ in rows] == [code for code, _, _ in REJECT_REASONS]


def test_the_documented_transit_free_list_is_the_default() -> None:
    listed = re.search(r"default ((?:\d+, )+\d+)\) in the path", README)
    assert listed is not None
    assert tuple(int(a) for a in listed.group(1).split(", ")) == TRANSIT_FREE_ASNS
