"""Reading BIRD for status: `show protocols all` of real sessions (BIRD 2.0.12, recorded from the
lab: established, receiving only, shut by max-prefix), and birdc's answer fed on stdin in both
shapes it prints (TERM unset over SSH, and a terminal type set)."""

from __future__ import annotations

import json

import pytest

from tests.paths import SAMPLES
from ztix.bird.state import answer_of, routes_per_protocol, sessions

RECORDED = json.loads((SAMPLES / "status.json").read_text())
M1, M2, M3 = "AS64500_a000000001_v4", "AS64501_a000000002_v4", "AS64502_a000000003_v4"


def test_an_established_session_with_filtered_routes() -> None:
    state = sessions(RECORDED["2.0.12"]["established"])[M1]
    assert state.established and state.state == "up" and state.bgp_state == "Established"
    assert (state.imported, state.filtered, state.exported) == (2, 3, 0)
    assert state.since == "2026-12-01 13:38:03.096" and not state.limit_hit


def test_a_receiving_member_and_a_session_shut_by_its_limit() -> None:
    receiving = sessions(RECORDED["2.0.12"]["receiving"])[M2]
    assert receiving.established and receiving.exported == 2 and receiving.imported == 0
    shut = sessions(RECORDED["2.0.12"]["limit"])[M3]
    assert not shut.established and shut.state == "down" and shut.limit_hit
    assert shut.last_error == "Automatic shutdown: Route limit exceeded"
    assert shut.bgp_state == "Down"


def test_routes_are_counted_per_session() -> None:
    assert routes_per_protocol(RECORDED["2.0.12"]["filtered"]) == {M1: 3}


ANSWER = "Name       Proto      Table      State  Since         Info\ns4 Static master4 up 13:37:07.024\n"


@pytest.mark.parametrize(
    "output",
    [
        # Over SSH without a terminal: the prompt is redrawn with carriage returns.
        "BIRD 2.0.12 ready.\nAccess restricted\nbird> show protocols\nbird> \r      \r"
        + ANSWER
        + "\nbird> \r      \r",
        # With a terminal type: an erase-line escape after the prompt.
        "BIRD 2.0.12 ready.\nAccess restricted\nbird> show protocols\nbird> \r\x1b[K"
        + ANSWER
        + "bird> \r\x1b[K",
        # A long command's echo scrolled and redrawn ("<" marks the cut).
        "BIRD 2.0.12 ready.\nbird> \r< where (64511, 1000, 1) ~ bgp_large_community\nbird> \r\x1b[K"
        + ANSWER
        + "bird> ",
    ],
)
def test_the_answer_is_what_follows_the_last_prompt(output: str) -> None:
    assert answer_of(output).strip() == ANSWER.strip()


def test_an_output_without_a_prompt_is_an_error() -> None:
    with pytest.raises(ValueError, match="no prompt"):
        answer_of("Unable to connect to server control socket (/run/bird/bird.ctl)\n")
