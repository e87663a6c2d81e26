"""`creditsim convert`: a scheme's blacklist and red list become agencies' lists."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.errors import ScenarioError
from sim.runs.runner import simulate
from sim.scenario import load_scenario
from sim.scenario.convert import converted_tables
from sim.scenario.files import scenario_from_data

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
runner = CliRunner()


def _convert(source: Path, out: Path, *extra: str):
    return runner.invoke(app, ["convert", str(source), "--out", str(out), *extra])


@pytest.mark.parametrize("source", SCENARIOS, ids=lambda p: p.stem)
def test_every_bundled_scheme_converts_to_lists_that_carry_its_rules(tmp_path, source):
    result = _convert(source, tmp_path / "converted.toml")
    assert result.exit_code == 0, result.output
    original, converted = load_scenario(source), load_scenario(tmp_path / "converted.toml")
    for name, scheme in original.schemes.items():
        if not any(city.scheme == name for city in original.cities.values()):
            continue
        off = converted.schemes[name]
        assert off.blacklist_threshold == scheme.min_score and not off.blacklist_behaviours
        assert off.redlist_threshold > scheme.max_score  # never reached: scores are capped
        black = converted.lists[f"{name}_blacklist"]
        red = converted.lists[f"{name}_redlist"]
        assert (black.score_scheme, black.score_threshold) == (name, scheme.blacklist_threshold)
        assert black.sanctions == scheme.sanctions and red.rewards == scheme.rewards
        assert black.behaviours == scheme.blacklist_behaviours
        assert black.permanent == scheme.blacklist_permanent
        if not scheme.blacklist_permanent:
            assert black.duration_months == scheme.blacklist_duration_months
        assert black.extension_months == scheme.blacklist_extension_months
        assert black.escalation == scheme.sanction_escalation
        assert red.score_threshold == scheme.redlist_threshold
        assert black.scope == scheme.scope
    # everything else is inherited unchanged
    for table in ("behaviours", "cities", "sanctions", "rewards", "population"):
        assert getattr(converted, table) == getattr(original, table)


def test_a_zone_that_recognises_a_city_scheme_becomes_a_memorandum(tmp_path):
    source = tmp_path / "zoned.toml"
    source.write_text(
        f'extends = "{ROOT / "scenarios" / "classroom.toml"}"\n'
        '[schemes.blacklist]\nscope = "city"\n'
        '[zones.pilot]\nmembers = ["northtown", "southtown"]\nstart_month = 6\n'
    )
    scenario = load_scenario(source)
    tables, _ = converted_tables(scenario)
    memo = tables["memoranda"]["pilot_blacklist"]
    assert memo["lists"] == ["blacklist_blacklist"] and memo["zones"] == ["pilot"]
    assert memo["start_month"] == 6


def _late_means(path: Path, seeds: range, columns: list[str]) -> dict[str, np.ndarray]:
    scenario = load_scenario(path, {"population.citizens": 6_000, "simulation.steps": 72})
    rows = [simulate(scenario, seed=seed).timeseries.iloc[-24:] for seed in seeds]
    return {column: np.array([row[column].mean() for row in rows]) for column in columns}


def test_converted_national_scenario_gives_the_same_headline_outcomes(tmp_path):
    """The lists reproduce the scheme's lists within seed noise (different random streams)."""
    source = ROOT / "scenarios" / "national_2018.toml"
    assert _convert(source, tmp_path / "lists.toml").exit_code == 0
    columns = ["blacklisted_share", "redlisted_share", "compliance_rate", "firms_blacklisted_share"]
    seeds = range(1, 7)
    before = _late_means(source, seeds, columns)
    after = _late_means(tmp_path / "lists.toml", seeds, columns)
    for column in columns:
        a, b = before[column], after[column]
        noise = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
        assert abs(a.mean() - b.mean()) <= 4 * noise + 1e-3 * max(abs(a.mean()), 1e-3), column
    assert before["blacklisted_share"].mean() > 0.003  # the comparison is not of empty lists


def test_convert_refuses_to_overwrite_and_names_what_is_wrong(tmp_path):
    source = ROOT / "scenarios" / "classroom.toml"
    out = tmp_path / "converted.toml"
    out.write_text("# mine\n")
    result = _convert(source, out)
    assert result.exit_code == 2 and "exists" in result.output and str(out) in result.output
    assert out.read_text() == "# mine\n"
    assert _convert(source, out, "--force").exit_code == 0
    assert _convert(source, source).exit_code == 2
    missing = _convert(tmp_path / "nope.toml", tmp_path / "x.toml")
    assert missing.exit_code == 2 and "nope.toml" in missing.output
    assert not (tmp_path / "x.toml").exists()


def test_a_scenario_without_a_running_scheme_has_nothing_to_convert():
    scenario = scenario_from_data({"cities": {"a": {}, "b": {}}})
    with pytest.raises(ScenarioError, match="nothing to convert"):
        converted_tables(scenario)
