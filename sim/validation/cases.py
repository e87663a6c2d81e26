"""Validation against known results: each case returns a table the tests and docs share.

Cases (docs/validation.md cites the sources and tolerances):
- closed-form deterrence (Becker 1968; Allingham and Sandmo 1972): with norms, learning and
  noise off, the share of opportunities taken equals P(gain > detection x penalty);
- monotone deterrence: over random rule sets, more detection or a longer listing does not
  raise violations beyond replicate noise (common random numbers);
- certainty vs severity (Becker 1968): violation shares equal the textbook CRRA expectation
  (computed apart from the model); risk-seeking agents are deterred more by detection than
  by an equal rise in expected penalty through the fine, risk-averse ones the reverse;
- hysteresis with social norms (Davis, Hecht and Perkins 2003): enforcement stepped down and
  back up in one run traces two paths, and only above a norm strength.

`python -m sim.outputs.validation_page` runs them all and regenerates docs/validation.md.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

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


def random_rule_set(rng: np.random.Generator) -> dict[str, Any]:
    """Overrides of the listing scenario drawn from bounded parts of the schema's ranges.

    Log-uniform where a range spans decades (gain, fine, sanction cost, noise), so that weak
    and strong rules both appear; the discount rate stays at its default (see the ODD for
    where a reversal remains possible).
    """
    escalates = rng.random() < 0.5
    return {
        "behaviours.offence.detectability": float(rng.uniform(0.02, 0.9)),
        "behaviours.offence.gain_income_share": float(10 ** rng.uniform(-2, 0)),
        "behaviours.offence.gain_sigma": float(rng.uniform(0.1, 1.5)),
        "behaviours.offence.fine_yuan": float(10 ** rng.uniform(1, 4)),
        "sanctions.no_trains.cost_income_share": float(10 ** rng.uniform(-3, 0)),
        "schemes.list.published": bool(rng.random() < 0.5),
        "schemes.list.blacklist_extension_months": int(rng.integers(0, 37)),
        "schemes.list.sanction_escalation": float(rng.uniform(0, 2)) if escalates else 0.0,
        "decision.shame_income_share": float(rng.uniform(0, 0.3)),
        "decision.logit_noise": float(10 ** rng.uniform(-2, 0)),
    }


def monotone_deterrence(
    rule_sets: int = 24,
    replicates: int = 3,
    citizens: int = 2_000,
    steps: int = 36,
    seed: int = 2,
    overrides: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Effect of more detection and of a longer listing on violations, over random rule sets.

    For each rule set (`random_rule_set`) a base run, one with the listing 1.5-4x longer and
    one with detection 1.25-2x higher, each replicated with common random numbers; `effect`
    is the mean paired difference in the violation share (negative: fewer violations).
    """
    draw = np.random.default_rng(seed)
    rows = []
    for rule_set in range(rule_sets):
        rules = {**random_rule_set(draw), **(overrides or {})}
        detection = rules.pop("behaviours.offence.detectability")
        duration = int(draw.integers(1, 25))
        variants = {
            "base": (detection, duration),
            "duration": (detection, min(600, round(duration * draw.uniform(1.5, 4)))),
            "detection": (min(1.0, detection * draw.uniform(1.25, 2.0)), duration),
        }
        shares = {}
        for name, (p, months) in variants.items():
            scenario = listing_scenario(p, months, citizens)
            data = apply_overrides(
                scenario.model_dump(mode="json"), {**rules, "simulation.steps": steps}
            )
            scenario = scenario_from_data(data, "<random rule set>")
            shares[name] = np.array([violation_share(scenario, seed, r) for r in range(replicates)])
        for lever in ("duration", "detection"):
            difference = shares[lever] - shares["base"]
            low, high = variants["base"], variants[lever]
            index = 1 if lever == "duration" else 0
            rows.append(
                {
                    "rule_set": rule_set,
                    "lever": lever,
                    "low": low[index],
                    "high": high[index],
                    "base_violation_share": float(shares["base"].mean()),
                    "effect": float(difference.mean()),
                    "standard_error": float(difference.std(ddof=1) / np.sqrt(replicates)),
                    **{key.rsplit(".", 1)[-1]: value for key, value in rules.items()},
                }
            )
    return pd.DataFrame(rows)


CERTAINTY_WEALTH_MONTHS = 1.0  # small stakes hide risk attitude: one month of wealth at stake


def textbook_certainty_equivalent(
    gain: float, penalty: float, detection: float, rho: float, wealth: float
) -> float:
    """CRRA certainty equivalent of violating, in float64 from the textbook formula.

    Written apart from the model's `certainty_equivalent` so the case can catch it wrong:
    M = (p (w + g - F)^(1-rho) + (1 - p) (w + g)^(1-rho))^(1/(1-rho)) (geometric at rho 1).
    """
    good, bad = wealth + gain, wealth + gain - penalty
    if rho == 1.0:
        mean = np.exp(detection * np.log(bad) + (1 - detection) * np.log(good))
    else:
        order = 1.0 - rho
        mean = (detection * bad**order + (1 - detection) * good**order) ** (1 / order)
    return float(mean - wealth)


def certainty_vs_severity(
    risk_aversions: tuple[float, ...] = (-0.5, 0.0, 1.5),
    factor: float = 2.0,
    seed: int = 3,
) -> pd.DataFrame:
    """Violation shares at baseline, detection x factor and fine x factor.

    Simulated, and expected from the textbook certainty equivalent (scipy root of CE = 0,
    then the lognormal tail of the gain beyond it).
    """
    rows = []
    base = deterrence_scenario()
    gain = {"median": 0.06, "sigma": base.behaviours["offence"].gain_sigma}
    trials = base.population.citizens * base.simulation.steps
    for rho in risk_aversions:
        for condition, detection, fine in (
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
                    "behaviours.offence.gain_income_share": gain["median"],
                }
            )
            months = fine / INCOME_YUAN
            threshold = optimize.brentq(
                textbook_certainty_equivalent,
                months * 1e-6,
                100.0,
                args=(months, detection, rho, CERTAINTY_WEALTH_MONTHS),
            )
            expected = float(stats.lognorm.sf(threshold, s=gain["sigma"], scale=gain["median"]))
            rows.append(
                {
                    "risk_aversion": rho,
                    "condition": condition,
                    "detection": detection,
                    "fine_yuan": fine,
                    "expected": expected,
                    "simulated": violation_share(scenario, seed),
                    "standard_error": float(np.sqrt(expected * (1 - expected) / trials)),
                }
            )
    return pd.DataFrame(rows)


def norm_scenario(citizens: int, peer_weight: float = 0.2, noise: float = 0.05) -> Scenario:
    """Strong peer norms, little noise, beliefs learnt from own, peer and published cases."""
    return deterrence_scenario(
        {
            **PUBLISHED_RECORDS,
            "population.citizens": citizens,
            "decision.peer_weight": peer_weight,
            "decision.logit_noise": noise,
            "decision.learning_rate_own": 0.2,
            "decision.learning_rate_social": 0.05,
            "decision.learning_rate_news": 0.2,
            "behaviours.offence.gain_income_share": 0.1,
            "behaviours.offence.gain_sigma": 0.25,
            "behaviours.offence.fine_yuan": 2_000.0,
            "network.mean_degree": 10,
        }
    )


LOOP_DETECTIONS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)


def hysteresis(
    detections: tuple[float, ...] = LOOP_DETECTIONS,
    steps_per_level: int = 24,
    citizens: int = 3_000,
    seed: int = 4,
    peer_weight: float = 0.2,
    noise: float = 0.05,
) -> pd.DataFrame:
    """Violation share at each detection level in one run: stepped down, then back up.

    The run starts compliant at the highest level; each level holds `steps_per_level`
    months, state and beliefs carried over (beliefs learn the new level, nobody is told).
    The lowest level ends the way down and starts the way up.
    """
    levels = sorted(detections)
    scenario = norm_scenario(citizens, peer_weight, noise)
    data = apply_overrides(
        scenario.model_dump(mode="json"), {"behaviours.offence.detectability": levels[-1]}
    )
    model = CreditModel(scenario_from_data(data, "<hysteresis>"), rng=make_generator(seed))
    path = [("down", d) for d in levels[::-1]] + [("up", d) for d in levels[1:]]
    rows = []
    for direction, detection in path:
        data = apply_overrides(
            model.config.model_dump(mode="json"), {"behaviours.offence.detectability": detection}
        )
        model.change_policy(scenario_from_data(data, "<hysteresis>"))
        for _ in range(steps_per_level):
            model.step()
        share = 1.0 - model.latest["compliance_rate"]
        rows.append({"direction": direction, "detection": detection, "violation_share": share})
        if direction == "down" and detection == levels[0]:
            rows.append({"direction": "up", "detection": detection, "violation_share": share})
    return pd.DataFrame(rows)


def loop_by_norm_strength(
    peer_weights: tuple[float, ...] = (0.0, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5),
    steps_per_level: int = 24,
    citizens: int = 3_000,
    seed: int = 4,
    noise: float = 0.05,
) -> pd.DataFrame:
    """The widest gap between the way up and the way down, by peer weight."""
    rows = []
    for weight in peer_weights:
        paths = hysteresis(
            steps_per_level=steps_per_level,
            citizens=citizens,
            seed=seed,
            peer_weight=weight,
            noise=noise,
        ).pivot(index="detection", columns="direction", values="violation_share")
        gap = paths["up"] - paths["down"]
        rows.append(
            {
                "peer_weight": weight,
                "widest_gap": float(gap.max()),
                "at_detection": float(gap.idxmax()),
            }
        )
    return pd.DataFrame(rows)
