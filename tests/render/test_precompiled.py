"""Shipped BIRD templates compiled ahead of time: current, used only for their own text and
Jinja version, and rendering (and failing) exactly as the templates compiled at run time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jinja2
import pytest

from tests.paths import ROOT
from ztix.errors import TemplateError
from ztix.load.loader import load
from ztix.render import compiled_bird
from ztix.render.precompile import GENERATED, generate
from ztix.render.routeserver import environment, repository_configs
from ztix.render.templates import TemplateSet, render_template, shipped

EXAMPLE = ROOT / "tests" / "data" / "example"
BIRD = sorted(shipped().area("bird"))


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The names of the templates Jinja compiles from their text."""
    names: list[str] = []
    original = jinja2.Environment.compile

    def counting(self: jinja2.Environment, source: Any, name: Any = None, *a: Any, **k: Any) -> Any:
        names.append(name)
        return original(self, source, name, *a, **k)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    yield names


def test_the_generated_code_is_current() -> None:
    assert GENERATED.read_text(encoding="utf-8") == generate(), (
        "ztix/render/compiled_bird.py is stale: run python -m ztix.render.precompile"
    )
    assert sorted(compiled_bird.TEMPLATES) == BIRD
    assert jinja2.__version__ == compiled_bird.JINJA


def test_shipped_templates_render_without_being_compiled(compiled: list[str]) -> None:
    repo = load(EXAMPLE)
    fast = repository_configs(repo)
    assert compiled == []
    slow = repository_configs(repo, env=environment(precompiled=False))
    assert sorted(compiled) == BIRD
    assert fast == slow


def test_a_changed_template_compiles_from_its_own_text(compiled: list[str]) -> None:
    files = dict(shipped().files)
    files["bird/rpki.conf.j2"] = "# changed by the exchange\n" + files["bird/rpki.conf.j2"]
    configs = repository_configs(load(EXAMPLE), TemplateSet(files))
    assert compiled == ["bird/rpki.conf.j2"]
    assert all("# changed by the exchange\n" in text for text in configs.values())


def test_another_jinja_compiles_everything(
    compiled: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(compiled_bird, "JINJA", "0.0.0")
    repository_configs(load(EXAMPLE))
    assert sorted(compiled) == BIRD


def test_nothing_is_written(compiled: list[str]) -> None:
    """A template compiled at run time is not kept: the cache is read-only."""
    files = dict(shipped().files)
    files["bird/rpki.conf.j2"] += "\n"
    env = environment(TemplateSet(files))
    for _ in range(2):
        env.cache.clear()  # type: ignore[union-attr]  # Jinja's in-memory template cache
        env.get_template("bird/rpki.conf.j2")
    assert compiled == ["bird/rpki.conf.j2"] * 2


@pytest.mark.parametrize("precompiled", [True, False])
def test_errors_name_the_template_line_either_way(precompiled: bool) -> None:
    """An error while rendering a precompiled template names the same file and line."""
    with pytest.raises(TemplateError) as caught:
        render_template(environment(precompiled=precompiled), "bird/rpki.conf.j2", {})
    assert str(caught.value) == "templates/bird/rpki.conf.j2:5: 'rpki' is undefined"
