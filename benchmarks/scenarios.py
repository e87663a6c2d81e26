"""The scenarios the benchmarks run: the full model and the core rule alone.

The full model is run on three scenarios: `scenarios/national_2018.toml` (the national court
defaulter list: one jurisdiction, so no migration), ALL_MECHANISMS, built in here, with
every mechanism switched on (several cities and schemes, a pilot zone, a national scheme,
firms that harm employees, migration, wrong records, rewards, varied risk attitudes), and
`scenarios/national_2018_lists.toml` (the national structure: 27 blacklists, 8 red lists, a
memorandum, 38 behaviours).
The core rule is one citizen violation in one city: decide, detect, score, list. It is what
`benchmarks.per_agent_mesa` implements agent by agent, so the two can be timed side by side.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.scenario.files import apply_overrides, load_scenario, scenario_from_data
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parent.parent
NATIONAL_SCENARIO = ROOT / "scenarios" / "national_2018.toml"
FIRMS_PER_CITIZEN = 0.05

ALL_MECHANISMS_DATA: dict[str, Any] = {
    "simulation": {"name": "all_mechanisms", "steps": 120, "seed": 2018},
    "population": {
        "firms_per_citizen": FIRMS_PER_CITIZEN,
        "risk_aversion_sd": 0.2,
        "professions": {"doctor": 0.01, "public_servant": 0.05, "other": 0.94},
    },
    "registration": {
        "initial_coverage": {"doctor": 1.0, "public_servant": 1.0, "other": 0.5},
        "monthly_growth": 0.01,
    },
    "migration": {"enabled": True, "rate_per_month": 0.002, "listed_rate_per_month": 0.01},
    "behaviours": {
        "loan_default": {
            "opportunity_rate_per_month": 0.05,
            "debtors_only": True,
            "gain_income_share": 0.25,
            "fine_yuan": 0.0,
            "detectability": 0.9,
            "involuntary_from_income_shock": True,
            "repayable": True,
        },
        "traffic_violation": {"opportunity_rate_per_month": 0.3, "fine_yuan": 200.0},
        "fare_evasion": {"opportunity_rate_per_month": 0.1, "fine_yuan": 50.0},
        "blood_donation": {"kind": "prosocial", "opportunity_rate_per_month": 0.04},
        "volunteering": {"kind": "prosocial", "opportunity_rate_per_month": 0.08},
        "skip_insurance": {
            "actor": "firm",
            "opportunity_rate_per_month": 0.2,
            "gain_income_share": 0.05,
            "fine_yuan": 10_000.0,
            "harms_employees_income_share": 0.3,
        },
        "tax_evasion": {
            "actor": "firm",
            "opportunity_rate_per_month": 0.1,
            "gain_income_share": 0.1,
            "fine_yuan": 50_000.0,
            "detectability": 0.2,
        },
    },
    "sanctions": {
        "no_flights": {"cost_income_share": 0.05, "restricts": "flights"},
        "no_trains": {"cost_income_share": 0.05, "restricts": "trains"},
        "procurement_bar": {"applies_to": "firm", "cost_income_share": 0.08},
    },
    "rewards": {
        "fast_track_approval": {"value_income_share": 0.02},
        "tax_incentives": {"applies_to": "firm", "value_income_share": 0.01},
    },
    "schemes": {
        "court_blacklist": {
            "points": {"loan_default": -100, "tax_evasion": -100},
            "blacklist_behaviours": ["loan_default", "tax_evasion"],
            "blacklist_duration_months": 24,
            "scope": "national",
            "sanctions": ["no_flights", "no_trains", "procurement_bar"],
        },
        "city_score": {
            "points": {
                "loan_default": -100,
                "traffic_violation": -20,
                "fare_evasion": -10,
                "blood_donation": 20,
                "volunteering": 10,
                "skip_insurance": -50,
                "tax_evasion": -100,
            },
            "blacklist_behaviours": ["loan_default"],
            "blacklist_duration_months": 12,
            "sanctions": ["no_flights", "no_trains", "procurement_bar"],
            "rewards": ["fast_track_approval", "tax_incentives"],
        },
    },
    "cities": {
        "capital": {"population_share": 3.0, "scheme": "court_blacklist", "data_sharing": 0.9},
        "east_pilot": {"population_share": 2.0, "scheme": "city_score", "data_sharing": 0.8},
        "south_pilot": {
            "population_share": 2.0,
            "scheme": "city_score",
            "scheme_start_month": 12,
            "enforcement": 1.2,
        },
        "inland": {"population_share": 3.0, "enforcement": 0.8},
    },
    "zones": {"delta": {"members": ["east_pilot", "south_pilot"], "start_month": 24}},
}


NATIONAL_LISTS_SCENARIO = ROOT / "scenarios" / "national_2018_lists.toml"
FULL_MODELS = ("national_2018", "all_mechanisms", "national_2018_lists")

# The national scenario with awareness, legitimacy and rollout on; `with departments` adds the
# second system (31 scored departments, one per province), which is all that differs.
TRUST_OVERRIDES: dict[str, Any] = {
    "awareness.initial_share": 0.5,
    "awareness.monthly_rate": 0.01,
    "legitimacy.strength": 1.0,
    "rollout.behaviour_start_month": {"tax_evasion": 12, "false_advertising": 12},
    "rollout.national_website_month": 12,
}
DEPARTMENT_OVERRIDES: dict[str, Any] = {
    "departments.enabled": True,
    "departments.scored": True,
    "departments.per_city": 31,
}
GOVERNMENT_MODELS = ("national_2018_trust", "national_2018_departments")


def full_model_scenario(citizens: int, steps: int, name: str = FULL_MODELS[0]) -> Scenario:
    """A full-model scenario at a size, with 5% as many firms as citizens.

    `national_2018` falls back to the built-in scenario if its file is missing.
    """
    overrides = {
        "population.citizens": citizens,
        "population.firms_per_citizen": FIRMS_PER_CITIZEN,
        "simulation.steps": steps,
    }
    if name not in FULL_MODELS + GOVERNMENT_MODELS:
        raise ValueError(f"unknown full model {name!r}; allowed: {FULL_MODELS + GOVERNMENT_MODELS}")
    if name in GOVERNMENT_MODELS:
        departments = DEPARTMENT_OVERRIDES if name == "national_2018_departments" else {}
        return load_scenario(NATIONAL_SCENARIO, overrides | TRUST_OVERRIDES | departments)
    if name == "national_2018" and NATIONAL_SCENARIO.exists():
        return load_scenario(NATIONAL_SCENARIO, overrides)
    if name == "national_2018_lists":
        return load_scenario(NATIONAL_LISTS_SCENARIO, overrides)
    return scenario_from_data(apply_overrides(ALL_MECHANISMS_DATA, overrides), "<all_mechanisms>")


def full_model_source(name: str = FULL_MODELS[0]) -> str:
    """Where a full-model scenario comes from, for the report."""
    if name == "national_2018" and NATIONAL_SCENARIO.exists():
        return str(NATIONAL_SCENARIO.relative_to(ROOT))
    if name == "national_2018_lists":
        return str(NATIONAL_LISTS_SCENARIO.relative_to(ROOT))
    return "benchmarks/scenarios.py: ALL_MECHANISMS_DATA"


CORE_RULE_DATA: dict[str, Any] = {
    "simulation": {"name": "benchmark_core_rule", "steps": 120, "seed": 7},
    "population": {
        "firms_per_citizen": 0.0,
        "income_median_yuan": 4_000.0,
        "income_sigma": 0.7,
        "honesty_mean": 0.05,
        "honesty_sd": 0.05,
        "risk_aversion_mean": 0.0,
        "risk_aversion_sd": 0.0,
        "professions": {"other": 1.0},
    },
    "network": {"mean_degree": 0},
    "decision": {
        "logit_noise": 0.1,
        "honesty_weight": 1.0,
        "peer_weight": 0.0,
        "learning_rate_own": 0.0,
        "learning_rate_social": 0.0,
        "initial_detection_belief": 1.0,
        "monthly_discount_rate": 0.01,
        "shame_income_share": 0.05,
    },
    "income_shocks": {"probability_per_month": 0.0},
    "records": {"false_record_rate_per_month": 0.0},
    "migration": {"enabled": False},
    "registration": {"initial_coverage": {"other": 1.0}, "monthly_growth": 0.0},
    "behaviours": {
        "traffic_violation": {
            "opportunity_rate_per_month": 0.3,
            "gain_income_share": 0.1,
            "gain_sigma": 0.8,
            "fine_yuan": 200.0,
            "detectability": 0.4,
        }
    },
    "sanctions": {
        "no_flights": {"cost_income_share": 0.05, "restricts": "flights"},
        "no_trains": {"cost_income_share": 0.05, "restricts": "trains"},
    },
    "rewards": {},
    "schemes": {
        "core": {
            "base_score": 800.0,
            "min_score": 0.0,
            "max_score": 1000.0,
            "monthly_recovery_points": 2.0,
            "points": {"traffic_violation": -100.0},
            "blacklist_threshold": 600.0,
            "blacklist_duration_months": 12,
            "published": True,
            "sanctions": ["no_flights", "no_trains"],
        }
    },
    "cities": {"city": {"enforcement": 1.0, "data_sharing": 0.8, "scheme": "core"}},
}


def core_rule_scenario(
    citizens: int, steps: int, overrides: dict[str, Any] | None = None
) -> Scenario:
    """The core rule alone: one city, one violation, no firms, peers, learning or migration.

    `overrides` ({"a.b": value}) change its parameters, e.g. to test other settings.
    """
    overrides = {
        "population.citizens": citizens,
        "simulation.steps": steps,
        **(overrides or {}),
    }
    return scenario_from_data(apply_overrides(CORE_RULE_DATA, overrides), "<benchmark core>")
