"""Safe by default (issue 19): every exchange decides about IRR filtering, the sentinel stays in
documentation space, blackholes need registered space, and what the settings let through is
said by validate, plan and apply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import repo_files
from tests.gitrepo import committed_copy
from ztix.cli import main
from ztix.errors import ValidationFailed
from ztix.load.loader import load_files
from ztix.plan.safety import safety_notes

OFF = "irr:\n  enabled: false\n  reason: the test fixture's members have no IRR registrations\n"
ON = "irr:\n  servers:\n    - host: rr.example.net\n  sources: [RIPE]\n"


def problems(*edits: tuple[str, str, str]) -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        load_files(repo_files(edits=edits))
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("replacement", "expected"),
    [
        (
            "",
            "ix.yaml:1:1: irr: required key is missing (hint: IRR filtering, a decision every "
            "exchange makes: servers and sources to filter members by their registrations (irr/ "
            "files), or enabled: false with a reason)",
        ),
        (
            "irr:\n  enabled: false\n",
            "ix.yaml:30:1: irr: say why IRR filtering is off: enabled: false needs a reason",
        ),
        (
            "irr:\n  sources: [RIPE]\n",
            "ix.yaml:30:1: irr: IRR filtering needs servers (or enabled: false with a reason, to "
            "check member routes by RPKI only)",
        ),
        (
            "irr:\n  enabled: true\n  reason: why not\n  servers:\n    - host: rr.example.net\n"
            "  sources: [RIPE]\n",
            "ix.yaml:30:1: irr: reason is for enabled: false; IRR filtering is on here",
        ),
    ],
    ids=["missing", "off-without-reason", "on-without-servers", "on-with-reason"],
)
def test_the_irr_decision_is_required(replacement: str, expected: str) -> None:
    assert problems(("ix.yaml", OFF, replacement)) == [expected]


@pytest.mark.parametrize(
    ("sentinel", "expected"),
    [
        ("ipv4: 0.0.0.0/0", "rpki.sentinel.ipv4: 0.0.0.0/0 is not documentation space"),
        ("ipv4: 193.0.0.0/16", "rpki.sentinel.ipv4: 193.0.0.0/16 is not documentation space"),
        ("ipv4: 192.0.0.0/16", "rpki.sentinel.ipv4: 192.0.0.0/16 is not documentation space"),
        ("ipv6: 2001::/16", "rpki.sentinel.ipv6: 2001::/16 is not documentation space"),
        ("ipv6: 2001:db8::/31", "rpki.sentinel.ipv6: 2001:db8::/31 is not documentation space"),
    ],
)
def test_the_sentinel_must_be_documentation_space(sentinel: str, expected: str) -> None:
    found = problems(
        ("ix.yaml", "      port: 8323\n", f"      port: 8323\n  sentinel:\n    {sentinel}\n")
    )
    assert len(found) == 1 and found[0].startswith("ix.yaml:27:5:") and expected in found[0], found


@pytest.mark.parametrize(
    "sentinel", ["ipv4: 198.51.100.0/24", "ipv4: 203.0.113.128/25", "ipv6: 2001:db8:ff::/48"]
)
def test_any_documentation_prefix_is_a_sentinel(sentinel: str) -> None:
    edit = ("ix.yaml", "      port: 8323\n", f"      port: 8323\n  sentinel:\n    {sentinel}\n")
    load_files(repo_files(edits=(edit,)))


def test_blackholes_are_propagated_only_with_registered_space_to_check() -> None:
    propagate = (
        "ix.yaml",
        "policy:\n",
        "policy:\n  blackhole: propagate\n  blackhole_next_hop:\n    ipv4: 10.0.0.66\n",
    )
    assert problems(propagate) == [
        "ix.yaml:27:3: policy.blackhole: propagate needs IRR filtering: a BLACKHOLE passes only "
        "for space the member registered (RPKI alone cannot tell its /32 from a hijack: both are "
        "invalid) (hint: turn IRR filtering on (irr: servers and sources), or set blackhole: "
        "reject)"
    ]
    exact = ("ix.yaml", OFF, ON + "  more_specifics: false\n")
    assert [p.split(" (hint")[0] for p in problems(propagate, exact)] == [
        "ix.yaml:27:3: policy.blackhole: propagate needs irr.more_specifics: a BLACKHOLE is a "
        "more-specific of a registered prefix"
    ]
    load_files(repo_files(edits=(propagate, ("ix.yaml", OFF, ON))))


def test_safety_notes_name_every_setting_that_lets_routes_through() -> None:
    safe = load_files(repo_files(edits=(("ix.yaml", OFF, ON),))).exchange.model
    assert safety_notes(safe) == []
    loose = load_files(
        repo_files(
            edits=(
                ("ix.yaml", OFF, ON + "  origin: tag\n  prefix: tag\n"),
                (
                    "ix.yaml",
                    "      port: 8323\n",
                    "      port: 8323\n  invalid: tag\n  until_loaded: accept\n",
                ),
            )
        )
    ).exchange.model
    notes = safety_notes(loose)
    assert [n.split(":")[0] for n in notes] == [
        "irr.origin",
        "irr.prefix",
        "rpki.invalid",
        "rpki.until_loaded",
    ]
    off = load_files(repo_files()).exchange.model
    assert safety_notes(off)[0].startswith(
        "IRR filtering is off (the test fixture's members have no IRR registrations): member "
        "routes are checked by RPKI only"
    )


def test_validate_plan_and_apply_say_what_the_settings_let_through(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = committed_copy(tmp_path / "repo")
    assert main(["validate", "--repo", str(repo)]) == 0
    err = capsys.readouterr().err
    assert "warning: IRR filtering is off" in err and "checked by RPKI only" in err
    assert main(["plan", "--repo", str(repo), "--base", "HEAD", "--format", "json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["safety"][0].startswith("IRR filtering is off")
    assert main(["plan", "--repo", str(repo), "--base", "HEAD", "--format", "markdown"]) == 0
    assert "**Settings that let routes through**" in capsys.readouterr().out
    report = tmp_path / "report.json"
    assert main(["apply", "--repo", str(repo), "--dry-run", "--report", str(report)]) == 0
    assert "warning: IRR filtering is off" in capsys.readouterr().err
    assert json.loads(report.read_text())["warnings"][0].startswith("IRR filtering is off")
