"""creditsim: agent-based simulation of social-credit style reward and blacklist policy.

The public names below load on first use, so importing one layer (say `sim.scenario`)
does not load the layers above it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.errors import ScenarioError
    from sim.experiments.compare import compare_experiment
    from sim.experiments.discovery import discover_experiment
    from sim.experiments.experiment_file import load_experiment
    from sim.experiments.optimisation import optimise_experiment
    from sim.experiments.sensitivity import sensitivity_experiment
    from sim.experiments.sweep import run_experiment
    from sim.model.model import CreditModel
    from sim.outputs.report import report
    from sim.runs.runner import RunResult, run_to_disk, simulate
    from sim.scenario.files import load_scenario
    from sim.scenario.schema import Scenario

_HOMES = {
    "CreditModel": "sim.model.model",
    "RunResult": "sim.runs.runner",
    "Scenario": "sim.scenario.schema",
    "ScenarioError": "sim.errors",
    "compare_experiment": "sim.experiments.compare",
    "discover_experiment": "sim.experiments.discovery",
    "load_experiment": "sim.experiments.experiment_file",
    "load_scenario": "sim.scenario.files",
    "optimise_experiment": "sim.experiments.optimisation",
    "report": "sim.outputs.report",
    "run_experiment": "sim.experiments.sweep",
    "run_to_disk": "sim.runs.runner",
    "sensitivity_experiment": "sim.experiments.sensitivity",
    "simulate": "sim.runs.runner",
}

__all__ = [
    "CreditModel",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "compare_experiment",
    "discover_experiment",
    "load_experiment",
    "load_scenario",
    "optimise_experiment",
    "report",
    "run_experiment",
    "run_to_disk",
    "sensitivity_experiment",
    "simulate",
]


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first use."""
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
