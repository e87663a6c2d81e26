"""A Mesa user's first moves work: model variables, batch_run, running."""

from __future__ import annotations

from pathlib import Path

import mesa
import pandas as pd
import pytest

from sim.model.model import CreditModel
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(
        ROOT / "scenarios" / "classroom.toml",
        {"population.citizens": 600, "simulation.steps": 6},
    )


def test_the_model_variables_are_the_time_series(scenario):
    model = CreditModel(scenario, seed=3)
    for _ in range(4):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    pd.testing.assert_frame_equal(frame.reset_index(drop=True), model.timeseries())
    assert frame["step"].tolist() == [1, 2, 3, 4]


def test_batch_run_returns_the_documented_columns_for_each_seed(scenario):
    rows = mesa.batch_run(
        CreditModel,
        parameters={"scenario": [scenario]},
        rng=[1, 2],
        max_steps=5,
        display_progress=False,
    )
    assert len(rows) == 2
    for row, seed in zip(rows, (1, 2), strict=True):
        model = CreditModel(scenario, seed=seed)
        for _ in range(5):
            model.step()
        assert row["Step"] == 5
        for column in ("compliance_rate", "blacklisted_share", "mean_score"):
            assert row[column] == model.latest[column]


def test_a_run_stops_at_the_scenarios_length(scenario):
    model = CreditModel(scenario, rng=7)
    while model.running:
        model.step()
    assert model.steps == scenario.simulation.steps
