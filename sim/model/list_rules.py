"""Lists and memoranda as arrays: a scenario's [lists] and [memoranda] compiled for the step.

Lists are indexed l, sanctions k, rewards r, memoranda m, cities c (as in `rules`). A set of
sanctions or rewards is a 64-bit mask (bit k: sanction k), so "the sanctions an agent bears"
is an OR over its listings and a cost is a sum over set bits. Which listings bind where, and
with which sanctions, depends on the memoranda in force; it is compiled once per set of
memoranda in force (`ListTables.binding`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.model.bitmasks import mask_of, summed
from sim.model.discounting import annuity_months
from sim.scenario.schema import ACTORS, POLICIES, Scenario


@dataclass(frozen=True)
class Binding:
    """Where listings bind and with what, under one set of memoranda in force.

    binds[l, a, c]: a listing of list l made in city a binds its member living in city c.
    sanctions[l, a, c]: mask of the sanctions it carries there (own and memoranda's).
    fresh_burden[l, c, actor]: monthly burden (income share) of a new listing made in c.
    """

    binds: np.ndarray
    sanctions: np.ndarray
    fresh_burden: np.ndarray


@dataclass(frozen=True)
class ListTables:
    """Every list and memorandum as arrays (see the module docstring for indices)."""

    names: tuple[str, ...]
    blacklist: np.ndarray  # [L] bool (else a red list)
    subjects: np.ndarray  # [L, A] bool
    triggers: np.ndarray  # [L, B] bool: a detected act of b lists (with `probability`)
    probability: np.ndarray  # [L]
    score_scheme: np.ndarray  # [L] int, S for none
    score_threshold: np.ndarray  # [L] points
    duration_months: np.ndarray  # [L, B+1] int; column B: score or wrong-record listings
    permanent: np.ndarray  # [L] bool
    extension_months: np.ndarray  # [L] int
    escalation: np.ndarray  # [L]
    delist_on_payment: np.ndarray  # [L] bool
    published: np.ndarray  # [L] bool
    repair_waiting_months: np.ndarray  # [L] int
    repair_chance: np.ndarray  # [L] per month (0: no repair)
    repair_cost: np.ndarray  # [L] months of income
    national: np.ndarray  # [L] bool
    operates: np.ndarray  # [L, C] bool: lists subjects in city c (from start_month)
    start_month: np.ndarray  # [L]
    own_sanctions: np.ndarray  # [L] uint64
    own_rewards: np.ndarray  # [L] uint64
    listing_value: np.ndarray  # [L, B+1] discounted months of one listing
    sanction_names: tuple[str, ...]
    sanction_cost: np.ndarray  # [K, A] income share per month
    sanction_actor: np.ndarray  # [K] ACTORS index of who bears it
    sanction_flights: np.ndarray  # [K] bool
    sanction_trains: np.ndarray  # [K] bool
    sanction_blocked: np.ndarray  # [K] blocked ticket purchases per month
    scheme_sanctions: np.ndarray  # [S+1] uint64: sanctions of each scheme's own blacklist
    reward_names: tuple[str, ...]
    reward_value: np.ndarray  # [R, A] income share per month
    reward_policy: np.ndarray  # [R] index into policy_names
    policy_names: tuple[str, ...]  # the preferential policies (POLICIES)
    memo_names: tuple[str, ...]
    memo_lists: np.ndarray  # [M, L] bool
    memo_sanctions: np.ndarray  # [M] uint64
    memo_area: np.ndarray  # [M, C] bool
    memo_start: np.ndarray  # [M]
    shame: float
    burden_cap: float  # inf: no cap
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def size(self) -> int:
        """Number of lists."""
        return len(self.names)

    def duration_column(self, behaviour: np.ndarray) -> np.ndarray:
        """Column of `duration_months` for listings by behaviour (-1, -2: the list's own)."""
        return np.where(behaviour >= 0, behaviour, self.duration_months.shape[1] - 1)

    @property
    def red_by_score(self) -> np.ndarray:
        """[L] bool: red lists whose membership is a score state (no spells)."""
        return ~self.blacklist & (self.score_scheme < self.scheme_sanctions.size - 1)

    @property
    def black_bits(self) -> np.uint64:
        """Mask of the blacklists."""
        return mask_of(list(np.flatnonzero(self.blacklist)))

    def mask_cost(self, masks: np.ndarray, actor: int) -> np.ndarray:
        """Monthly cost (income share) of each set of sanctions for an actor."""
        return summed(masks, self.sanction_cost[:, actor])

    def reward_cost(self, masks: np.ndarray, actor: int) -> np.ndarray:
        """Monthly value (income share) of each set of rewards for an actor."""
        return summed(masks, self.reward_value[:, actor])

    def binding(self, step: int) -> Binding:
        """Where listings bind and with which sanctions at `step` (cached per memoranda set)."""
        active = tuple(bool(v) for v in self.memo_start <= step)
        if active not in self._cache:
            self._cache[active] = self._compile_binding(np.array(active, dtype=bool))
        return self._cache[active]

    def _compile_binding(self, active: np.ndarray) -> Binding:
        n_lists, n_cities = self.operates.shape
        same = np.eye(n_cities, dtype=bool)
        binds = np.where(self.national[:, None, None], True, same[None, :, :])
        binds = np.broadcast_to(binds, (n_lists, n_cities, n_cities)).copy()
        sanctions = np.where(binds, self.own_sanctions[:, None, None], np.uint64(0))
        for m in np.flatnonzero(active):
            area = self.memo_area[m]
            for list_index in np.flatnonzero(self.memo_lists[m]):
                made_in = area | self.national[list_index]  # listings it covers
                covered = made_in[:, None] & area[None, :]
                binds[list_index] |= covered
                sanctions[list_index] = np.where(
                    covered,
                    sanctions[list_index] | self.own_sanctions[list_index] | self.memo_sanctions[m],
                    sanctions[list_index],
                )
        diagonal = sanctions[:, np.arange(n_cities), np.arange(n_cities)]  # [L, C]
        fresh = np.stack([self.mask_cost(diagonal, actor) for actor in range(len(ACTORS))], axis=-1)
        fresh = fresh + (self.published * self.shame)[:, None, None]
        fresh = np.where(self.blacklist[:, None, None], fresh, 0.0)
        return Binding(binds=binds, sanctions=sanctions, fresh_burden=fresh)


def compile_lists(scenario: Scenario) -> ListTables:
    """Compile a scenario's lists, memoranda, sanctions and rewards into arrays."""
    behaviours = tuple(scenario.behaviours)
    n_behaviours = len(behaviours)
    cities = tuple(scenario.cities)
    schemes = tuple(scenario.schemes)
    sanction_names = tuple(scenario.sanctions)
    reward_names = tuple(scenario.rewards)
    if len(sanction_names) > 64 or len(reward_names) > 64:
        raise ValueError("at most 64 sanctions and 64 rewards")  # the masks are 64 bits
    names = tuple(scenario.lists)
    rules = [scenario.lists[name] for name in names]
    n_lists = len(names)
    triggers = np.zeros((n_lists, n_behaviours), dtype=bool)
    duration = np.zeros((n_lists, n_behaviours + 1), dtype=np.int64)
    operates = np.zeros((n_lists, len(cities)), dtype=bool)
    subjects = np.zeros((n_lists, len(ACTORS)), dtype=bool)
    for index, rule in enumerate(rules):
        for behaviour in rule.behaviours:
            triggers[index, behaviours.index(behaviour)] = True
        duration[index] = rule.months
        for behaviour, months in rule.duration_by_behaviour.items():
            duration[index, behaviours.index(behaviour)] = months
        operates[index] = [not rule.cities or city in rule.cities for city in cities]
        for actor in ACTORS:
            subjects[index, ACTORS.index(actor)] = rule.subjects in (actor, "both")
    permanent = np.array([rule.permanent for rule in rules], dtype=bool)
    months = np.where(permanent[:, None], np.inf, duration.astype(np.float64))
    sanction_cost = np.zeros((len(sanction_names), len(ACTORS)))
    for k, name in enumerate(sanction_names):
        sanction = scenario.sanctions[name]
        sanction_cost[k, ACTORS.index(sanction.applies_to)] = sanction.cost_income_share
    reward_value = np.zeros((len(reward_names), len(ACTORS)))
    for r, name in enumerate(reward_names):
        reward = scenario.rewards[name]
        reward_value[r, ACTORS.index(reward.applies_to)] = reward.value_income_share
    zone_of = {city: zone for zone, spec in scenario.zones.items() for city in spec.members}
    memo_names = tuple(scenario.memoranda)
    memos = [scenario.memoranda[name] for name in memo_names]
    memo_area = np.array(
        [
            [
                (not memo.cities and not memo.zones)
                or city in memo.cities
                or zone_of.get(city) in memo.zones
                for city in cities
            ]
            for memo in memos
        ],
        dtype=bool,
    ).reshape(len(memos), len(cities))
    cap = scenario.decision.combined_burden_cap_income_share

    def sanction_mask(used: list[str]) -> np.uint64:
        return mask_of([sanction_names.index(name) for name in used])

    return ListTables(
        names=names,
        blacklist=np.array([rule.kind == "blacklist" for rule in rules], dtype=bool),
        subjects=subjects,
        triggers=triggers,
        probability=np.array([rule.listing_probability for rule in rules]),
        score_scheme=np.array(
            [
                schemes.index(rule.score_scheme) if rule.score_scheme else len(schemes)
                for rule in rules
            ],
            dtype=np.int64,
        ),
        score_threshold=np.array(
            [rule.score_threshold if rule.score_threshold is not None else 0.0 for rule in rules]
        ),
        duration_months=duration,
        permanent=permanent,
        extension_months=np.array([rule.extension_months for rule in rules], dtype=np.int64),
        escalation=np.array([rule.escalation for rule in rules]),
        delist_on_payment=np.array([rule.delist_on_payment for rule in rules], dtype=bool),
        published=np.array([rule.published for rule in rules], dtype=bool),
        repair_waiting_months=np.array(
            [rule.repair.waiting_months if rule.repair else 0 for rule in rules], dtype=np.int64
        ),
        repair_chance=np.array(
            [rule.repair.success_per_month if rule.repair else 0.0 for rule in rules]
        ),
        repair_cost=np.array(
            [rule.repair.cost_income_share if rule.repair else 0.0 for rule in rules]
        ),
        national=np.array([rule.scope == "national" for rule in rules], dtype=bool),
        operates=operates,
        start_month=np.array([rule.start_month for rule in rules], dtype=np.int64),
        own_sanctions=np.array([sanction_mask(rule.sanctions) for rule in rules], dtype=np.uint64),
        own_rewards=np.array(
            [mask_of([reward_names.index(n) for n in rule.rewards]) for rule in rules],
            dtype=np.uint64,
        ),
        listing_value=annuity_months(months, scenario.decision.monthly_discount_rate).reshape(
            n_lists, n_behaviours + 1
        ),
        sanction_names=sanction_names,
        sanction_cost=sanction_cost,
        sanction_actor=np.array(
            [ACTORS.index(scenario.sanctions[n].applies_to) for n in sanction_names],
            dtype=np.int64,
        ),
        sanction_flights=np.array(
            [scenario.sanctions[n].restricts == "flights" for n in sanction_names], dtype=bool
        ),
        sanction_trains=np.array(
            [scenario.sanctions[n].restricts == "trains" for n in sanction_names], dtype=bool
        ),
        sanction_blocked=np.array(
            [scenario.sanctions[n].blocked_purchases_per_month for n in sanction_names]
        ),
        scheme_sanctions=np.array(
            [sanction_mask(scenario.schemes[s].sanctions) for s in schemes] + [np.uint64(0)],
            dtype=np.uint64,
        ),
        reward_names=reward_names,
        reward_value=reward_value,
        reward_policy=np.array(
            [POLICIES.index(scenario.rewards[n].policy) for n in reward_names], dtype=np.int64
        ),
        policy_names=POLICIES,
        memo_names=memo_names,
        memo_lists=np.array(
            [[name in memo.lists for name in names] for memo in memos], dtype=bool
        ).reshape(len(memos), n_lists),
        memo_sanctions=np.array([sanction_mask(memo.sanctions) for memo in memos], dtype=np.uint64),
        memo_area=memo_area,
        memo_start=np.array([memo.start_month for memo in memos], dtype=np.int64),
        shame=scenario.decision.shame_income_share,
        burden_cap=np.inf if cap is None else cap,
    )


@dataclass(frozen=True)
class RatingTables:
    """Firm ratings as arrays: grades g in file order (best first); index -1 is "unrated".

    Every per-grade array has one more entry at the end, the value of "unrated", so it can
    be indexed by a rating of -1 directly.
    """

    names: tuple[str, ...]
    floors: np.ndarray  # [G] min scores, ascending
    grade_of_floor: np.ndarray  # [G] grade index of each floor
    listed_grade: int  # -1: listings do not lower a grade
    detection_multiplier: np.ndarray  # [G+1]
    cost: np.ndarray  # [G+1] profit share per month
    reward: np.ndarray  # [G+1] profit share per month

    @property
    def size(self) -> int:
        """Number of grades (0: firms are not rated)."""
        return len(self.names)


def compile_ratings(scenario: Scenario) -> RatingTables:
    """Compile `[firm_ratings]` into arrays."""
    grades = scenario.firm_ratings.grades
    names = tuple(grade.name for grade in grades)
    order = np.argsort([grade.min_score for grade in grades], kind="stable")
    listed = scenario.firm_ratings.listed_grade

    def per_grade(key: str, unrated: float) -> np.ndarray:
        return np.array([getattr(grade, key) for grade in grades] + [unrated])

    return RatingTables(
        names=names,
        floors=np.array([grades[g].min_score for g in order]),
        grade_of_floor=np.asarray(order, dtype=np.int64),
        listed_grade=names.index(listed) if listed is not None else -1,
        detection_multiplier=per_grade("detection_multiplier", 1.0),
        cost=per_grade("cost_income_share", 0.0),
        reward=per_grade("reward_value_income_share", 0.0),
    )
