"""Rules as arrays: a validated Scenario compiled into tables the step stages index.

Behaviours are indexed b, schemes s, cities c, zones z. Scheme index `n_schemes` is the
"no scheme" row (nothing scored, nothing listed). Every table is read-only after compilation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.model.discounting import annuity_months
from sim.model.list_rules import ListTables, RatingTables, compile_lists, compile_ratings
from sim.scenario.schema import ACTORS, Scenario

if TYPE_CHECKING:
    from sim.model.population import Population

__all__ = ["RuleTables", "annuity_months", "compile_rules"]


@dataclass(frozen=True)
class RuleTables:
    """Every rule of a scenario as NumPy arrays (see module docstring for indices)."""

    behaviour_names: tuple[str, ...]
    behaviour_actor: np.ndarray  # [B] 0 citizen, 1 firm
    prosocial: np.ndarray  # [B] bool
    opportunity_rate: np.ndarray  # [B] per month
    debtors_only: np.ndarray  # [B] bool
    gain_median: np.ndarray  # [B] income share
    gain_sigma: np.ndarray  # [B]
    act_cost: np.ndarray  # [B] income share (pro-social)
    warm_glow: np.ndarray  # [B]
    honour: np.ndarray  # [B] income share
    fine_yuan: np.ndarray  # [B]
    involuntary: np.ndarray  # [B] bool
    repayable: np.ndarray  # [B] bool
    harms_employees: np.ndarray  # [B] income share

    scheme_names: tuple[str, ...]
    base_score: np.ndarray  # [S+1]
    min_score: np.ndarray
    max_score: np.ndarray
    recovery_points: np.ndarray
    decay_points: np.ndarray
    redlist_threshold: np.ndarray
    blacklist_threshold: np.ndarray
    duration_months: np.ndarray  # [S+1, B+1] int: listing length by triggering behaviour;
    # column B is for a listing caused by a wrong record: the scheme's own duration
    permanent: np.ndarray  # [S+1] bool
    extension_months: np.ndarray  # [S+1] int: a re-offence while listed adds these months
    escalation: np.ndarray  # [S+1]: a re-offence while listed adds this x the base burden
    published: np.ndarray
    delist_on_payment: np.ndarray
    national: np.ndarray  # [S+1] bool: listings recognised everywhere
    points: np.ndarray  # [S+1, B]
    scored: np.ndarray  # [S+1, B] bool: a record changes the score or lists
    serious: np.ndarray  # [S+1, B] bool: a record lists the agent
    score_cap: np.ndarray  # [S+1, B] points: a record caps the score here (inf: no cap)
    sanction_cost: np.ndarray  # [S+1, A] income share per month, by actor
    listing_burden: np.ndarray  # [S+1, A] sanction cost + published x shame, income share
    restricts_flights: np.ndarray  # [S+1] bool
    restricts_trains: np.ndarray  # [S+1] bool
    blocked_flights_per_month: np.ndarray  # [S+1] blocked ticket purchases per listed person
    blocked_trains_per_month: np.ndarray  # [S+1]
    reward_value: np.ndarray  # [S+1, A] income share per month, by actor
    listing_value: np.ndarray  # [S+1, B] discounted months of one listing

    city_names: tuple[str, ...]
    city_share: np.ndarray  # [C] sums to 1
    city_scheme: np.ndarray  # [C] int, S for none
    city_start_month: np.ndarray  # [C]
    city_data_sharing: np.ndarray  # [C]
    city_zone: np.ndarray  # [C] int, -1 for none
    zone_start_month: np.ndarray  # [Z]
    zone_behaviours: np.ndarray  # [Z, B] bool: listings for b recognised across zone z
    detection: np.ndarray  # [C, B] true detection probability

    band_names: tuple[str, ...]  # every band name used by a scheme, in order of appearance
    band_floors: tuple[
        tuple[np.ndarray, np.ndarray], ...
    ]  # per scheme: sorted min scores, band ids

    profession_names: tuple[str, ...]
    registration_initial: np.ndarray  # [P] share registered at step 0
    registration_growth: float  # share added per month
    channel_reach: np.ndarray  # [H] share of people using registration channel h
    channel_start: np.ndarray  # [H] month the channel starts
    channel_growth: np.ndarray  # [H] share of its users it covers more each month
    behaviour_start: np.ndarray  # [B] month from which schemes score b and lists record it
    lists: ListTables  # the agencies' lists and memoranda (sim.model.list_rules)
    ratings: RatingTables  # firm ratings A-D (sim.model.list_rules)

    def registered(self, profession: np.ndarray, draw: np.ndarray, step: int) -> np.ndarray:
        """Whether agents are real-name registered at this step (coverage grows to 1)."""
        return draw < self.registration_coverage(step)[profession]

    def registered_rows(self, population: Population, rows: np.ndarray, step: int) -> np.ndarray:
        """`registered` of the agents at `rows`; once coverage is complete, with no lookups.

        Registration draws are U[0, 1) (or -1), so a coverage of 1 or more registers all.
        """
        if self.registration_coverage(step).min() >= 1.0:
            return np.ones(len(rows), dtype=bool)
        draws = population.registration_draw[rows]
        return self.registered(population.profession[rows], draws, step)

    def registration_coverage(self, step: int) -> np.ndarray:
        """[P] share registered at this step, by profession.

        The profession's coverage grows by `registration_growth` a month; each channel covers
        `reach` x min(1, growth x months since it started) of the people, independently, so
        an agent is registered unless neither its profession's coverage nor any channel has
        reached it: 1 - (1 - base) x prod(1 - channel).
        """
        coverage = self.registration_initial + self.registration_growth * step
        if self.channel_reach.size == 0:
            return coverage
        base = np.minimum(coverage, 1.0)
        months = np.maximum(step - self.channel_start + 1, 0)
        channel = self.channel_reach * np.minimum(self.channel_growth * months, 1.0)
        return 1.0 - (1.0 - base) * np.prod(1.0 - channel)

    def scored_at(self, step: int) -> np.ndarray:
        """[S+1, B] bool: schemes score the behaviour at this step (rollout phases)."""
        if not self.behaviour_start.any():
            return self.scored
        return self.scored & (self.behaviour_start <= step)[None, :]

    def behaviours_of(self, actor: str) -> np.ndarray:
        """Global indices of the behaviours an actor can do."""
        return np.flatnonzero(self.behaviour_actor == ACTORS.index(actor))

    def scheme_active(self, step: int) -> np.ndarray:
        """[C] bool: the city's scheme scores at this step."""
        return (self.city_scheme < len(self.scheme_names)) & (self.city_start_month <= step)

    def recognised(
        self, listing_city: np.ndarray, city: np.ndarray, behaviour: np.ndarray, step: int
    ) -> np.ndarray:
        """Whether a listing made in `listing_city` for `behaviour` binds an agent in `city`.

        A wrong record (behaviour -1) is recognised across a zone like any listing.
        """
        same = listing_city == city
        national = self.national[self.city_scheme[listing_city]]
        zone_a = self.city_zone[listing_city]
        zone_b = self.city_zone[city]
        shared = np.zeros_like(same)
        in_zone = (zone_a >= 0) & (zone_a == zone_b)
        if in_zone.any():
            zone = zone_a[in_zone]
            covered = np.where(
                behaviour[in_zone] >= 0,
                self.zone_behaviours[zone, np.maximum(behaviour[in_zone], 0)],
                True,
            )
            shared[in_zone] = (self.zone_start_month[zone] <= step) & covered
        return same | national | shared


def compile_rules(scenario: Scenario) -> RuleTables:
    """Compile a scenario's behaviours, schemes, cities and zones into arrays."""
    behaviours = scenario.behaviours
    names = tuple(behaviours)
    index = {name: b for b, name in enumerate(names)}

    def per_behaviour(attribute: str, dtype: type = np.float64) -> np.ndarray:
        return np.array([getattr(behaviours[n], attribute) for n in names], dtype=dtype)

    scheme_names = tuple(scenario.schemes)
    n_schemes = len(scheme_names)
    rows = n_schemes + 1
    n_behaviours = len(names)
    points = np.zeros((rows, n_behaviours))
    scored = np.zeros((rows, n_behaviours), dtype=bool)
    serious = np.zeros((rows, n_behaviours), dtype=bool)
    sanction_cost = np.zeros((rows, 2))
    reward_value = np.zeros((rows, 2))
    flights = np.zeros(rows, dtype=bool)
    trains = np.zeros(rows, dtype=bool)
    blocked = {"flights": np.zeros(rows), "trains": np.zeros(rows), "none": np.zeros(rows)}
    scalar = {
        key: np.zeros(rows)
        for key in (
            "base_score",
            "min_score",
            "max_score",
            "monthly_recovery_points",
            "monthly_decay_points",
            "redlist_threshold",
            "blacklist_threshold",
            "blacklist_duration_months",
            "blacklist_extension_months",
            "sanction_escalation",
        )
    }
    flags = {
        key: np.zeros(rows, dtype=bool)
        for key in ("blacklist_permanent", "published", "delist_on_payment")
    }
    national = np.zeros(rows, dtype=bool)
    scalar["blacklist_threshold"][n_schemes] = -np.inf
    scalar["redlist_threshold"][n_schemes] = np.inf
    scalar["max_score"][n_schemes] = np.inf
    scalar["min_score"][n_schemes] = -np.inf
    scalar["blacklist_duration_months"][n_schemes] = 1
    for s, scheme_name in enumerate(scheme_names):
        scheme = scenario.schemes[scheme_name]
        for key in scalar:
            scalar[key][s] = getattr(scheme, key)
        for key in flags:
            flags[key][s] = getattr(scheme, key)
        national[s] = scheme.scope == "national"
        for behaviour, value in scheme.points.items():
            points[s, index[behaviour]] = value
            scored[s, index[behaviour]] = True
        for behaviour in scheme.blacklist_behaviours:
            serious[s, index[behaviour]] = True
            scored[s, index[behaviour]] = True
        for sanction_name in scheme.sanctions:
            sanction = scenario.sanctions[sanction_name]
            sanction_cost[s, ACTORS.index(sanction.applies_to)] += sanction.cost_income_share
            flights[s] |= sanction.restricts == "flights"
            trains[s] |= sanction.restricts == "trains"
            blocked[sanction.restricts][s] += sanction.blocked_purchases_per_month
        for reward_name in scheme.rewards:
            reward = scenario.rewards[reward_name]
            reward_value[s, ACTORS.index(reward.applies_to)] += reward.value_income_share

    duration = np.repeat(scalar["blacklist_duration_months"][:, None], n_behaviours, axis=1)
    for s, scheme_name in enumerate(scheme_names):
        for behaviour, months in scenario.schemes[
            scheme_name
        ].blacklist_duration_by_behaviour.items():
            duration[s, index[behaviour]] = months
    listing_months = np.where(flags["blacklist_permanent"][:, None], np.inf, duration)
    duration = np.hstack([duration, scalar["blacklist_duration_months"][:, None]])
    listing_value = annuity_months(listing_months, scenario.decision.monthly_discount_rate)
    listing_value[n_schemes] = 0.0

    band_names = tuple(
        dict.fromkeys(band.name for scheme in scenario.schemes.values() for band in scheme.bands)
    )
    score_cap = np.full((rows, n_behaviours), np.inf)
    for s, scheme_name in enumerate(scheme_names):
        scheme = scenario.schemes[scheme_name]
        floors = sorted(band.min_score for band in scheme.bands)
        for behaviour, band_name in scheme.grade_caps.items():
            floor = next(b.min_score for b in scheme.bands if b.name == band_name)
            above = [f for f in floors if f > floor]
            top = np.nextafter(above[0], -np.inf) if above else scheme.max_score
            score_cap[s, index[behaviour]] = top
            scored[s, index[behaviour]] = True
    band_floors = []
    for scheme_name in scheme_names:
        bands = sorted(scenario.schemes[scheme_name].bands, key=lambda band: band.min_score)
        band_floors.append(
            (
                np.array([band.min_score for band in bands]),
                np.array([band_names.index(band.name) for band in bands], dtype=np.int64),
            )
        )
    city_names = tuple(scenario.cities)
    cities = [scenario.cities[n] for n in city_names]
    share = np.array([c.population_share for c in cities])
    zone_names = tuple(scenario.zones)
    city_zone = np.full(len(city_names), -1, dtype=np.int64)
    zone_behaviours = np.ones((len(zone_names), n_behaviours), dtype=bool)
    for z, zone_name in enumerate(zone_names):
        zone = scenario.zones[zone_name]
        for member in zone.members:
            city_zone[city_names.index(member)] = z
        if zone.behaviours:
            zone_behaviours[z] = [name in zone.behaviours for name in names]
    enforcement = np.array([c.enforcement for c in cities])
    detectability = per_behaviour("detectability")
    channels = list(scenario.registration.channels.values())

    return RuleTables(
        behaviour_names=names,
        behaviour_actor=np.array([ACTORS.index(behaviours[n].actor) for n in names]),
        prosocial=np.array([behaviours[n].kind == "prosocial" for n in names]),
        opportunity_rate=per_behaviour("opportunity_rate_per_month"),
        debtors_only=per_behaviour("debtors_only", bool),
        gain_median=per_behaviour("gain_income_share"),
        gain_sigma=per_behaviour("gain_sigma"),
        act_cost=per_behaviour("cost_income_share"),
        warm_glow=per_behaviour("warm_glow_weight"),
        honour=per_behaviour("honour_income_share"),
        fine_yuan=per_behaviour("fine_yuan"),
        involuntary=per_behaviour("involuntary_from_income_shock", bool),
        repayable=per_behaviour("repayable", bool),
        harms_employees=per_behaviour("harms_employees_income_share"),
        scheme_names=scheme_names,
        base_score=scalar["base_score"],
        min_score=scalar["min_score"],
        max_score=scalar["max_score"],
        recovery_points=scalar["monthly_recovery_points"],
        decay_points=scalar["monthly_decay_points"],
        redlist_threshold=scalar["redlist_threshold"],
        blacklist_threshold=scalar["blacklist_threshold"],
        duration_months=duration.astype(np.int64),
        permanent=flags["blacklist_permanent"],
        extension_months=scalar["blacklist_extension_months"].astype(np.int64),
        escalation=scalar["sanction_escalation"],
        published=flags["published"],
        delist_on_payment=flags["delist_on_payment"],
        national=national,
        points=points,
        scored=scored,
        serious=serious,
        score_cap=score_cap,
        sanction_cost=sanction_cost,
        listing_burden=sanction_cost
        + flags["published"][:, None] * scenario.decision.shame_income_share,
        restricts_flights=flights,
        restricts_trains=trains,
        blocked_flights_per_month=blocked["flights"],
        blocked_trains_per_month=blocked["trains"],
        reward_value=reward_value,
        listing_value=listing_value,
        city_names=city_names,
        city_share=share / share.sum(),
        city_scheme=np.array(
            [scheme_names.index(c.scheme) if c.scheme else n_schemes for c in cities]
        ),
        city_start_month=np.array([c.scheme_start_month for c in cities]),
        city_data_sharing=np.array([c.data_sharing for c in cities]),
        city_zone=city_zone,
        zone_start_month=np.array(
            [scenario.zones[z].start_month for z in zone_names], dtype=np.int64
        ),
        zone_behaviours=zone_behaviours,
        detection=np.clip(enforcement[:, None] * detectability[None, :], 0.0, 1.0),
        band_names=band_names,
        band_floors=band_floors,
        profession_names=tuple(scenario.population.professions),
        registration_initial=np.array(
            [
                scenario.registration.initial_coverage.get(name, 0.0)
                for name in scenario.population.professions
            ]
        ),
        registration_growth=scenario.registration.monthly_growth,
        channel_reach=np.array([c.reach for c in channels]),
        channel_start=np.array([c.start_month for c in channels], dtype=np.int64),
        channel_growth=np.array([c.monthly_growth for c in channels]),
        behaviour_start=np.array(
            [scenario.rollout.behaviour_start_month.get(n, 0) for n in names], dtype=np.int64
        ),
        lists=compile_lists(scenario),
        ratings=compile_ratings(scenario),
    )
