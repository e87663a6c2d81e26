"""Hints in messages: the key or name that was meant, the whole range; warnings."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.errors import ScenarioError
from sim.scenario import scenario_from_data

ROOT = Path(__file__).resolve().parents[2]


def refused(data: dict) -> str:
    with pytest.raises(ScenarioError) as caught:
        scenario_from_data(data, "f.toml")
    return str(caught.value)


def test_an_unknown_name_suggests_the_closest_one():
    message = refused({"cities": {"a": {"scheme": "defualt"}}})
    assert "unknown scheme 'defualt'; did you mean `default`?" in message
    message = refused(
        {
            "agencies": {"court": {}},
            "lists": {"l": {"owner": "cuort", "behaviours": ["loan_default"]}},
        }
    )
    assert "lists.l.owner: unknown agency 'cuort'; did you mean `court`?" in message


def test_a_far_name_gets_no_guess_but_the_allowed_names():
    message = refused({"cities": {"a": {"scheme": "zzz"}}})
    assert "did you mean" not in message and "allowed: ['default']" in message


def test_out_of_range_gives_the_whole_range_and_its_unit():
    message = refused({"behaviours": {"x": {"detectability": 40}}})
    assert "behaviours.x.detectability = 40: allowed: [0, 1] (probability per act)" in message
    message = refused({"population": {"citizens": 3}})
    assert "population.citizens = 3: allowed: [10, 20000000] (agents)" in message


def test_a_misspelt_key_in_an_experiment_file_suggests_the_key(tmp_path: Path):
    path = tmp_path / "e.toml"
    path.write_text(
        '[experiment]\nname = "e"\nscenario = "%s"\nreplicatons = 2\n'
        % (ROOT / "scenarios" / "classroom.toml")
    )
    result = CliRunner().invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "did you mean `replications`?" in result.output


def test_validate_warns_of_an_unscored_behaviour_and_a_duration_beside_permanent(tmp_path: Path):
    path = tmp_path / "w.toml"
    path.write_text(
        "[behaviours.loan_default]\n[behaviours.jaywalking]\n"
        "[schemes.default]\npoints = { loan_default = -100 }\nblacklist_permanent = true\n"
        "blacklist_duration_months = 600\n"
        '[cities.city]\nscheme = "default"\n'
    )
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert (
        "warning:" in result.output
        and "behaviours.jaywalking: no scheme scores it" in result.output
    )
    assert "schemes.default.blacklist_duration_months: has no effect" in result.output


def test_a_message_gives_the_line_of_the_key_in_the_file(tmp_path: Path):
    path = tmp_path / "bad.toml"
    path.write_text(
        '[simulation]\nname = "x"\n\n[population]\ncitizenz = 5\n\n'
        '[behaviours."traffic_violation"]\ndetectability = 40\n'
    )
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert f"{path}:5: population.citizenz = 5" in result.output
    assert f"{path}:8: behaviours.traffic_violation.detectability = 40" in result.output
    # a value given with --set is not in the file: no line is claimed for it
    result = CliRunner().invoke(app, ["validate", str(path), "--set", "population.citizens=3"])
    assert f"{path}: population.citizens = 3" in result.output


def test_key_lines_find_every_key_of_a_bundled_file():
    from sim.scenario.files import key_lines

    text = (ROOT / "scenarios" / "yangtze_delta_pilot.toml").read_text()
    lines = key_lines(text)
    rows = text.splitlines()
    assert rows[lines["lists.court_defaulters.extension_months"] - 1].startswith(
        "extension_months = 12"
    )
    assert rows[lines["memoranda.yrd_joint_punishment"] - 1] == "[memoranda.yrd_joint_punishment]"
    assert rows[lines["population.citizens"] - 1].startswith("citizens = 40_000")
