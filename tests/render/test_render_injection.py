"""No peer file can inject BIRD syntax: free text is rejected or ends up as inert text."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.birdtools import assert_bird_accepts
from tests.conftest import repo_files
from ztix.errors import ValidationFailed
from ztix.load.loader import load_files
from ztix.render.routeserver import render_all

DANGEROUS = st.sampled_from([*list("\"\\;{}#*/\n\r\t\x00$`[]()<>=!~|&'"), "*/", "/*", '";', "};"])
TEXT = st.lists(
    st.one_of(DANGEROUS, st.characters(), st.sampled_from(["AS", " ", "x", "1"])), max_size=40
).map("".join)
PEER = "peers/AS64502.yaml"


def peer_file(name: str, description: str) -> str:
    return (
        f"asn: 64502\nname: {_json(name)}\ndescription: {_json(description)}\n"
        "contact: noc@three.example\nconnections:\n  - zerotier_node_id: a000000003\n"
        "    ipv4: 10.0.0.12\n"
    )


def render(name: str, description: str, exchange_name: str = "Test IX") -> str:
    files = repo_files({PEER: peer_file(name, description)})
    files["ix.yaml"] = files["ix.yaml"].replace("name: Test IX", f"name: {_json(exchange_name)}")
    repo = load_files(files)
    return render_all(repo.exchange.model, [p.model for p in repo.peers])["rs1"]


def _json(text: str) -> str:
    """A YAML double-quoted scalar holding `text` (JSON strings are YAML; keep non-ASCII raw)."""
    return json.dumps(text, ensure_ascii=False)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=TEXT, description=TEXT, exchange_name=TEXT)
def test_free_text_is_rejected_or_inert(name: str, description: str, exchange_name: str) -> None:
    try:
        text = render(name, description, exchange_name)
    except ValidationFailed as exc:
        assert exc.problems
        for problem in exc.problems:
            # The field's own check, or the YAML reader refusing a character on that line.
            located = (problem.path, problem.line)
            assert problem.field in {"name", "description"} or located in {
                ("ix.yaml", 1),
                (PEER, 2),
                (PEER, 3),
            }, exc
        return
    # The same config with neutral text must differ only where the text is placed as data.
    neutral = render("Neutral", "Neutral", "Neutral")
    expected = neutral.replace('description "AS64502 Neutral";', f'description "AS64502 {name}";')
    expected = expected.replace("of Neutral.", f"of {exchange_name}.", 1)
    assert text == expected
    assert_bird_accepts(text)


def test_a_classic_injection_is_refused() -> None:
    evil = 'x"; }; protocol static evil { ipv4; route 0.0.0.0/0 blackhole; }; #'
    try:
        render(evil, "ok")
    except ValidationFailed as exc:
        assert [p.field for p in exc.problems] == ["name"]
    else:
        raise AssertionError("an injection attempt was accepted")


SAFE = st.text(alphabet="ABCxyz019 .,:_&()'/+@!?=-", min_size=1, max_size=60).filter(
    lambda t: t == t.strip() and "  " not in t
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=SAFE, description=SAFE, exchange_name=SAFE)
def test_every_allowed_text_renders_inert_and_bird_accepts(
    name: str, description: str, exchange_name: str
) -> None:
    text = render(name, description, exchange_name)
    neutral = render("Neutral", "Neutral", "Neutral")
    expected = neutral.replace('description "AS64502 Neutral";', f'description "AS64502 {name}";')
    assert text == expected.replace("of Neutral.", f"of {exchange_name}.", 1)
    assert_bird_accepts(text)
