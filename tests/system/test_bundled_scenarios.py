"""Every bundled scenario in scenarios/ loads, validates and runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import REQUIRED_COLUMNS
from typer.testing import CliRunner

from sim import load_scenario, simulate
from sim.cli import app

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
BUNDLED = sorted(SCENARIOS.glob("*.toml"))
SMALL = {"population.citizens": 2000, "simulation.steps": 6}
SHARES = tuple(c for c in REQUIRED_COLUMNS if c.endswith(("_rate", "_share")))


def test_scenarios_are_bundled() -> None:
    """The README's example and the scenario library are present."""
    names = {path.stem for path in BUNDLED}
    assert {"classroom", "national_2018", "yangtze_delta_pilot"} <= names
    assert len(names) >= 3


@pytest.mark.parametrize("path", BUNDLED, ids=[path.stem for path in BUNDLED])
def test_bundled_scenario_runs(path: Path) -> None:
    """Load with a small population, run a few steps, check the table and `validate`."""
    scenario = load_scenario(path, SMALL)
    assert scenario.population.citizens == SMALL["population.citizens"]

    frame = simulate(scenario, seed=1).timeseries

    steps = SMALL["simulation.steps"]
    assert len(frame) == steps
    assert list(frame["step"]) == list(range(1, steps + 1))
    missing = [column for column in REQUIRED_COLUMNS if column not in frame.columns]
    assert not missing, f"{path.name}: missing columns {missing}"
    assert frame[list(REQUIRED_COLUMNS)].notna().all().all()
    for column in SHARES:
        assert frame[column].between(0.0, 1.0).all(), f"{path.name}: {column} outside [0, 1]"
    assert (frame["detected_violations"] <= frame["violations"]).all()

    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output
