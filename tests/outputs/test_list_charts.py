"""The lists side by side, restrictions by sanction, and the run report of a list scenario."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.outputs import charts
from sim.outputs.report import run_report
from sim.runs.runner import run_to_disk
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def yangtze_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scenario = load_scenario(
        ROOT / "scenarios" / "yangtze_delta_pilot.toml",
        {"population.citizens": 4000, "simulation.steps": 30},
    )
    return run_to_disk(scenario, tmp_path_factory.mktemp("runs"), seed=4)


def test_every_list_is_a_bar_with_its_count_or_a_word_for_none(yangtze_run: Path):
    report = run_report(yangtze_run)
    figure = next(c.figure for c in report.charts if c.name == "lists")
    import pandas as pd

    timeseries = pd.read_parquet(yangtze_run / "timeseries.parquet")
    last = timeseries.iloc[-1]
    specs = load_scenario(ROOT / "scenarios" / "yangtze_delta_pilot.toml").lists
    people_bars, firm_bars = figure.data
    assert len(people_bars.y) == len(specs)
    for label, value, text in zip(people_bars.y, people_bars.x, people_bars.text, strict=True):
        name = label.replace(" ", "_")
        assert value == last[f"list_people__{name}"]
        if specs[name].subjects == "firm":
            assert text == "not for citizens"
        elif value == 0:
            assert text == "nobody"
        else:
            assert text == f"{value:,.0f}"
    for label, text in zip(firm_bars.y, firm_bars.text, strict=True):
        if specs[label.replace(" ", "_")].subjects == "citizen":
            assert text == "not for firms"
    # red lists last (at the bottom of a horizontal bar chart: first in y order)
    kinds = [specs[label.replace(" ", "_")].kind for label in people_bars.y]
    assert kinds == sorted(kinds, key=lambda kind: kind != "redlist")


def test_restrictions_count_only_sanctions_citizens_bear(yangtze_run: Path):
    import pandas as pd

    timeseries = pd.read_parquet(yangtze_run / "timeseries.parquet")
    figure = charts.restrictions_by_sanction(timeseries)
    shown = {label.replace(" ", "_") for label in figure.data[0].y}
    scenario = load_scenario(ROOT / "scenarios" / "yangtze_delta_pilot.toml")
    citizen = {n for n, s in scenario.sanctions.items() if s.applies_to == "citizen"}
    assert shown == citizen


def test_the_run_report_says_how_many_lists_held_people(yangtze_run: Path):
    summary = " ".join(run_report(yangtze_run).summary)
    assert "8 blacklists and 1 red list;" in summary
    assert "The largest blacklist was" in summary
