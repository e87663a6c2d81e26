"""Helpers the tests import by name: small scenarios (as data, as models, as TOML files),
a TOML writer, hand-made acts, the output contract's columns and the browser settings."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from sim.model.events import Acts
from sim.model.model import CreditModel
from sim.scenario.files import apply_overrides, scenario_from_data
from sim.scenario.schema import Scenario

# The output contract's required time-series columns (issue: the simulation core).
REQUIRED_COLUMNS = (
    "step",
    "compliance_rate",
    "firm_compliance_rate",
    "violations",
    "detected_violations",
    "blacklisted_share",
    "firms_blacklisted_share",
    "redlisted_share",
    "flight_banned",
    "train_banned",
    "involuntary_blacklisted_share",
    "false_positive_blacklisted_share",
    "mean_score",
)

# Debian's Chromium, never a downloaded browser; flags for this machine's closed network.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

SMALL_SCENARIO: dict[str, Any] = {
    "simulation": {"name": "tiny", "steps": 12, "seed": 7},
    "population": {
        "citizens": 1000,
        "firms_per_citizen": 0.05,
        "professions": {"doctor": 0.1, "other": 0.9},
    },
    "registration": {"initial_coverage": {"doctor": 1.0, "other": 0.6}, "monthly_growth": 0.0},
    "records": {"false_record_rate_per_month": 0.0},
    "behaviours": {
        "loan_default": {
            "opportunity_rate_per_month": 1.0,
            "debtors_only": True,
            "gain_income_share": 0.05,
            "fine_yuan": 0.0,
            "detectability": 0.9,
            "involuntary_from_income_shock": True,
            "repayable": True,
        },
        "traffic_violation": {"opportunity_rate_per_month": 0.2, "fine_yuan": 200.0},
        "blood_donation": {"kind": "prosocial", "opportunity_rate_per_month": 0.05},
        "skip_insurance": {
            "actor": "firm",
            "opportunity_rate_per_month": 0.2,
            "gain_income_share": 0.05,
            "fine_yuan": 1000.0,
            "harms_employees_income_share": 0.3,
        },
    },
    "sanctions": {
        "no_flights": {"cost_income_share": 0.05, "restricts": "flights"},
        "no_trains": {"cost_income_share": 0.05, "restricts": "trains"},
        "no_procurement": {"applies_to": "firm", "cost_income_share": 0.1},
    },
    "rewards": {"fast_track_approval": {"value_income_share": 0.02}},
    "schemes": {
        "strict": {
            "points": {
                "loan_default": -100,
                "traffic_violation": -20,
                "blood_donation": 20,
                "skip_insurance": -50,
            },
            "bands": [{"name": "A", "min_score": 1050}, {"name": "B", "min_score": 600}],
            "blacklist_behaviours": ["loan_default"],
            "blacklist_duration_months": 6,
            "sanctions": ["no_flights", "no_trains", "no_procurement"],
            "rewards": ["fast_track_approval"],
        }
    },
    "cities": {
        "north": {"population_share": 2.0, "scheme": "strict", "data_sharing": 1.0},
        "south": {"population_share": 1.0, "scheme": "strict", "data_sharing": 1.0},
        "east": {"population_share": 1.0},
    },
    "zones": {"delta": {"members": ["north", "south"], "start_month": 0}},
}


def scenario_data(**overrides: Any) -> dict[str, Any]:
    """A fresh copy of the small scenario's raw data, with `a.b.c` style overrides."""
    data = copy.deepcopy(SMALL_SCENARIO)
    dotted = {key.replace("__", "."): value for key, value in overrides.items()}
    return apply_overrides(data, dotted) if dotted else data


def make_scenario(data: dict[str, Any] | None = None, **overrides: Any) -> Scenario:
    """Validate a small scenario (keyword `a__b=v` sets key path a.b)."""
    base = scenario_data() if data is None else copy.deepcopy(data)
    dotted = {key.replace("__", "."): value for key, value in overrides.items()}
    return scenario_from_data(apply_overrides(base, dotted) if dotted else base, "<test>")


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {value!r} as TOML")


def to_toml(data: dict[str, Any], prefix: str = "") -> str:
    """Write nested dicts as TOML tables (lists and leaves inline)."""
    leaves = [
        f"{_toml_key(k)} = {_toml_value(v)}" for k, v in data.items() if not isinstance(v, dict)
    ]
    lines = []
    if leaves:
        if prefix:
            lines.append(f"[{prefix}]")
        lines.extend(leaves)
        lines.append("")
    for key, value in data.items():
        if isinstance(value, dict):
            name = f"{prefix}.{_toml_key(key)}" if prefix else _toml_key(key)
            body = to_toml(value, name)
            lines.append(body if body.strip() else f"[{name}]\n")
    return "\n".join(lines)


def write_scenario(path: Path, data: dict[str, Any] | None = None) -> Path:
    """Write scenario data (default: the small scenario) to a TOML file."""
    path.write_text(to_toml(scenario_data() if data is None else data), encoding="utf-8")
    return path


def acts_of(
    agents: list[int],
    behaviours: list[int],
    columns: list[int],
    *,
    prosocial: bool = False,
    involuntary: bool = False,
    detected: bool | None = None,
    recorded: bool | None = None,
) -> Acts:
    """Hand-made acts: one per (agent, behaviour, column)."""
    n = len(agents)
    acts = Acts(
        agent=np.asarray(agents, dtype=np.int64),
        column=np.asarray(columns, dtype=np.int64),
        behaviour=np.asarray(behaviours, dtype=np.int64),
        involuntary=np.full(n, involuntary),
        prosocial=np.full(n, prosocial),
    )
    if detected is not None:
        acts.detected = np.full(n, detected)
    if recorded is not None:
        acts.recorded = np.full(n, recorded)
    return acts


# Small-scenario constants and builders used by the stage tests.
NORTH, SOUTH, EAST = 0, 1, 2
LOAN, TRAFFIC, BLOOD, SKIP_INSURANCE = 0, 1, 2, 3
NONE = np.empty(0, dtype=np.int64)


def build(seed: int = 3, **overrides: object) -> CreditModel:
    """A fresh model of the small scenario with overrides (`a__b=v`)."""
    return CreditModel(make_scenario(**overrides), seed=seed)


def everyone_in(model: CreditModel, city: int, registered: bool = True) -> None:
    """Move every citizen to one city, all registered (or none), beliefs at that city's truth."""
    citizens = model.citizens
    citizens.city[:] = city
    citizens.profession[:] = model.rules.profession_names.index("other")
    citizens.registration_draw[:] = 0.0 if registered else 0.99
    truth = model.rules.detection[city][citizens.behaviours]
    citizens.perceived_detection[:] = truth.astype(np.float32)
    citizens.score[:] = model.rules.base_score[model.rules.city_scheme[city]]


def write_tiny_calibration(
    path: Path,
    fitted: Path,
    generations: int,
    citizens: int = 2500,
    predictive_draws: int = 3,
) -> Path:
    """The bundled calibration file at a tiny size (5 particles), written to `path`."""
    import tomllib

    import tomli_w

    root = Path(__file__).resolve().parents[1]
    data = tomllib.loads((root / "experiments" / "calibration.toml").read_text())
    data["calibration"]["scenario"] = str(root / "scenarios" / "national_2018.toml")
    data["calibration"]["output_scenario"] = str(fitted)
    data["calibration"]["overrides"] = {"population.citizens": citizens}
    data["calibration"]["abc"] = {
        "population_size": 5,
        "max_generations": generations,
        "predictive_draws": predictive_draws,
        "fresh_seeds": 2,
        "scale_factor": 2,
        "scale_seeds": 2,
    }
    path.write_text(tomli_w.dumps(data))
    return path
