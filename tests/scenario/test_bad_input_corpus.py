"""The bad-input corpus: every case from the JSON Schema exits 2, names its key, writes nothing.

Cases come from `tests/input_corpus.py`: each number below and above its range, wrong types,
unknown enum values, tables given as lists or scalars, misspelt keys and unknown references,
applied one at a time to bundled scenario and experiment files, then submitted as a file on
the command line and as `--set`.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from input_corpus import Case, cases, scenario_reference_cases
from typer.testing import CliRunner

from sim.cli import app
from sim.errors import ScenarioError
from sim.experiments.experiment_file import ExperimentFile
from sim.scenario.files import read_scenario_data, scenario_from_data
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ("classroom", "yangtze_delta_pilot", "national_2018")


def scenario_document(stem: str) -> dict[str, Any]:
    """A bundled scenario with every default filled in, as TOML-ready data."""
    data = read_scenario_data(ROOT / "scenarios" / f"{stem}.toml")
    return scenario_from_data(data).model_dump(mode="json", exclude_none=True)


def scenario_cases(stem: str) -> list[Case]:
    document = scenario_document(stem)
    return cases(Scenario.model_json_schema(), document) + scenario_reference_cases(document)


def experiment_document() -> dict[str, Any]:
    """The deterrence experiment with its base scenario as an absolute path."""
    path = ROOT / "experiments" / "deterrence.toml"
    data = tomllib.loads(path.read_text())
    data["experiment"]["scenario"] = str(ROOT / "scenarios" / "classroom.toml")
    data["overrides"]["simulation.steps"] = 2
    return data


LEVER = "behaviours.loan_default.detectability"
EXPERIMENT_MEANING_CASES = [
    Case("missing file", ("experiment", "scenario"), "no_such.toml"),
    Case("unknown key", ("levers", "behaviours.no_such.detectability"), {"values": [0.5]}),
    Case("table as a factor", ("levers", "behaviours.loan_default"), {"values": [0.5]}),
    Case("level out of range", ("levers", LEVER), {"values": [0.5, 2.0]}, LEVER),
    Case("range out of range", ("levers", LEVER), {"low": -1.0, "high": 0.5}, LEVER),
    Case("range for text", ("levers", "simulation.name"), {"low": 1.0, "high": 2.0}),
    Case("bad override", ("overrides", "simulation.steps"), -1, "[overrides]: simulation.steps"),
    Case(
        "unknown override",
        ("overrides", "population.citizenz"),
        5,
        "[overrides]: population.citizenz",
    ),
    Case(
        "bad design",
        ("designs", "strict"),
        {"population.citizenz": 5},
        "[designs.strict]: population.citizenz",
    ),
    Case("unknown baseline", ("compare", "baseline"), "no_such_design"),
    Case("unknown metric", ("outcomes", "compliance", "metric"), "no_such_metric"),
    Case("unknown sensitivity outcome", ("sensitivity",), {"outcomes": ["nope"]}),
    Case("points not a power of 2", ("sampling",), {"method": "sobol", "points": 3}),
    Case("grid range without levels", ("levers", LEVER), {"low": 0.1, "high": 0.9}, LEVER),
]


def experiment_cases() -> list[Case]:
    schema = ExperimentFile.model_json_schema()
    return cases(schema, experiment_document()) + EXPERIMENT_MEANING_CASES


def assert_refused(result: Any, case: Case, out: Path) -> None:
    """Exit 2, one message naming the key, no traceback, nothing under --out."""
    assert result.exit_code == 2, (case, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), case
    assert "Traceback" not in result.output, (case, result.output)
    assert case.named in result.output, (case, result.output)
    assert result.output.startswith("error: "), (case, result.output)
    assert not out.exists() or not any(out.iterdir()), (case, sorted(out.iterdir()))


@pytest.mark.parametrize("stem", SCENARIOS)
def test_the_corpus_covers_every_kind_of_mistake(stem: str):
    kinds = {case.kind for case in scenario_cases(stem)}
    assert {
        "below minimum",
        "above maximum",
        "text for a number",
        "fraction for an integer",
        "unknown choice",
        "text for true/false",
        "list for a table",
        "scalar for a table",
        "misspelt key",
        "unknown reference",
    } <= kinds
    assert len(scenario_cases(stem)) > 400


@pytest.mark.parametrize("stem", SCENARIOS)
def test_every_case_is_refused_naming_its_key(stem: str):
    document = scenario_document(stem)
    scenario_from_data(document)  # the unbroken document is valid
    for case in scenario_cases(stem):
        with pytest.raises(ScenarioError) as caught:
            scenario_from_data(case.applied(document), f"{stem}.toml")
        message = str(caught.value)
        assert message.startswith(f"{stem}.toml: ") and case.named in message, (case, message)
        if case.meant is not None:  # a misspelt key names the key that was meant
            assert f"did you mean `{case.meant}`?" in message, (case, message)
        if case.kind in ("below minimum", "above maximum"):  # the whole range, not one bound
            assert re.search(r"allowed: ([\[(][-\d.e+]+, [-\d.e+]+[\])]|[<>]=? )", message), (
                case,
                message,
            )


@pytest.mark.parametrize("case", scenario_cases("yangtze_delta_pilot"), ids=lambda case: case.id)
def test_a_broken_scenario_file_exits_2_and_writes_nothing(tmp_path: Path, case: Case):
    path = tmp_path / "broken.toml"
    path.write_text(tomli_w.dumps(case.applied(scenario_document("yangtze_delta_pilot"))))
    out = tmp_path / "results"
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(out), "--no-progress"])
    assert_refused(result, case, out)


@pytest.mark.parametrize(
    "case",
    [case for case in scenario_cases("classroom") if case.settable],
    ids=lambda case: case.id,
)
def test_a_broken_set_option_exits_2_and_writes_nothing(tmp_path: Path, case: Case):
    out = tmp_path / "results"
    scenario = str(ROOT / "scenarios" / "classroom.toml")
    arguments = ["run", scenario, "--set", case.set_option(), "--out", str(out), "--no-progress"]
    result = CliRunner().invoke(app, arguments)
    assert_refused(result, case, out)


def test_the_unbroken_experiment_is_valid(tmp_path: Path):
    path = tmp_path / "fine.toml"
    path.write_text(tomli_w.dumps(experiment_document()))
    from sim.experiments.experiment_file import load_experiment

    assert load_experiment(path).name == "deterrence"


@pytest.mark.parametrize("case", experiment_cases(), ids=lambda case: case.id)
def test_a_broken_experiment_file_exits_2_and_writes_nothing(tmp_path: Path, case: Case):
    path = tmp_path / "broken.toml"
    document = case.applied(experiment_document())
    path.write_text(tomli_w.dumps(json.loads(json.dumps(document))))
    out = tmp_path / "results"
    result = CliRunner().invoke(
        app, ["sweep", str(path), "--out", str(out), "--no-progress", "--workers", "1"]
    )
    assert_refused(result, case, out)


def test_the_corpus_breaks_the_lists_and_memoranda_of_the_yangtze_pilot():
    cases = scenario_cases("yangtze_delta_pilot")
    kinds = {case.kind for case in cases}
    assert {"contradictory durations", "list without a trigger"} <= kinds
    named = {case.named for case in cases if case.kind == "unknown reference"}
    assert {"lists.court_defaulters.owner", "memoranda.yrd_joint_punishment.lists"} <= named
