"""creditsim: agent-based simulation of social-credit style reward and blacklist policy."""

from sim.errors import ScenarioError
from sim.model import CreditModel
from sim.runner import RunResult, run_to_disk, simulate
from sim.scenario import Scenario, load_scenario

__all__ = [
    "CreditModel",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "run_to_disk",
    "simulate",
]
