"""Shared fixtures: small scenarios as data, as models and as TOML files (built by helpers)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import make_scenario, write_scenario

from sim.model.model import CreditModel
from sim.scenario.schema import Scenario


@pytest.fixture
def small_scenario() -> Scenario:
    """The small three-city scenario (1,000 citizens, 12 steps)."""
    return make_scenario()


@pytest.fixture
def small_model(small_scenario: Scenario) -> CreditModel:
    """A freshly built (not yet stepped) model of the small scenario."""
    return CreditModel(small_scenario, seed=11)


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    """The small scenario written to a TOML file."""
    return write_scenario(tmp_path / "tiny.toml")


@pytest.fixture
def toml_writer() -> Callable[[Path, dict[str, Any] | None], Path]:
    """Write scenario data to a TOML file."""
    return write_scenario
