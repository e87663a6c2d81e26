"""Validation against known results: each case returns a table the tests and docs share.

Cases (docs/validation.md cites the sources and tolerances):
- closed-form deterrence (Becker 1968; Allingham and Sandmo 1972): with norms, learning and
  noise off, the share of opportunities taken equals P(gain > detection x penalty);
- monotone deterrence: more detection or longer listing never raises violations;
- certainty vs severity (Becker 1968): risk-seeking agents are deterred more by detection
  than by an equal rise in expected penalty through the fine, risk-averse ones the reverse;
- hysteresis with social norms (Davis, Hecht and Perkins 2003): enforcement swept down from a
  compliant population and up from a non-compliant one traces two paths.

`python -m sim.outputs.validation_page` runs them all and regenerates docs/validation.md.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.model.model import CreditModel
from sim.scenario.files import apply_overrides, scenario_from_data
from sim.scenario.schema import Scenario
from sim.seeding import make_generator

INCOME_YUAN = 4_000.0


def deterrence_scenario(overrides: dict[str, Any] | None = None) -> Scenario:
    """One city, one offence faced every month, everything but the deterrence choice off.

    Incomes are equal (income_sigma 0), so fine / income is the same for everyone.
    """
    data: dict[str, Any] = {
        "simulation": {"name": "deterrence", "steps": 12},
        "population": {
            "citizens": 4_000,
            "firms_per_citizen": 0.0,
            "income_median_yuan": INCOME_YUAN,
            "income_sigma": 0.0,
            "honesty_mean": 0.0,
            "honesty_sd": 0.0,
            "risk_aversion_mean": 0.0,
            "risk_aversion_sd": 0.0,
        },
        "decision": {
            "logit_noise": 0.0,
            "peer_weight": 0.0,
            "learning_rate_own": 0.0,
            "learning_rate_social": 0.0,
            "initial_detection_belief": 1.0,
        },
        "income_shocks": {"probability_per_month": 0.0},
        "records": {"false_record_rate_per_month": 0.0},
        "migration": {"enabled": False},
        "behaviours": {
            "offence": {
                "opportunity_rate_per_month": 1.0,
                "gain_income_share": 0.1,
                "gain_sigma": 0.5,
                "fine_yuan": 1_000.0,
                "detectability": 0.4,
            }
        },
        "sanctions": {},
        "rewards": {},
        "schemes": {},
        "cities": {"city": {"scheme": None}},
    }
    return scenario_from_data(apply_overrides(data, overrides or {}), "<validation>")


# A scheme that scores the offence and publishes its records but never lists anybody.
PUBLISHED_RECORDS: dict[str, Any] = {
    "schemes": {"records": {"points": {"offence": -1}, "blacklist_threshold": 0.0}},
    "cities": {"city": {"scheme": "records", "data_sharing": 1.0}},
    "registration": {"initial_coverage": {"other": 1.0}},
}


def _citizen_detection(model: CreditModel) -> tuple[np.ndarray, np.ndarray]:
    """Citizens' true and believed detection of every violation they can commit."""
    citizens = model.citizens
    violations = ~model.rules.prosocial[citizens.behaviours]
    truth = model.rules.detection[citizens.city][:, citizens.behaviours[violations]]
    return truth, citizens.perceived_detection[:, violations]


def beliefs_after_a_cut(
    scenario: Scenario, factor: float, cut_at: int | None, months: int, seed: int
) -> pd.DataFrame:
    """Believed detection each month when every city's enforcement is cut to `factor` x.

    cut_at None: the run starts at the cut enforcement. gap = mean(belief - new detection)
    / mean(old detection - new detection): 1 right after the cut, 0 once beliefs caught up.
    """
    if cut_at is None:
        scenario = _scaled_enforcement(scenario, factor)
    model = CreditModel(scenario, rng=make_generator(seed))
    old, _ = _citizen_detection(model)
    rows = []
    for month in range(months):
        if month == cut_at:
            model.change_policy(_scaled_enforcement(model.config, factor))
        model.step()
        truth, belief = _citizen_detection(model)
        shift = float((old - truth).mean())
        rows.append(
            {
                "month": month,
                "belief": float(belief.mean()),
                "detection": float(truth.mean()),
                "gap": float((belief - truth).mean()) / shift if shift else float("nan"),
                "compliance_rate": float(model.latest["compliance_rate"]),
            }
        )
    return pd.DataFrame(rows)


def _scaled_enforcement(scenario: Scenario, factor: float) -> Scenario:
    data = scenario.model_dump(mode="json")
    for city in data["cities"].values():
        city["enforcement"] *= factor
    return scenario_from_data(data, "<enforcement cut>")


def belief_gap_after_a_cut(
    overrides: dict[str, Any] | None = None,
    months: int = 48,
    factor: float = 0.25,
    cut_at: int = 6,
    seed: int = 5,
) -> pd.DataFrame:
    """The belief gap month by month after the cut (columns months_since_cut, gap).

    In the deterrence scenario with published records.
    """
    scenario = deterrence_scenario({**PUBLISHED_RECORDS, **(overrides or {})})
    table = beliefs_after_a_cut(scenario, factor, cut_at, cut_at + months, seed)
    after = table[table["month"] >= cut_at]
    return pd.DataFrame(
        {"months_since_cut": after["month"].to_numpy() - cut_at + 1, "gap": after["gap"]}
    )


def violation_share(scenario: Scenario, seed: int, replicate: int = 0) -> float:
    """Mean share of citizens violating per step over a run."""
    model = CreditModel(scenario, rng=make_generator(seed, 0, replicate))
    for _ in range(scenario.simulation.steps):
        model.step()
    return float(1.0 - model.timeseries()["compliance_rate"].mean())


def closed_form_deterrence(
    detections: tuple[float, ...] = (0.1, 0.3, 0.5, 0.8),
    fines_yuan: tuple[float, ...] = (400.0, 1_000.0, 2_000.0),
    seed: int = 1,
) -> pd.DataFrame:
    """Simulated vs closed-form share violating: P(gain > p * fine / income)."""
    rows = []
    base = deterrence_scenario()
    gain = base.behaviours["offence"]
    for detection in detections:
        for fine in fines_yuan:
            scenario = deterrence_scenario(
                {
                    "behaviours.offence.detectability": detection,
                    "behaviours.offence.fine_yuan": fine,
                }
            )
            expected = stats.lognorm.sf(
                detection * fine / INCOME_YUAN, s=gain.gain_sigma, scale=gain.gain_income_share
            )
            trials = scenario.population.citizens * scenario.simulation.steps
            rows.append(
                {
                    "detection": detection,
                    "fine_yuan": fine,
                    "expected": float(expected),
                    "simulated": violation_share(scenario, seed),
                    "standard_error": float(np.sqrt(expected * (1 - expected) / trials)),
                }
            )
    return pd.DataFrame(rows)


def listing_scenario(detection: float, duration_months: int, citizens: int) -> Scenario:
    """The deterrence scenario with a scheme that blacklists offenders, noise and learning on."""
    return deterrence_scenario(
        {
            "population.citizens": citizens,
            "simulation.steps": 24,
            "decision.logit_noise": 0.05,
            "decision.learning_rate_own": 0.2,
            "decision.learning_rate_social": 0.05,
            "behaviours.offence.detectability": detection,
            "sanctions": {"no_trains": {"cost_income_share": 0.01, "restricts": "trains"}},
            "schemes": {
                "list": {
                    "points": {"offence": -50},
                    "blacklist_behaviours": ["offence"],
                    "blacklist_duration_months": duration_months,
                    "sanctions": ["no_trains"],
                    "published": False,
                }
            },
            "cities": {"city": {"scheme": "list", "data_sharing": 1.0}},
            "registration": {"initial_coverage": {"other": 1.0}},
        }
    )


def monotone_deterrence(
    detections: tuple[float, ...] = (0.1, 0.2, 0.4, 0.8),
    durations_months: tuple[int, ...] = (3, 12, 36),
    replicates: int = 3,
    citizens: int = 3_000,
    seed: int = 2,
) -> pd.DataFrame:
    """Mean violation share over a grid of detection x listing duration (common random numbers)."""
    rows = []
    for detection in detections:
        for duration in durations_months:
            scenario = listing_scenario(detection, duration, citizens)
            shares = [violation_share(scenario, seed, r) for r in range(replicates)]
            rows.append(
                {
                    "detection": detection,
                    "duration_months": duration,
                    "violation_share": float(np.mean(shares)),
                    "standard_error": float(np.std(shares, ddof=1) / np.sqrt(replicates))
                    if replicates > 1
                    else 0.0,
                }
            )
    return pd.DataFrame(rows)


CERTAINTY_WEALTH_MONTHS = 1.0  # small stakes hide risk attitude: one month of wealth at stake


def certainty_vs_severity(
    risk_aversions: tuple[float, ...] = (-0.5, 1.5),
    factor: float = 2.0,
    seed: int = 3,
) -> pd.DataFrame:
    """Violation share at baseline, with detection x factor, and with the fine x factor."""
    rows = []
    for rho in risk_aversions:
        shares = {}
        for label, detection, fine in (
            ("baseline", 0.2, 2_000.0),
            ("certainty", 0.2 * factor, 2_000.0),
            ("severity", 0.2, 2_000.0 * factor),
        ):
            scenario = deterrence_scenario(
                {
                    "population.risk_aversion_mean": rho,
                    "decision.wealth_base_months": CERTAINTY_WEALTH_MONTHS,
                    "behaviours.offence.detectability": detection,
                    "behaviours.offence.fine_yuan": fine,
                    "behaviours.offence.gain_income_share": 0.06,
                }
            )
            shares[label] = violation_share(scenario, seed)
        rows.append(
            {
                "risk_aversion": rho,
                **shares,
                "certainty_effect": shares["baseline"] - shares["certainty"],
                "severity_effect": shares["baseline"] - shares["severity"],
            }
        )
    return pd.DataFrame(rows)


def norm_scenario(citizens: int, peer_weight: float = 0.2) -> Scenario:
    """Strong peer norms, little noise: the conditions for two stable states."""
    return deterrence_scenario(
        {
            "population.citizens": citizens,
            "decision.peer_weight": peer_weight,
            "decision.logit_noise": 0.01,
            "behaviours.offence.gain_income_share": 0.1,
            "behaviours.offence.gain_sigma": 0.25,
            "behaviours.offence.fine_yuan": 2_000.0,
            "network.mean_degree": 10,
        }
    )


def _set_detection(model: CreditModel, detection: float) -> None:
    """Change enforcement mid-run; agents are told (beliefs set to the new probability)."""
    data = model.config.model_dump(mode="json")
    overrides = {"behaviours.offence.detectability": detection}
    model.change_policy(scenario_from_data(apply_overrides(data, overrides), "<hysteresis>"))
    model.citizens.perceived_detection[:] = detection


def hysteresis(
    detections: tuple[float, ...] = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35),
    steps_per_level: int = 12,
    citizens: int = 3_000,
    seed: int = 4,
    peer_weight: float = 0.2,
) -> pd.DataFrame:
    """Violation share at each detection level, swept down (from compliant) and up."""
    rows = []
    scenario = norm_scenario(citizens, peer_weight)
    for direction, levels in (("down", detections[::-1]), ("up", detections)):
        model = CreditModel(scenario, rng=make_generator(seed))
        if direction == "up":
            model.citizens.violated[:] = True  # start from a non-compliant population
        for detection in levels:
            _set_detection(model, detection)
            for _ in range(steps_per_level):
                model.step()
            rows.append(
                {
                    "direction": direction,
                    "detection": detection,
                    "violation_share": 1.0 - model.latest["compliance_rate"],
                }
            )
    return pd.DataFrame(rows)
