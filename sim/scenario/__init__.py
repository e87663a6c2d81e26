"""The scenario file format: schema (pydantic), files (TOML, `--set`, JSON Schema), reference."""

from sim.scenario.files import apply_overrides, json_schema, load_scenario, scenario_from_data
from sim.scenario.schema import Scenario

__all__ = ["Scenario", "apply_overrides", "json_schema", "load_scenario", "scenario_from_data"]
