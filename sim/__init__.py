"""creditsim: agent-based simulation of social-credit style reward and blacklist policy.

The public names below load on first use, so importing one layer (say `sim.scenario`)
does not load the layers above it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.errors import ScenarioError
    from sim.model.model import CreditModel
    from sim.runs.runner import RunResult, run_to_disk, simulate
    from sim.scenario.files import load_scenario
    from sim.scenario.schema import Scenario

_HOMES = {
    "CreditModel": "sim.model.model",
    "RunResult": "sim.runs.runner",
    "Scenario": "sim.scenario.schema",
    "ScenarioError": "sim.errors",
    "load_scenario": "sim.scenario.files",
    "run_to_disk": "sim.runs.runner",
    "simulate": "sim.runs.runner",
}

__all__ = [
    "CreditModel",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "run_to_disk",
    "simulate",
]


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first use."""
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
