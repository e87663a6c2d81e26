"""Scenario inheritance (`extends`) and `creditsim diff`."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from sim.cli import app
from sim.scenario import load_scenario
from sim.scenario.diff import differences

ROOT = Path(__file__).resolve().parents[2]
YANGTZE = ROOT / "scenarios" / "yangtze_delta_pilot.toml"


def child(tmp_path: Path, text: str, name: str = "child.toml") -> Path:
    path = tmp_path / name
    path.write_text(f'extends = "{YANGTZE}"\n{text}')
    return path


def test_a_file_that_extends_another_changes_only_the_keys_it_sets(tmp_path: Path):
    path = child(tmp_path, "[lists.court_defaulters]\nduration_months = 36\n")
    base, derived = load_scenario(YANGTZE), load_scenario(path)
    assert derived.lists["court_defaulters"].duration_months == 36
    assert differences(base, derived) == [("lists.court_defaulters.duration_months", 24, 36)]


def test_extends_chains_and_resolves_relative_paths(tmp_path: Path):
    middle = child(tmp_path, "[population]\ncitizens = 1000\n", "middle.toml")
    last = tmp_path / "last.toml"
    last.write_text('extends = "middle.toml"\n[simulation]\nsteps = 7\n')
    scenario = load_scenario(last)
    assert (scenario.population.citizens, scenario.simulation.steps) == (1000, 7)
    assert scenario.lists == load_scenario(middle).lists


def test_a_circle_of_extends_and_a_missing_base_are_clear_errors(tmp_path: Path):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n')
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n')
    result = CliRunner().invoke(app, ["validate", str(tmp_path / "a.toml")])
    assert result.exit_code == 2 and "makes a circle" in result.output
    (tmp_path / "c.toml").write_text('extends = "nowhere.toml"\n')
    result = CliRunner().invoke(app, ["validate", str(tmp_path / "c.toml")])
    assert result.exit_code == 2
    assert "extends = 'nowhere.toml'" in result.output and "file not found" in result.output
    assert "Traceback" not in result.output


def test_diff_prints_each_differing_value(tmp_path: Path):
    path = child(tmp_path, "[memoranda.yrd_joint_punishment]\nstart_month = 12\n")
    result = CliRunner().invoke(app, ["diff", str(YANGTZE), str(path)])
    assert result.exit_code == 0
    assert "memoranda.yrd_joint_punishment.start_month: 24 -> 12" in result.output
    same = CliRunner().invoke(app, ["diff", str(YANGTZE), str(YANGTZE)])
    assert same.exit_code == 0 and "0 difference(s)" in same.output
