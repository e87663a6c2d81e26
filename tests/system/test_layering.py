"""The house plan holds: each layer imports only the layers below it (docs/architecture.md)."""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[2] / "sim"
MAX_IMPORT_DEPTH = 7

# Package (imported with every module under it) -> sim packages it must never load.
FORBIDDEN = {
    "sim.scenario": {"sim.model", "sim.runs", "sim.experiments", "sim.outputs", "sim.app",
                     "sim.validation", "sim.cli"},
    "sim.model": {"sim.runs", "sim.experiments", "sim.outputs", "sim.app", "sim.validation",
                  "sim.cli"},
    "sim.runs": {"sim.experiments", "sim.outputs", "sim.app", "sim.validation", "sim.cli"},
    "sim.experiments": {"sim.outputs", "sim.app", "sim.validation", "sim.cli"},
    "sim.validation": {"sim.runs", "sim.experiments", "sim.outputs", "sim.app", "sim.cli"},
    "sim.outputs": {"sim.model", "sim.app", "sim.cli"},
    "sim.app.levers": {"sim.experiments", "sim.runs", "sim.cli"},
    "sim.app.classroom": {"sim.experiments", "sim.runs", "sim.cli"},
    "sim.app.figures": {"sim.experiments", "sim.runs", "sim.cli"},
    "sim.app.texts": {"sim.experiments", "sim.runs", "sim.model", "sim.cli"},
}  # fmt: skip
NO_SOLARA = ("sim.scenario", "sim.model", "sim.runs", "sim.experiments", "sim.outputs",
             "sim.validation", "sim.app.levers", "sim.app.classroom", "sim.app.figures",
             "sim.app.texts", "sim.app.assets")  # fmt: skip

LOADED = """
import importlib, pkgutil, sys
root = importlib.import_module({package!r})
names = [{package!r}]
if hasattr(root, "__path__"):
    names += [m.name for m in pkgutil.walk_packages(root.__path__, {package!r} + ".")]
for name in names:
    importlib.import_module(name)
print("\\n".join(sorted(sys.modules)))
"""


def loaded_modules(package: str) -> set[str]:
    """Every module loaded by importing `package` and all its modules in a fresh interpreter."""
    result = subprocess.run(
        [sys.executable, "-c", LOADED.format(package=package)],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(result.stdout.split())


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_layer_loads_no_layer_above_it(package):
    loaded = loaded_modules(package)
    wrong = sorted(
        m for m in loaded if any(m == f or m.startswith(f + ".") for f in FORBIDDEN[package])
    )
    assert not wrong, f"{package} loads {wrong}"


@pytest.mark.parametrize("package", NO_SOLARA)
def test_only_the_page_loads_solara(package):
    assert "solara" not in loaded_modules(package)


def _module_name(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module -> sim modules it imports at module level (outside TYPE_CHECKING blocks)."""
    modules = {_module_name(path): path for path in SIM.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text())
        targets: set[str] = set()
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sim"):
                base = node.module
                for alias in node.names:
                    child = f"{base}.{alias.name}"
                    targets.add(child if child in modules else base)
            elif isinstance(node, ast.Import):
                targets |= {a.name for a in node.names if a.name.startswith("sim")}
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def test_the_import_graph_is_at_most_seven_levels_deep_and_has_no_cycle():
    graph = import_graph()

    @functools.cache
    def depth(module: str, trail: tuple[str, ...] = ()) -> int:
        assert module not in trail, f"import cycle: {' -> '.join((*trail, module))}"
        return 1 + max((depth(t, (*trail, module)) for t in graph[module]), default=0)

    deepest = max(graph, key=depth)
    assert depth(deepest) <= MAX_IMPORT_DEPTH, f"{deepest} stands {depth(deepest)} levels deep"


def test_no_stage_imports_the_model_module():
    graph = import_graph()
    stages = [m for m in graph if m.startswith("sim.model.stages.")]
    assert stages
    for stage in stages:
        assert "sim.model.model" not in graph[stage], stage
        siblings = {t for t in graph[stage] if t.startswith("sim.model.stages.")}
        assert siblings <= {
            "sim.model.stages.score",
            "sim.model.stages.listing",
            "sim.model.stages.list_metrics",
            "sim.model.stages.government_metrics",
        }, (stage, siblings)
