"""Agent state as arrays (agent i is row i) and how a population is drawn."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.model.network import CityPeers, Peers, SocialNetwork, small_world
from sim.model.rules import ACTORS, RuleTables
from sim.scenario.schema import Scenario

NOT_LISTED, CHOSEN, INVOLUNTARY, FALSE_RECORD = 0, 1, 2, 3
LISTING_CAUSES = ("not_listed", "chosen", "involuntary", "false_record")


@dataclass
class Population:
    """One kind of agent (citizens or firms): one array per attribute.

    `behaviours` holds the global behaviour indices this population can do; column k of
    `perceived_detection` belongs to behaviour `behaviours[k]`.
    """

    actor: str
    city: np.ndarray  # int64 city index
    income: np.ndarray  # float64 yuan/month (profit for firms)
    honesty: np.ndarray  # float32 intrinsic cost of violating (income share)
    risk_attitude: np.ndarray  # float32 penalty exponent theta
    profession: np.ndarray  # int64 profession index (firms: 0)
    registration_draw: (
        np.ndarray
    )  # float32 U(0,1); registered once coverage exceeds it (-1: always)
    debtor: np.ndarray  # bool
    behaviours: np.ndarray  # int64 global behaviour indices
    perceived_detection: np.ndarray  # float32 [n, len(behaviours)]
    peers: Peers
    score: np.ndarray = field(init=False)  # float64 points
    blacklisted: np.ndarray = field(init=False)  # bool
    listing_months_left: np.ndarray = field(init=False)  # int64, meaningless if permanent
    listing_permanent: np.ndarray = field(init=False)  # bool
    listing_city: np.ndarray = field(init=False)  # int64 city whose list holds the agent
    listing_behaviour: np.ndarray = field(init=False)  # int64 global behaviour, -1 false
    listing_cause: np.ndarray = field(init=False)  # int8 LISTING_CAUSES index
    times_listed: np.ndarray = field(init=False)  # int32
    months_listed: np.ndarray = field(init=False)  # int32 cumulative
    redlisted: np.ndarray = field(init=False)  # bool
    false_record_points: np.ndarray = field(init=False)  # float64 unrepaired wrong deductions
    violated: np.ndarray = field(init=False)  # bool: violated this step
    involuntary_violation: np.ndarray = field(init=False)  # bool: forced this step
    employer_harm: np.ndarray = field(init=False)  # float64 income share lost this step
    rewards_yuan: np.ndarray = field(init=False)  # float64 cumulative reward value
    sanction_cost_yuan: np.ndarray = field(init=False)  # float64 cumulative sanction cost
    fines_yuan: np.ndarray = field(init=False)  # float64 cumulative fines

    def __post_init__(self) -> None:
        n = self.city.size
        self.score = np.zeros(n)
        self.blacklisted = np.zeros(n, dtype=bool)
        self.listing_months_left = np.zeros(n, dtype=np.int64)
        self.listing_permanent = np.zeros(n, dtype=bool)
        self.listing_city = np.zeros(n, dtype=np.int64)
        self.listing_behaviour = np.full(n, -1, dtype=np.int64)
        self.listing_cause = np.zeros(n, dtype=np.int8)
        self.times_listed = np.zeros(n, dtype=np.int32)
        self.months_listed = np.zeros(n, dtype=np.int32)
        self.redlisted = np.zeros(n, dtype=bool)
        self.false_record_points = np.zeros(n)
        self.violated = np.zeros(n, dtype=bool)
        self.involuntary_violation = np.zeros(n, dtype=bool)
        self.employer_harm = np.zeros(n)
        self.rewards_yuan = np.zeros(n)
        self.sanction_cost_yuan = np.zeros(n)
        self.fines_yuan = np.zeros(n)

    @property
    def size(self) -> int:
        """Number of agents."""
        return int(self.city.size)

    @property
    def actor_index(self) -> int:
        """0 for citizens, 1 for firms (column of the by-actor rule tables)."""
        return ACTORS.index(self.actor)


@dataclass
class Citizens(Population):
    """Citizens: a Population with income groups, employers and a social network."""

    income_quintile: np.ndarray = field(default=None)  # int64 0..4, fixed at start
    income_rank: np.ndarray = field(default=None)  # float64 fractional rank in (0, 1)
    employer: np.ndarray = field(default=None)  # int64 firm index, -1 none


def _gamma(rng: np.random.Generator, mean: float, sd: float, n: int) -> np.ndarray:
    """Gamma draws with a given mean and sd (a constant when sd is 0)."""
    if sd <= 0 or mean <= 0:
        return np.full(n, mean, dtype=np.float32)
    shape = (mean / sd) ** 2
    return rng.gamma(shape, sd**2 / mean, n).astype(np.float32)


def _cities_sorted(rng: np.random.Generator, n: int, shares: np.ndarray) -> np.ndarray:
    """City of each agent, agents grouped by city (counts multinomial in the shares)."""
    counts = rng.multinomial(n, shares)
    return np.repeat(np.arange(shares.size), counts)


def _beliefs(
    rules: RuleTables, city: np.ndarray, behaviours: np.ndarray, bias: float
) -> np.ndarray:
    """Initial perceived detection: the true probability times a belief bias."""
    belief = rules.detection[city][:, behaviours] * bias
    return np.clip(belief, 0.0, 1.0).astype(np.float32)


def build_citizens(rng: np.random.Generator, scenario: Scenario, rules: RuleTables) -> Citizens:
    """Draw the citizens: incomes, traits, professions, debts, network."""
    people = scenario.population
    n = people.citizens
    city = _cities_sorted(rng, n, rules.city_share)
    income = people.income_median_yuan * np.exp(people.income_sigma * rng.standard_normal(n))
    order = np.argsort(income, kind="stable")
    rank = np.empty(n)
    rank[order] = (np.arange(n) + 0.5) / n
    shares = np.array(list(people.professions.values()), dtype=np.float64)
    profession = rng.choice(shares.size, size=n, p=shares / shares.sum())
    theta = rng.normal(people.risk_attitude_mean, people.risk_attitude_sd, n)
    behaviours = rules.behaviours_of("citizen")
    adjacency = small_world(rng, n, scenario.network.mean_degree, scenario.network.rewiring)
    return Citizens(
        actor="citizen",
        city=city,
        income=income,
        honesty=_gamma(rng, people.honesty_mean, people.honesty_sd, n),
        risk_attitude=np.clip(theta, 0.1, 3.0).astype(np.float32),
        profession=profession,
        registration_draw=rng.random(n, dtype=np.float32),
        debtor=rng.random(n) < people.debtor_share,
        behaviours=behaviours,
        perceived_detection=_beliefs(
            rules, city, behaviours, scenario.decision.initial_detection_belief
        ),
        peers=SocialNetwork(adjacency),
        income_quintile=np.minimum((rank * 5).astype(np.int64), 4),
        income_rank=rank,
        employer=np.full(n, -1, dtype=np.int64),
    )


def build_firms(rng: np.random.Generator, scenario: Scenario, rules: RuleTables) -> Population:
    """Draw the firms: city, profit, traits. Firms are always registered."""
    people = scenario.population
    n = round(people.citizens * people.firms_per_citizen)
    city = _cities_sorted(rng, n, rules.city_share)
    profit = people.firm_profit_median_yuan * np.exp(
        people.firm_profit_sigma * rng.standard_normal(n)
    )
    theta = rng.normal(people.risk_attitude_mean, people.risk_attitude_sd, n)
    behaviours = rules.behaviours_of("firm")
    return Population(
        actor="firm",
        city=city,
        income=profit,
        honesty=_gamma(rng, people.honesty_mean, people.honesty_sd, n),
        risk_attitude=np.clip(theta, 0.1, 3.0).astype(np.float32),
        profession=np.zeros(n, dtype=np.int64),
        registration_draw=np.full(n, -1.0, dtype=np.float32),
        debtor=np.zeros(n, dtype=bool),
        behaviours=behaviours,
        perceived_detection=_beliefs(
            rules, city, behaviours, scenario.decision.initial_detection_belief
        ),
        peers=CityPeers(city, len(rules.city_names)),
    )


def assign_employers(
    rng: np.random.Generator,
    citizens: Citizens,
    firms: Population,
    employed_share: float,
    n_cities: int,
) -> None:
    """Give a share of citizens a random employer among the firms of their city."""
    counts = np.bincount(firms.city, minlength=n_cities)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    employed = (rng.random(citizens.size) < employed_share) & (counts[citizens.city] > 0)
    city = citizens.city[employed]
    offset = (rng.random(city.size) * counts[city]).astype(np.int64)
    citizens.employer[employed] = starts[city] + offset


def reset_scores(population: Population, rules: RuleTables) -> None:
    """Start every agent at its city's base score (0 where the city has no scheme)."""
    base = rules.base_score[rules.city_scheme[population.city]]
    population.score[:] = base
