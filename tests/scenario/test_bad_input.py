"""Bad input gets one clear error naming the key: non-finite numbers, duplicate keys, no keys."""

from __future__ import annotations

import math

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.errors import ScenarioError
from sim.scenario.files import apply_overrides, scenario_from_data
from sim.scenario.schema import Scenario


def numeric_keys() -> list[str]:
    """Every number in a full default scenario, as a dotted key path."""
    keys: list[str] = []

    def visit(node: object, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                visit(value, f"{path}.{key}" if path else key)
        elif isinstance(node, float | int) and not isinstance(node, bool):
            keys.append(path)

    visit(Scenario().model_dump(mode="json"), "")
    return keys


NUMERIC_KEYS = numeric_keys()


def test_the_corpus_covers_the_numbers_of_every_table():
    tables = {key.split(".")[0] for key in NUMERIC_KEYS}
    assert {"simulation", "population", "decision", "schemes", "cities", "behaviours"} <= tables
    assert len(NUMERIC_KEYS) > 40


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
@pytest.mark.parametrize("key", NUMERIC_KEYS)
def test_every_number_must_be_finite_and_the_error_names_its_key(key: str, value: float):
    data = apply_overrides(Scenario().model_dump(mode="json"), {key: value})
    with pytest.raises(ScenarioError) as caught:
        scenario_from_data(data, "bad.toml")
    message = str(caught.value)
    assert message.startswith("bad.toml: ") and key in message, message


def test_a_duplicate_key_is_named(tmp_path):
    path = tmp_path / "twice.toml"
    path.write_text('[simulation]\nname = "a"\n\n[population]\ncitizens = 100\ncitizens = 200\n')
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert "`citizens` is given twice" in result.output and "line 6" in result.output
    assert "Traceback" not in result.output


def test_an_empty_scenario_file_is_refused_and_nothing_is_written(tmp_path):
    path = tmp_path / "empty.toml"
    path.write_text("# nothing here\n")
    out = tmp_path / "results"
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(out), "--no-progress"])
    assert result.exit_code == 2
    assert "empty" in result.output and "built-in defaults" in result.output
    assert not out.exists() or not any(out.iterdir())
