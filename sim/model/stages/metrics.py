"""Stage 7, collect: the per-step outcome table (one row per step, wide).

Shares are of agents; `*_people` and the travel bans are scaled to real people by the
scenario's `people_per_agent`. One separator, `__`, joins a measure and its group: by income
quintile `__q1` (poorest) .. `__q5`, by city `__<city>`, by behaviour `__<behaviour>`, by
band `__<band>`, by list `__<list>`. docs/output.md lists every column (and the names before
model 1.11).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.bitmasks import CHUNK_ROWS, mask_of
from sim.model.events import FALSE_RECORD, INVOLUNTARY, Acts, StepEvents
from sim.model.ladders import rungs_reached
from sim.model.memberships import bound_sanctions, on_blacklist, on_red_list
from sim.model.spells import merge_by_agent
from sim.model.stages.government_metrics import government_columns
from sim.model.stages.list_metrics import list_blocked_purchases, list_columns, rating_columns

if TYPE_CHECKING:
    from sim.model.government import Government
    from sim.model.population import Citizens, Population
    from sim.model.rules import RuleTables
    from sim.model.travel import TravelDemand
    from sim.scenario.schema import Scenario

QUINTILES = 5


def _share(numerator: np.ndarray | float, denominator: np.ndarray | float) -> np.ndarray:
    """Ratio that is 0 where the denominator is 0."""
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    return np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator > 0)


def concentration_index(
    values: np.ndarray, income_rank: np.ndarray, rows: np.ndarray | None = None
) -> float:
    """Concentration index of `values` by income rank: >0 favours the rich (Wagstaff 1991).

    With `rows`, `values` belong to those rows and every other agent has 0.
    """
    ranks = income_rank if rows is None else income_rank[rows]
    return concentration_from_ranks(values, ranks, float(income_rank.mean()), income_rank.size)


def concentration_from_ranks(
    values: np.ndarray, ranks: np.ndarray, mean_rank: float, n: int
) -> float:
    """Concentration index of `values` held by agents of fractional `ranks`, among `n`.

    Uses cov(v, r) = mean(v * (r - mean r)), since the centred ranks sum to 0 (agents not
    among `ranks` hold 0).
    """
    if n == 0:
        return 0.0
    mean = values.sum() / n
    if mean <= 0:
        return 0.0
    covariance = np.dot(values, ranks - mean_rank) / n
    return float(2.0 * covariance / mean)


def _reward_concentrations(
    citizens: Citizens, rewarded: np.ndarray, rewards: np.ndarray
) -> dict[str, float]:
    """Concentration indices by income of the month's red-list rewards (members, yuan, share).

    The rewarded citizens' income ranks are looked up once for all three.
    """
    ranks = citizens.income_rank(rewarded)
    mean_rank, n = citizens.income_rank_mean, citizens.size
    return {
        "redlist_concentration_index": concentration_from_ranks(
            np.ones(rewarded.size), ranks, mean_rank, n
        ),
        "reward_relative_concentration_index": concentration_from_ranks(
            rewards / citizens.income[rewarded], ranks, mean_rank, n
        ),
        "reward_yuan_concentration_index": concentration_from_ranks(rewards, ranks, mean_rank, n),
    }


def _grouped(prefix: str, keys: list[str], values: np.ndarray) -> dict[str, float]:
    return {f"{prefix}{key}": float(v) for key, v in zip(keys, values, strict=True)}


FLAGS = (
    "violated",
    "blacklisted",
    "redlisted",
    "involuntary_listed",
    "false_listed",
    "flight_banned",
    "train_banned",
)
CODES = 1 << len(FLAGS)


def state_codes(citizens: Citizens, rules: RuleTables, month: int = 0) -> np.ndarray:
    """One small integer per citizen whose bits are the FLAGS (so one bincount counts all)."""
    code = citizens.violated.astype(np.uint8)
    code |= citizens.blacklisted.view(np.uint8) << 1
    code |= citizens.redlisted.view(np.uint8) << 2
    listed = np.flatnonzero(citizens.blacklisted)
    cause = citizens.listing_cause[listed]
    scheme = rules.city_scheme[citizens.listing_city[listed]]
    extra = (
        ((cause == INVOLUNTARY) << 3)
        | ((cause == FALSE_RECORD) << 4)
        | (rules.restricts_flights[scheme] << 5)
        | (rules.restricts_trains[scheme] << 6)
    ).astype(np.uint8)
    code[listed] |= extra
    lists = rules.lists
    members = np.flatnonzero(citizens.list_mask != 0) if lists.size else listed[:0]
    if members.size:
        # the lists' flags from their members only (each write ORs a constant bit, so
        # agents repeated among the spells need no ufunc.at)
        held = citizens.list_mask[members]
        red_bits = mask_of(list(np.flatnonzero(~lists.blacklist)))
        black = (held & lists.black_bits) != 0
        code[members] |= (black.view(np.uint8) << 1) | (
            ((held & red_bits) != 0).view(np.uint8) << 2
        )
        spells = citizens.spells
        black_spell = lists.blacklist[spells.list]
        why = spells.cause
        code[spells.agent[black_spell & (why == INVOLUNTARY)]] |= np.uint8(1 << 3)
        code[spells.agent[black_spell & (why == FALSE_RECORD)]] |= np.uint8(1 << 4)
        banned = members[black]
        masks = bound_sanctions(citizens, lists, banned, month)
        flights = (masks & mask_of(list(np.flatnonzero(lists.sanction_flights)))) != 0
        trains = (masks & mask_of(list(np.flatnonzero(lists.sanction_trains)))) != 0
        code[banned] |= ((flights << 5) | (trains << 6)).astype(np.uint8)
    return code


def mean_violation_belief(population: Population, rules: RuleTables) -> float:
    """Mean perceived detection over agents and the violations they can commit.

    Summed column by column in float64 (the beliefs are stored by column), no copy.
    """
    columns = np.flatnonzero(~rules.prosocial[population.behaviours])
    if columns.size == 0 or population.size == 0:
        return 0.0
    beliefs = population.perceived_detection
    total = sum(float(beliefs[:, k].sum(dtype=np.float64)) for k in columns)
    return total / (population.size * columns.size)


def code_table(
    codes: np.ndarray,
    quintile: np.ndarray,
    city: np.ndarray,
    n_cities: int,
    chunk: int = CHUNK_ROWS,
) -> np.ndarray:
    """Agents per (income quintile, city, state code): one bincount for every grouping.

    Counted `chunk` agents at a time, so the key's temporaries stay bounded at any size.
    """
    cells = QUINTILES * n_cities * CODES
    table = np.zeros(cells, dtype=np.int64)
    for start in range(0, codes.size, chunk):
        rows = slice(start, start + chunk)
        key = quintile[rows].astype(np.intp)  # updated in place (bincount counts intp)
        key *= n_cities
        key += city[rows]
        key *= CODES
        key += codes[rows]
        table += np.bincount(key, minlength=cells)
    return table.reshape(QUINTILES, n_cities, CODES)


def flag_counts(table: np.ndarray) -> dict[str, np.ndarray]:
    """Per group (rows of a [groups, CODES] table), how many agents have each flag set."""
    every_code = np.arange(CODES)
    return {
        flag: table[:, (every_code >> bit) & 1 == 1].sum(axis=1) for bit, flag in enumerate(FLAGS)
    }


def collect(
    step: int,
    populations: dict[str, Population],
    rules: RuleTables,
    events: StepEvents,
    people_per_agent: float,
    start_year: int = 2018,
    government: Government | None = None,
    scenario: Scenario | None = None,
    travel: TravelDemand | None = None,
) -> dict[str, float]:
    """Compute the outcome row for one step (step 1 is the first month of `start_year`).

    The row is the output contract for citizens (unprefixed columns) and firms (`firm_` and
    `firms_` columns); other actor kinds, if any, are not summarised here.
    """
    citizens: Citizens = populations["citizen"]  # type: ignore[assignment]
    firms = populations["firm"]
    acts, firm_acts = events.acts["citizen"], events.acts["firm"]
    listings = events.listings["citizen"]
    moves = events.moves["citizen"]
    violation = acts.violation
    n = max(citizens.size, 1)
    codes = state_codes(citizens, rules, step - 1)
    quintile = citizens.income_quintile
    n_cities = len(rules.city_names)
    city = citizens.city
    table = code_table(codes, quintile, city, n_cities)
    by_quintile = flag_counts(table.sum(axis=1))
    total = {flag: int(counts.sum()) for flag, counts in by_quintile.items()}
    n_listed = total["blacklisted"]
    times_listed = citizens.times_listed
    n_ever = int(np.count_nonzero(times_listed))
    rewarded, rewards = monthly_rewards(events, "citizen")
    n_firms_listed = int(on_blacklist(firms, rules.lists).sum()) if firms.size else 0
    firm_listings = events.listings.get("firm")
    firms_paid = firm_listings.paid_after_listing if firm_listings is not None else 0
    row: dict[str, float] = {
        "step": step,
        "year": start_year + (step - 1) / 12,
        "calendar_month": f"{start_year + (step - 1) // 12:04d}-{(step - 1) % 12 + 1:02d}",
        "compliance_rate": 1.0 - total["violated"] / n,
        "firm_compliance_rate": 1.0 - float(firms.violated.mean()) if firms.size else 1.0,
        "violations": int(violation.sum()),
        "detected_violations": int((acts.detected & violation).sum()),
        "recorded_violations": int((acts.recorded & violation).sum()),
        "involuntary_violations": int(acts.involuntary.sum()),
        "prosocial_acts": int(acts.prosocial.sum()),
        "firm_violations": int(firm_acts.violation.sum()),
        "firm_detected_violations": int((firm_acts.detected & firm_acts.violation).sum()),
        "blacklisted_share": n_listed / n,
        "blacklisted_people": n_listed * people_per_agent,
        "firms_blacklisted_share": n_firms_listed / firms.size if firms.size else 0.0,
        "blacklisted_entities": n_firms_listed * people_per_agent,
        "redlisted_share": total["redlisted"] / n,
        "firms_redlisted_share": float(on_red_list(firms, rules.lists).mean())
        if firms.size
        else 0.0,
        "flight_banned": total["flight_banned"] * people_per_agent,
        "train_banned": total["train_banned"] * people_per_agent,
        "involuntary_blacklisted_share": float(_share(total["involuntary_listed"], n_listed)),
        "false_positive_blacklisted_share": float(_share(total["false_listed"], n_listed)),
        "newly_listed": listings.newly_listed + new_list_listings(events, rules),
        "listings_expired": listings.expired,
        "paid_after_listing": listings.paid_after_listing,
        "paid_after_listing_people": listings.paid_after_listing * people_per_agent,
        "paid_after_listing_entities": firms_paid * people_per_agent,
        "wrong_records_repaired": listings.repaired,
        "reoffending_share": float(_share(np.count_nonzero(times_listed > 1), n_ever)),
        # months_listed is 0 for citizens never listed, so the sum needs no selection
        "mean_months_listed": float(_share(citizens.months_listed.sum(), n_ever)),
        "mean_score": float(citizens.score.mean()),
        "mean_perceived_detection": mean_violation_belief(citizens, rules),
        "sanction_cost_yuan": monthly_sanction_cost(events, "citizen") * people_per_agent,
        "firm_sanction_cost_yuan": monthly_sanction_cost(events, "firm") * people_per_agent,
        "reward_value_yuan": float(rewards.sum()) * people_per_agent,
        **_reward_concentrations(citizens, rewarded, rewards),
        "moves": moves.moved,
        "listed_moves": moves.listed_moved,
        "escaped_listings": moves.escaped,
    }
    size_q = table.sum(axis=(1, 2))
    keys_q = [f"__q{q + 1}" for q in range(QUINTILES)]
    _add_group_shares(row, keys_q, by_quintile, size_q, with_involuntary=True)
    row.update(
        _grouped(
            "reward_value_yuan",
            keys_q,
            np.bincount(quintile[rewarded], weights=rewards, minlength=QUINTILES)
            * people_per_agent,
        )
    )
    by_city = flag_counts(table.sum(axis=0))
    size_c = table.sum(axis=(0, 2))
    keys_c = [f"__{name}" for name in rules.city_names]
    row.update(_grouped("population_share", keys_c, size_c / n))
    _add_group_shares(row, keys_c, by_city, size_c, with_involuntary=False)
    score_sum = np.bincount(city, weights=citizens.score, minlength=n_cities)
    row.update(_grouped("mean_score", keys_c, _share(score_sum, size_c)))
    if travel is None:
        row.update(blocked_purchases(citizens, rules, people_per_agent))
        for key, extra in list_blocked_purchases(citizens, rules, events).items():
            row[key] += extra * people_per_agent
    else:
        row.update(travel_blocked_purchases(codes, citizens, travel, row["year"], people_per_agent))
    row.update(band_shares(citizens, rules))
    row.update(list_columns(populations, rules, events, people_per_agent))
    row.update(rating_columns(firms, rules, events, people_per_agent))
    for population, population_acts in ((citizens, acts), (firms, firm_acts)):
        row.update(per_behaviour(population_acts, population.behaviours, rules))
    if government is not None and scenario is not None:
        _, firm_rewards = monthly_rewards(events, "firm")
        paid = row["reward_value_yuan"] + float(firm_rewards.sum()) * people_per_agent
        row.update(
            government_columns(populations, rules, events, government, scenario, paid, size_c)
        )
    return row


def new_list_listings(events: StepEvents, rules: RuleTables) -> int:
    """Citizens' listings this month on the lists of kind blacklist (one per list joined)."""
    if rules.lists.size == 0 or not events.list_changes:
        return 0
    return int(events.list_changes["citizen"].new[rules.lists.blacklist].sum())


def monthly_rewards(events: StepEvents, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """(agents, yuan) of this month's rewards: the schemes' red lists' and the lists' together."""
    transfers = events.transfers[kind]
    paid = events.list_transfers[kind] if events.list_transfers else None
    if paid is None or paid.rewarded.size == 0:
        return transfers.rewarded, transfers.reward_value_yuan
    return merge_by_agent(
        transfers.rewarded, transfers.reward_value_yuan, paid.rewarded, paid.reward_yuan, np.add
    )


def monthly_sanction_cost(events: StepEvents, kind: str) -> float:
    """Yuan of sanctions and shame borne this month: the schemes' listings' and the lists'."""
    cost = events.transfers[kind].sanction_cost_yuan
    paid = events.list_transfers[kind] if events.list_transfers else None
    if paid is not None and paid.cost_yuan.size:
        cost += float(paid.cost_yuan.sum())
    return cost


def band_shares(citizens: Citizens, rules: RuleTables) -> dict[str, float]:
    """Share of citizens under a banded scheme in each named band (grade), by score."""
    if not rules.band_names:
        return {}
    counts = np.zeros(len(rules.band_names))
    covered = 0
    scheme_of = rules.city_scheme[citizens.city]
    for scheme, (floors, band_ids) in enumerate(rules.band_floors):
        if floors.size == 0:
            continue
        scores = citizens.score[scheme_of == scheme]
        position = rungs_reached(floors, scores) - 1
        inside = position >= 0  # below the lowest floor: in no band
        counts += np.bincount(band_ids[position[inside]], minlength=counts.size)
        covered += scores.size
    return {
        f"band_share__{name}": float(_share(count, covered))
        for name, count in zip(rules.band_names, counts, strict=True)
    }


def travel_blocked_purchases(
    codes: np.ndarray,
    citizens: Citizens,
    travel: TravelDemand,
    year: float,
    people_per_agent: float,
) -> dict[str, float]:
    """Ticket purchases barred citizens attempt this month ([travel]; each mode counted once)."""
    flight_bit = np.uint8(1 << FLAGS.index("flight_banned"))
    train_bit = np.uint8(1 << FLAGS.index("train_banned"))
    # the two ban flags are the codes' top bits: one pass finds everyone barred from either
    barred = np.flatnonzero(codes >= min(flight_bit, train_bit))
    flights = barred[(codes[barred] & flight_bit) != 0]
    trains = barred[(codes[barred] & train_bit) != 0]
    return {
        "flight_purchases_blocked": travel.attempts(0, citizens.income[flights], year)
        * people_per_agent,
        "train_purchases_blocked": travel.attempts(1, citizens.income[trains], year)
        * people_per_agent,
    }


def blocked_purchases(
    citizens: Citizens, rules: RuleTables, people_per_agent: float
) -> dict[str, float]:
    """Ticket purchases blocked this month (restrictions, as official reports count them)."""
    listed = np.flatnonzero(citizens.blacklisted)
    per_scheme = np.bincount(
        rules.city_scheme[citizens.listing_city[listed]],
        minlength=rules.blocked_flights_per_month.size,
    )
    return {
        "flight_purchases_blocked": float(per_scheme @ rules.blocked_flights_per_month)
        * people_per_agent,
        "train_purchases_blocked": float(per_scheme @ rules.blocked_trains_per_month)
        * people_per_agent,
    }


def per_behaviour(acts: Acts, behaviours: np.ndarray, rules: RuleTables) -> dict[str, float]:
    """Opportunities, acts and the share of opportunities taken, per behaviour."""
    counts = np.bincount(acts.behaviour, minlength=len(rules.behaviour_names))
    opportunities = (
        acts.opportunities
        if acts.opportunities is not None
        else np.zeros(len(rules.behaviour_names), dtype=np.int64)
    )
    row: dict[str, float] = {}
    for b in behaviours:
        name = rules.behaviour_names[b]
        row[f"opportunities__{name}"] = int(opportunities[b])
        row[f"acts__{name}"] = int(counts[b])
        row[f"act_rate__{name}"] = float(_share(counts[b], opportunities[b]))
    return row


def _add_group_shares(
    row: dict[str, float],
    keys: list[str],
    counts: dict[str, np.ndarray],
    sizes: np.ndarray,
    with_involuntary: bool,
) -> None:
    """Add compliance, blacklisted and red-listed shares (and involuntary) per group."""
    row.update(_grouped("compliance_rate", keys, 1.0 - _share(counts["violated"], sizes)))
    row.update(_grouped("blacklisted_share", keys, _share(counts["blacklisted"], sizes)))
    row.update(_grouped("redlisted_share", keys, _share(counts["redlisted"], sizes)))
    if with_involuntary:
        row.update(
            _grouped(
                "involuntary_blacklisted_share",
                keys,
                _share(counts["involuntary_listed"], sizes),
            )
        )
