"""The documentation matches the code: scenario reference, output columns, manifest keys."""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
import tomllib
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from pydantic import BaseModel

from sim.model.model import CreditModel
from sim.model.population import AGENT_ARRAYS, Citizens
from sim.runs.runner import run_to_disk
from sim.scenario import reference
from sim.scenario.files import scenario_from_data
from sim.scenario.schema import Scenario

DOCS = Path(__file__).resolve().parents[2] / "docs"
CITIES = ("north", "south_bank")
# The stage functions CreditModel.step calls, in the order docs/ODD.md section 3 describes.
STAGE_CALLS = (
    "behave",
    "detect",
    "false_records",
    "recover",
    "apply_records",
    "expire",
    "repay",
    "repair_wrong_records",
    "list_new",
    "end_spells",
    "list_on_records",
    "update_redlist",
    "update_red_lists",
    "rate",
    "sanction_and_reward",
    "list_transfers",
    "rating_transfers",
    "harm_employees",
    "learn",
    "migrate",
    "collect",
)


def read_doc(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def doc_section(text: str, heading: str) -> str:
    """The text under a `## heading` up to the next `## ` heading."""
    start = text.index(f"## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end >= 0 else len(text)]


def table_names(section: str) -> list[str]:
    """The backticked names in the first cell of every table row of a section."""
    return re.findall(r"^\| `([^`]+)` \|", section, flags=re.MULTILINE)


def name_pattern(documented: str, substitutions: dict[str, list[str]]) -> re.Pattern[str]:
    """A documented column name as a regex; `<k>`, `<city>`, `<behaviour>` are placeholders."""
    pattern = re.escape(documented)
    for placeholder, values in substitutions.items():
        alternatives = "|".join(re.escape(v) for v in values)
        pattern = pattern.replace(re.escape(f"<{placeholder}>"), f"(?:{alternatives})")
    return re.compile(pattern)


def models_in_reference() -> list[type[BaseModel]]:
    return [section.model for section in reference.sections()]


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Scenario, Path]:
    """A 1,000-citizen, 3-step default scenario with two cities, written to disk."""
    scenario = scenario_from_data(
        {
            "population": {"citizens": 1000},
            "simulation": {"steps": 3, "name": "docs"},
            "cities": {name: {"scheme": "default"} for name in CITIES},
            "schemes": {
                "default": {
                    **Scenario().schemes["default"].model_dump(mode="json"),
                    "bands": [{"name": "A", "min_score": 1000}, {"name": "B", "min_score": 0}],
                }
            },
        }
    )
    run_dir = run_to_disk(scenario, tmp_path_factory.mktemp("runs"), seed=3)
    return scenario, run_dir


def test_scenario_reference_is_the_generator_output():
    assert read_doc("scenarios.md") == reference.render(), (
        f"docs/scenarios.md is stale: regenerate it with `{reference.COMMAND}`"
    )


def test_every_scenario_key_is_in_the_reference():
    text = read_doc("scenarios.md")
    top_keys = set(Scenario.model_fields)
    for section in reference.sections():
        body = doc_section(text, f"`{section.header}`")
        assert set(table_names(body)) == set(section.model.model_fields), section.header
        top_keys.discard(section.header.strip("[]").split(".")[0])
    assert not top_keys, f"top-level tables missing from the reference: {sorted(top_keys)}"


def test_every_key_has_a_description_and_every_number_a_unit():
    for model in models_in_reference():
        for key, info in model.model_fields.items():
            assert info.description, f"{model.__name__}.{key} has no description"
            assert reference.unit_of(model, key, info), f"{model.__name__}.{key} has no unit"


def test_reference_ranges_come_from_the_field_constraints():
    ranges = {
        (model.__name__, key): reference.allowed_range(info)
        for model in models_in_reference()
        for key, info in model.model_fields.items()
    }
    assert ranges[("Population", "people_per_agent")] == "> 0"
    assert ranges[("Simulation", "steps")] == "[1, 1200]"
    assert ranges[("Population", "risk_aversion_mean")] == "[-1, 5]"
    assert ranges[("Behaviour", "actor")] == 'one of `"citizen"`, `"firm"`'


def test_reference_example_is_a_valid_scenario():
    scenario = scenario_from_data(tomllib.loads(reference.EXAMPLE), "<docs example>")
    assert set(scenario.cities) == {"shanghai", "hangzhou", "elsewhere"}
    assert scenario.zones["yangtze_delta"].members == ["shanghai", "hangzhou"]


def test_built_in_entries_in_the_reference_rebuild_the_defaults():
    """The TOML shown as the built-in named tables validates back to the default scenario."""
    text = reference.render()
    blocks = re.findall(r"Built in \(used when.*?```toml\n(.*?)```", text, flags=re.DOTALL)
    data = tomllib.loads("\n".join(blocks))
    assert scenario_from_data(data) == Scenario()


def test_every_timeseries_column_is_documented_and_every_documented_column_exists(small_run):
    scenario, run_dir = small_run
    columns = pq.read_schema(run_dir / "timeseries.parquet").names
    documented = table_names(doc_section(read_doc("output.md"), "`timeseries.parquet`"))
    substitutions = {
        "k": [str(k) for k in range(1, 6)],
        "city": list(scenario.cities),
        "behaviour": list(scenario.behaviours),
        "band": [band.name for s in scenario.schemes.values() for band in s.bands],
    }
    patterns = {name: name_pattern(name, substitutions) for name in documented}
    undocumented = [c for c in columns if not any(p.fullmatch(c) for p in patterns.values())]
    assert not undocumented, f"columns missing from docs/output.md: {undocumented}"
    absent = [n for n, p in patterns.items() if not any(p.fullmatch(c) for c in columns)]
    assert not absent, f"docs/output.md lists columns the model does not produce: {absent}"


def test_agent_columns_and_manifest_keys_are_documented(small_run):
    _, run_dir = small_run
    text = read_doc("output.md")
    agent_columns = pq.read_schema(run_dir / "agents.parquet").names
    assert table_names(doc_section(text, "`agents.parquet`")) == agent_columns
    manifest = json.loads((run_dir / "manifest.json").read_text())
    documented_keys = table_names(doc_section(text, "`manifest.json`"))
    assert documented_keys == list(manifest)
    timings = set(re.findall(r"`(\w+_seconds)`", doc_section(text, "`manifest.json`")))
    assert timings == set(manifest["timings"])


def test_odd_describes_every_agent_array_and_every_stage_module():
    odd = read_doc("ODD.md")
    state = doc_section(odd, "2. Entities, state variables and scales")
    arrays = {field.name for field in dataclasses.fields(Citizens)}
    arrays |= {array.name for array in AGENT_ARRAYS}
    missing = sorted(name for name in arrays if f"| `{name}`" not in state)
    assert not missing, f"state variables missing from docs/ODD.md: {missing}"
    stages = (
        "behave",
        "detect",
        "score",
        "listing",
        "lists",
        "ratings",
        "sanction",
        "learn",
        "migrate",
        "metrics",
    )
    submodels = doc_section(odd, "7. Submodels")
    assert all(f"sim/model/stages/{stage}.py" in submodels for stage in stages)
    schedule = doc_section(odd, "3. Process overview and scheduling")
    step_source = inspect.getsource(CreditModel.step)
    first_call = [re.search(rf"\b{name}\(", step_source) for name in STAGE_CALLS]
    assert all(first_call), "CreditModel.step calls changed: update docs/ODD.md"
    positions = [match.start() for match in first_call]
    assert positions == sorted(positions), "CreditModel.step order changed: update docs/ODD.md"
    assert all(f"sim/model/stages/{stage}.py" in schedule for stage in stages)


def test_agents_table_in_output_md_is_rendered_from_the_array_declarations():
    from sim.runs.store import agents_reference

    assert agents_reference() in read_doc("output.md")


def test_the_changelog_names_the_model_version_every_manifest_carries(small_run):
    from sim.model.version import MODEL_VERSION

    _, run_dir = small_run
    assert json.loads((run_dir / "manifest.json").read_text())["model_version"] == MODEL_VERSION
    changelog = (DOCS.parent / "CHANGELOG.md").read_text()
    versions = re.findall(r"^## (\S+)", changelog, flags=re.M)
    assert versions[0] == MODEL_VERSION, "the newest CHANGELOG.md entry is the model version"
    assert len(set(versions)) == len(versions)
