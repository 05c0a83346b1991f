"""The package's shape, enforced (ARCHITECTURE.md): which package may import which, no circles.

Read from the source with `ast`, every import counted (top-level, lazy inside functions, and
under TYPE_CHECKING): a stage that names an entry point's type depends on it all the same.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

from tests.paths import ROOT

PACKAGE = ROOT / "ztix"
STAGES = {"errors", "bird", "models", "load", "render", "ports", "plan", "irr", "status", "apply"}
# Package (first name under ztix) -> the packages it may import besides itself. `__init__` is
# the version string.
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "bird": set(),  # BIRD's dialect is a leaf: nothing of ZT-IX
    "models": {"errors", "bird"},
    "load": {"errors", "bird", "models"},
    "render": {"__init__", "errors", "bird", "models", "load"},
    "ports": {"errors", "models", "load"},  # ports import no adapter
    "plan": {"errors", "bird", "models", "load", "render", "ports"},
    "irr": {"errors", "bird", "models", "load", "render", "plan", "ports"},
    "status": {"errors", "bird", "models", "load", "render", "ports"},
    "apply": {"errors", "bird", "models", "load", "render", "plan", "ports"},
    "settings": {"errors", "ports"},
    "adapters": {"errors", "bird", "models", "load", "ports", "settings"},
    "service": {"errors", "settings"},
    "portal": STAGES | {"__init__", "adapters", "settings", "service"},
    "webhook": STAGES | {"__init__", "adapters", "settings", "service"},
    "exporter": STAGES | {"__init__", "adapters", "settings", "service"},
    "commands": STAGES
    | {"__init__", "adapters", "settings", "service", "portal", "webhook", "exporter", "buildinfo"},
    "buildinfo": {"__init__"},  # the version and build commit, for --version
    "cli": {"__init__", "buildinfo", "errors", "commands", "service"},
}
# Outside the adapters, only these adapter modules may be named: the one builder, a cache, and
# the HTTP breaker a long-running entry point gives its clients (and watches in its metrics).
ADAPTER_DOORS = {"ztix.adapters.build", "ztix.adapters.memo", "ztix.adapters.http"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports() -> dict[str, set[str]]:
    """Module -> the ZT-IX modules (or packages) it imports."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                pytest.fail(f"{name}: relative import (write absolute ztix.* imports)")
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ztix"):
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    graph[name].add(full if full in modules else node.module)
            elif isinstance(node, ast.Import):
                graph[name] |= {a.name for a in node.names if a.name.startswith("ztix")}
    for name in modules:
        graph.setdefault(name, set())
    return graph


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_every_package_has_a_layer() -> None:
    packages = {_package(_module_name(p)) for p in PACKAGE.rglob("*.py")} - {"__init__"}
    assert packages <= set(ALLOWED), f"add these to the layer table: {packages - set(ALLOWED)}"


def _violations(graph: dict[str, set[str]]) -> list[str]:
    wrong = []
    for module, targets in sorted(graph.items()):
        home = _package(module)
        for target in sorted(targets):
            there = _package(target)
            if there != home and there not in ALLOWED.get(home, set()):
                wrong.append(f"{module} -> {target}")
            if there == "adapters" != home and target not in ADAPTER_DOORS:
                wrong.append(f"{module} -> {target} (build adapters in ztix.adapters.build)")
    return wrong


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    done: set[str] = set()
    circles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            circles.append([*path[path.index(module) :], module])
            return
        if module in done:
            return
        for target in sorted(graph.get(module, ())):
            visit(target, [*path, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
    return circles


def test_packages_import_only_their_layers() -> None:
    wrong = _violations(_imports())
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)


def test_the_import_graph_has_no_circle() -> None:
    circles = _circles(_imports())
    assert not circles, "import circles:\n" + "\n".join(" -> ".join(c) for c in circles)


def test_the_checks_find_what_they_look_for() -> None:
    """Each check can fail: a climbing import, an adapter built outside the builder, and a
    circle are found in a made-up graph."""
    graph = {
        "ztix.render.routeserver": {"ztix.portal.app", "ztix.load.loader"},
        "ztix.portal.app": {"ztix.adapters.git"},
        "ztix.load.loader": {"ztix.load.checks"},
        "ztix.load.checks": {"ztix.load.loader"},
        "ztix.bird.text": {"ztix.models.peer"},
    }
    assert _violations(graph) == [
        "ztix.bird.text -> ztix.models.peer",
        "ztix.portal.app -> ztix.adapters.git (build adapters in ztix.adapters.build)",
        "ztix.render.routeserver -> ztix.portal.app",
    ]
    assert _circles(graph) == [["ztix.load.checks", "ztix.load.loader", "ztix.load.checks"]]
