"""Random mutations of a valid peer file either validate or give located problems; never crash."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import repo_files
from ztix.errors import ValidationFailed
from ztix.load.loader import load_files

PATH = "peers/AS64502.yaml"
VALID = (
    "asn: 64502\n"
    "name: Peer Three\n"
    "contact: noc@three.example\n"
    "as_set: AS-THREE\n"
    "connections:\n"
    "  - zerotier_node_id: a000000003\n"
    "    ipv4: 10.0.0.12\n"
    "    ipv6: fd00:1::12\n"
    "max_prefix:\n"
    "  ipv4: 10\n"
    "requested_by:\n"
    "  peeringdb_user_id: 7\n"
    "  date: 2026-11-01\n"
)
NASTY = st.sampled_from(
    [
        "",
        " ",
        ":",
        "- ",
        "{",
        "}",
        "[",
        "]",
        '"',
        "'",
        "\n",
        "\t",
        "#",
        "&a",
        "*a",
        "!!str ",
        "!!python/name:os.system ",
        "<<: ",
        "~",
        "null",
        "yes",
        "0x1f",
        "1e9",
        "\x00",
        "é",
        "\\",
        "---\n",
        "...\n",
        "? ",
        "|\n",
        ">\n",
        "%YAML 1.1\n",
    ]
)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """Apply 1-4 edits: insert, delete or replace a slice, or duplicate or drop a line."""
    text = VALID
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["insert", "delete", "replace", "dup-line", "drop-line"]))
        lines = text.splitlines(keepends=True)
        if op in ("dup-line", "drop-line") and lines:
            index = draw(st.integers(0, len(lines) - 1))
            if op == "dup-line":
                lines.insert(index, lines[index])
            else:
                del lines[index]
            text = "".join(lines)
            continue
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 12)))
        piece = draw(st.one_of(NASTY, st.text(max_size=6)))
        if op == "insert":
            text = text[:start] + piece + text[start:]
        elif op == "delete":
            text = text[:start] + text[end:]
        else:
            text = text[:start] + piece + text[end:]
    return text


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutation_validates_or_is_located(text: str) -> None:
    files = repo_files({PATH: text})
    try:
        repo = load_files(files)
    except ValidationFailed as exc:
        assert exc.problems
        lines = text.count("\n") + 1
        for problem in exc.problems:
            assert problem.path in files
            assert problem.message
            assert problem.line >= 1 and problem.col >= 1
            if problem.path == PATH:
                assert problem.line <= lines + 1, str(problem)
        return
    assert 64502 in {p.model.asn for p in repo.peers}


def test_the_unmutated_file_is_valid() -> None:
    load_files(repo_files({PATH: VALID}))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutations_of_ix_yaml_validate_or_are_located(data: st.DataObject) -> None:
    original = repo_files()["ix.yaml"]
    text = original
    for _ in range(data.draw(st.integers(1, 3))):
        lines = text.splitlines(keepends=True)
        index = data.draw(st.integers(0, len(lines) - 1))
        op = data.draw(st.sampled_from(["drop", "dup", "edit"]))
        if op == "drop":
            del lines[index]
        elif op == "dup":
            lines.insert(index, lines[index])
        else:
            line = lines[index]
            cut = data.draw(st.integers(0, len(line)))
            lines[index] = (
                line[:cut] + data.draw(st.one_of(NASTY, st.text(max_size=5))) + line[cut:]
            )
        text = "".join(lines)
    try:
        load_files(repo_files({"ix.yaml": text}))
    except ValidationFailed as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.line >= 1 and problem.col >= 1 and problem.message
