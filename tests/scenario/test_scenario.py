"""Scenario files: loading, overrides, defaults, hashes and every class of bad input."""

from __future__ import annotations

import os
from pathlib import Path

import pydantic
import pytest
from helpers import make_scenario, scenario_data, write_scenario
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import Scenario, ScenarioError, load_scenario
from sim.scenario.files import apply_overrides, json_schema, parse_override, scenario_from_data


def test_defaults_alone_make_a_valid_scenario() -> None:
    scenario = Scenario()
    assert scenario.cities and scenario.behaviours and scenario.schemes
    for city in scenario.cities.values():
        assert city.scheme is None or city.scheme in scenario.schemes


def test_file_round_trip(scenario_file: Path) -> None:
    scenario = load_scenario(scenario_file)
    assert scenario == make_scenario()
    assert scenario.population.citizens == 1000
    assert scenario.schemes["strict"].blacklist_duration_months == 6
    assert [band.name for band in scenario.schemes["strict"].bands] == ["A", "B"]


def test_overrides_are_applied_and_validated(scenario_file: Path) -> None:
    scenario = load_scenario(
        scenario_file, {"population.citizens": 2000, "cities.east.enforcement": 2.5}
    )
    assert scenario.population.citizens == 2000
    assert scenario.cities["east"].enforcement == 2.5
    with pytest.raises(ScenarioError, match=r"population\.citizens = 3"):
        load_scenario(scenario_file, {"population.citizens": 3})


def test_overrides_do_not_touch_the_original_data() -> None:
    data = scenario_data()
    merged = apply_overrides(data, {"population.citizens": 50, "new.table.key": 1})
    assert data["population"]["citizens"] == 1000
    assert merged["population"]["citizens"] == 50
    assert merged["new"] == {"table": {"key": 1}}


def test_scenario_is_frozen(small_scenario: Scenario) -> None:
    with pytest.raises(pydantic.ValidationError):
        small_scenario.population.citizens = 5  # type: ignore[misc]
    copy = small_scenario.model_copy(update={"simulation": small_scenario.simulation})
    assert copy == small_scenario


def test_digest_is_stable_and_tracks_every_value(small_scenario: Scenario) -> None:
    assert small_scenario.digest() == make_scenario().digest()
    assert len(small_scenario.digest()) == 64
    assert make_scenario(cities__east__enforcement=1.5).digest() != small_scenario.digest()


@pytest.mark.parametrize(
    ("text", "path", "value"),
    [
        ("population.citizens=5000", ["population", "citizens"], 5000),
        ("decision.logit_noise = 0.5", ["decision", "logit_noise"], 0.5),
        ("migration.enabled=false", ["migration", "enabled"], False),
        ("cities.east.scheme=strict", ["cities", "east", "scheme"], "strict"),
        ('simulation.name="a b"', ["simulation", "name"], "a b"),
        (
            "schemes.strict.sanctions=['no_flights']",
            ["schemes", "strict", "sanctions"],
            ["no_flights"],
        ),
    ],
)
def test_parse_override_reads_toml_values(text: str, path: list[str], value: object) -> None:
    assert parse_override(text) == (path, value)


@pytest.mark.parametrize("text", ["population.citizens", "=5", " . =1", ""])
def test_bad_override_syntax_is_a_scenario_error(text: str) -> None:
    with pytest.raises(ScenarioError, match="--set"):
        parse_override(text)


def test_json_schema_describes_every_section() -> None:
    schema = json_schema()
    assert {"simulation", "population", "behaviours", "schemes", "cities", "zones"} <= set(
        schema["properties"]
    )
    scheme = schema["$defs"]["Scheme"]["properties"]
    assert scheme["blacklist_duration_months"]["minimum"] == 1


# --- bad input: each class gives one ScenarioError naming file, key path, value, what is allowed


def _error_for(tmp_path: Path, **overrides: object) -> str:
    path = write_scenario(tmp_path / "bad.toml", scenario_data(**overrides))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert str(path) in message
    assert "Traceback" not in message
    return message


def test_typo_in_key(tmp_path: Path) -> None:
    message = _error_for(tmp_path, population__citzens=500)
    assert "population.citzens" in message
    assert "500" in message
    assert "unknown key" in message


def test_typo_in_table_name(tmp_path: Path) -> None:
    data = scenario_data()
    data["populaton"] = data.pop("population")
    path = write_scenario(tmp_path / "bad.toml", data)
    with pytest.raises(ScenarioError, match=r"populaton: unknown key"):
        load_scenario(path)


def test_wrong_type(tmp_path: Path) -> None:
    message = _error_for(tmp_path, population__citizens="many")
    assert "population.citizens" in message
    assert "'many'" in message
    assert "integer" in message


def test_wrong_type_in_a_list(tmp_path: Path) -> None:
    message = _error_for(tmp_path, schemes__strict__blacklist_behaviours=[1])
    assert "schemes.strict.blacklist_behaviours.0" in message


@pytest.mark.parametrize(
    ("key", "value", "allowed"),
    [
        ("population.citizens", 5, "allowed: [10, 20000000] (agents)"),
        (
            "behaviours.traffic_violation.detectability",
            1.5,
            "allowed: [0, 1] (probability per act)",
        ),
        ("cities.north.data_sharing", -0.1, "allowed: [0, 1]"),
        ("schemes.strict.blacklist_duration_months", 0, "allowed: [1, 600] (months)"),
        ("cities.east.population_share", 0.0, "allowed: > 0"),
        ("decision.logit_noise", 11.0, "allowed: [0, 10] (income share)"),
    ],
)
def test_out_of_range_value(tmp_path: Path, key: str, value: float, allowed: str) -> None:
    message = _error_for(tmp_path, **{key.replace(".", "__"): value})
    assert f"{key} = {value!r}" in message
    assert allowed in message


def test_value_not_among_the_choices(tmp_path: Path) -> None:
    message = _error_for(tmp_path, sanctions__no_trains__restricts="boats")
    assert "sanctions.no_trains.restricts = 'boats'" in message
    assert "'flights'" in message


def test_scheme_bounds_out_of_order(tmp_path: Path) -> None:
    message = _error_for(tmp_path, schemes__strict__base_score=2000)
    assert "schemes.strict" in message
    assert "min_score <= base_score <= max_score" in message


def test_registration_coverage_out_of_range(tmp_path: Path) -> None:
    message = _error_for(tmp_path, registration__initial_coverage__other=1.5)
    assert "registration.initial_coverage.other" in message
    assert "[0, 1]" in message


@pytest.mark.parametrize(
    ("key", "value", "where", "what"),
    [
        ("cities.east.scheme", "lenient", "cities.east.scheme", "unknown scheme 'lenient'"),
        ("zones.delta.members", ["north", "west"], "zones.delta.members", "unknown city 'west'"),
        (
            "schemes.strict.points",
            {"jaywalking": -5},
            "schemes.strict.points",
            "unknown behaviour 'jaywalking'",
        ),
        (
            "schemes.strict.blacklist_behaviours",
            ["fraud"],
            "schemes.strict.blacklist_behaviours",
            "unknown behaviour 'fraud'",
        ),
        (
            "schemes.strict.sanctions",
            ["no_boats"],
            "schemes.strict.sanctions",
            "unknown sanction 'no_boats'",
        ),
        (
            "schemes.strict.rewards",
            ["free_lunch"],
            "schemes.strict.rewards",
            "unknown reward 'free_lunch'",
        ),
        (
            "registration.initial_coverage",
            {"pilot": 1.0},
            "registration.initial_coverage",
            "unknown profession 'pilot'",
        ),
    ],
)
def test_unknown_reference(tmp_path: Path, key: str, value: object, where: str, what: str) -> None:
    message = _error_for(tmp_path, **{key.replace(".", "__"): value})
    assert f"{where}: {what}" in message
    assert "allowed:" in message


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ScenarioError, match="file not found") as caught:
        load_scenario(path)
    assert str(path) in str(caught.value)


def test_directory_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="is a directory") as caught:
        load_scenario(tmp_path)
    assert str(tmp_path) in str(caught.value)


def test_file_not_in_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.toml"
    path.write_bytes('[simulation]\nname = "Zhōushān"\n'.encode("utf-16"))
    with pytest.raises(ScenarioError, match="cannot read file") as caught:
        load_scenario(path)
    assert str(path) in str(caught.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_file_without_read_permission(scenario_file: Path) -> None:
    scenario_file.chmod(0o000)
    try:
        with pytest.raises(ScenarioError, match="cannot read file"):
            load_scenario(scenario_file)
    finally:
        scenario_file.chmod(0o644)


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc")
def test_file_the_system_refuses_to_read() -> None:
    with pytest.raises(ScenarioError, match=r"/proc/self/mem: cannot read file \(.*error"):
        load_scenario("/proc/self/mem")


def test_broken_toml(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('[population]\ncitizens = 1000\nname = "unterminated\n')
    with pytest.raises(ScenarioError, match="not valid TOML") as caught:
        load_scenario(path)
    assert str(path) in str(caught.value)
    assert "line 3" in str(caught.value)


def test_every_problem_is_reported_once_per_line(tmp_path: Path) -> None:
    message = _error_for(tmp_path, population__citizens=5, decision__logit_noise=-1.0)
    lines = message.splitlines()
    assert len(lines) == 2
    assert any("population.citizens" in line for line in lines)
    assert any("decision.logit_noise" in line for line in lines)


def test_a_scenario_needs_a_city(tmp_path: Path) -> None:
    data = scenario_data()
    data["cities"] = {}
    data["zones"] = {}
    path = write_scenario(tmp_path / "bad.toml", data)
    with pytest.raises(ScenarioError, match="cities: at least one city is needed"):
        load_scenario(path)


def test_profession_shares_must_not_all_be_zero(tmp_path: Path) -> None:
    message = _error_for(tmp_path, population__professions={"doctor": 0.0, "other": 0.0})
    assert "population" in message and "must not all be zero" in message


@given(
    citizens=st.integers(10, 100_000),
    per_agent=st.floats(0.01, 1e5).filter(lambda v: v != 1.0),
    new_citizens=st.integers(10, 100_000),
)
@settings(max_examples=60, deadline=None)
def test_overriding_citizens_keeps_the_real_population_of_a_scaled_scenario(
    citizens, per_agent, new_citizens
):
    data = {"population": {"citizens": citizens, "people_per_agent": per_agent}}
    scenario = scenario_from_data(apply_overrides(data, {"population.citizens": new_citizens}))
    population = scenario.population
    assert population.citizens == new_citizens
    assert population.citizens * population.people_scale == pytest.approx(citizens * per_agent)


def test_an_explicit_scale_or_an_unscaled_file_is_left_as_written():
    scaled = {"population": {"citizens": 100, "people_per_agent": 50.0}}
    both = {"population.citizens": 200, "population.people_per_agent": 2.0}
    assert scenario_from_data(apply_overrides(scaled, both)).population.people_scale == 2.0
    unscaled = {"population": {"citizens": 100, "people_per_agent": 1.0}}
    again = scenario_from_data(apply_overrides(unscaled, {"population.citizens": 400}))
    assert again.population.people_scale == 1.0
