"""creditsim: agent-based simulation of social-credit style reward and blacklist policy."""

from sim.errors import ScenarioError
from sim.model.model import CreditModel
from sim.runs.runner import RunResult, run_to_disk, simulate
from sim.scenario.files import load_scenario
from sim.scenario.schema import Scenario

__all__ = [
    "CreditModel",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "run_to_disk",
    "simulate",
]
