"""Stage 7, collect: the per-step outcome table (one row per step, wide).

Shares are of agents; `*_people` and the travel bans are scaled to real people by the
scenario's `people_per_agent`. Columns by income quintile end in `_q1` (poorest) .. `_q5`;
columns by city end in `__<city>`. docs/output.md lists every column.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.behave import Acts
from sim.migrate import Moves
from sim.population import FALSE_RECORD, INVOLUNTARY, Citizens, Population
from sim.rules import RuleTables
from sim.sanction import MonthlyTransfers

QUINTILES = 5


@dataclass(frozen=True)
class StepEvents:
    """What happened this step, beyond the agents' state."""

    citizen_acts: Acts
    firm_acts: Acts
    newly_listed: int
    expired: int
    paid_after_listing: int
    repaired: int
    transfers: MonthlyTransfers
    sanction_cost_firms_yuan: float
    moves: Moves


def _share(numerator: np.ndarray | float, denominator: np.ndarray | float) -> np.ndarray:
    """Ratio that is 0 where the denominator is 0."""
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    return np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator > 0)


def concentration_index(values: np.ndarray, income_rank: np.ndarray) -> float:
    """Concentration index of `values` by income rank: >0 favours the rich (Wagstaff 1991)."""
    mean = values.mean() if values.size else 0.0
    if mean <= 0:
        return 0.0
    covariance = np.mean((values - mean) * (income_rank - income_rank.mean()))
    return float(2.0 * covariance / mean)


def _grouped(prefix: str, keys: list[str], values: np.ndarray) -> dict[str, float]:
    return {f"{prefix}{key}": float(v) for key, v in zip(keys, values, strict=True)}


def collect(
    step: int,
    citizens: Citizens,
    firms: Population,
    rules: RuleTables,
    events: StepEvents,
    people_per_agent: float,
) -> dict[str, float]:
    """Compute the outcome row for one step."""
    acts = events.citizen_acts
    violation = acts.violation
    listed = citizens.blacklisted
    n_listed = int(listed.sum())
    cause = citizens.listing_cause
    listing_scheme = rules.city_scheme[citizens.listing_city]
    flight = listed & rules.restricts_flights[listing_scheme]
    train = listed & rules.restricts_trains[listing_scheme]
    ever_listed = citizens.times_listed > 0
    row: dict[str, float] = {
        "step": step,
        "compliance_rate": 1.0 - float(citizens.violated.mean()) if citizens.size else 1.0,
        "firm_compliance_rate": 1.0 - float(firms.violated.mean()) if firms.size else 1.0,
        "violations": int(violation.sum()),
        "detected_violations": int((acts.detected & violation).sum()),
        "recorded_violations": int((acts.recorded & violation).sum()),
        "involuntary_violations": int(acts.involuntary.sum()),
        "prosocial_acts": int(acts.prosocial.sum()),
        "firm_violations": int(events.firm_acts.violation.sum()),
        "firm_detected_violations": int(
            (events.firm_acts.detected & events.firm_acts.violation).sum()
        ),
        "blacklisted_share": n_listed / max(citizens.size, 1),
        "blacklisted_people": n_listed * people_per_agent,
        "firms_blacklisted_share": float(firms.blacklisted.mean()) if firms.size else 0.0,
        "redlisted_share": float(citizens.redlisted.mean()),
        "firms_redlisted_share": float(firms.redlisted.mean()) if firms.size else 0.0,
        "flight_banned": int(flight.sum()) * people_per_agent,
        "train_banned": int(train.sum()) * people_per_agent,
        "involuntary_blacklisted_share": float(_share((cause == INVOLUNTARY).sum(), n_listed)),
        "false_positive_blacklisted_share": float(_share((cause == FALSE_RECORD).sum(), n_listed)),
        "newly_listed": events.newly_listed,
        "listings_expired": events.expired,
        "paid_after_listing": events.paid_after_listing,
        "paid_after_listing_people": events.paid_after_listing * people_per_agent,
        "wrong_records_repaired": events.repaired,
        "reoffending_share": float(_share((citizens.times_listed > 1).sum(), ever_listed.sum())),
        "mean_months_listed": float(
            citizens.months_listed[ever_listed].mean() if ever_listed.any() else 0.0
        ),
        "mean_score": float(citizens.score.mean()),
        "mean_perceived_detection": float(citizens.perceived_detection.mean())
        if citizens.perceived_detection.size
        else 0.0,
        "sanction_cost_yuan": events.transfers.sanction_cost_yuan * people_per_agent,
        "firm_sanction_cost_yuan": events.sanction_cost_firms_yuan * people_per_agent,
        "reward_value_yuan": float(events.transfers.reward_value_yuan.sum()) * people_per_agent,
        "reward_concentration_index": concentration_index(
            events.transfers.reward_value_yuan, citizens.income_rank
        ),
        "moves": events.moves.moved,
        "listed_moves": events.moves.listed_moved,
        "escaped_listings": events.moves.escaped,
    }
    quintile = citizens.income_quintile
    size_q = np.bincount(quintile, minlength=QUINTILES)
    keys_q = [f"_q{q + 1}" for q in range(QUINTILES)]
    for name, mask in (
        ("compliance_rate", ~citizens.violated),
        ("blacklisted_share", listed),
        ("redlisted_share", citizens.redlisted),
        ("involuntary_blacklisted_share", listed & (cause == INVOLUNTARY)),
    ):
        counts = np.bincount(quintile, weights=mask, minlength=QUINTILES)
        row.update(_grouped(name, keys_q, _share(counts, size_q)))
    row.update(
        _grouped(
            "reward_value_yuan",
            keys_q,
            np.bincount(quintile, weights=events.transfers.reward_value_yuan, minlength=QUINTILES)
            * people_per_agent,
        )
    )
    n_cities = len(rules.city_names)
    city = citizens.city
    size_c = np.bincount(city, minlength=n_cities)
    keys_c = [f"__{name}" for name in rules.city_names]
    row.update(_grouped("population_share", keys_c, size_c / max(citizens.size, 1)))
    for name, mask in (
        ("compliance_rate", ~citizens.violated),
        ("blacklisted_share", listed),
        ("redlisted_share", citizens.redlisted),
    ):
        counts = np.bincount(city, weights=mask, minlength=n_cities)
        row.update(_grouped(name, keys_c, _share(counts, size_c)))
    row.update(
        _grouped(
            "mean_score",
            keys_c,
            _share(np.bincount(city, weights=citizens.score, minlength=n_cities), size_c),
        )
    )
    return row
