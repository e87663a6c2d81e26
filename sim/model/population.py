"""Agent state as arrays (agent i is row i) and how a population is drawn."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim.model.events import LISTING_CAUSES  # noqa: F401  (re-exported for readers)
from sim.model.network import CityPeers, Peers, SocialNetwork, small_world
from sim.model.spells import Spells
from sim.scenario.schema import ACTORS, Scenario

if TYPE_CHECKING:
    from sim.model.rules import RuleTables


@dataclass(frozen=True)
class AgentArray:
    """One per-agent array, declared once: allocation, agents.parquet and docs/output.md.

    Attributes:
        name: attribute of the population (`population.<name>`).
        dtype: NumPy dtype of the array in memory (narrow where the values allow).
        fill: value a new array starts at (arrays `drawn` by a builder have none).
        unit: unit or type as docs/output.md shows it.
        meaning: one line for docs/ODD.md and docs/output.md.
        drawn: drawn by the population's builder rather than allocated at `fill`.
        column: column in agents.parquet (None: not written).
        encoding: how the column is written: "plain", "city" (dictionary of city names),
            "cause" (dictionary of LISTING_CAUSES), "mean" (mean over behaviours),
            "one_based" (value + 1).
        kinds: the actor kinds that have it (empty: every kind); others get `absent` on disk.
        absent: the column's value for kinds without the array.
        written: dtype of the agents.parquet column when wider than `dtype` (the output
            contract keeps its types while memory narrows).
    """

    name: str
    dtype: type
    fill: float | int | bool | None
    unit: str
    meaning: str
    drawn: bool = False
    column: str | None = None
    encoding: str = "plain"
    kinds: tuple[str, ...] = ()
    absent: float | int | bool = 0
    written: type | None = None

    @property
    def column_dtype(self) -> type:
        """The dtype of the array's column in agents.parquet."""
        return self.written or self.dtype


AGENT_ARRAYS: tuple[AgentArray, ...] = (
    AgentArray("city", np.int32, None, "dictionary of city names",
               "City the agent lives in at the end.", drawn=True, column="city",
               encoding="city"),
    AgentArray("income", np.float64, None, "float64, yuan/month",
               "Normal monthly income (citizens) or profit (firms), before shocks.",
               drawn=True, column="income_yuan"),
    AgentArray("honesty", np.float32, None, "float32, income share",
               "Intrinsic cost of violating.", drawn=True),
    AgentArray("risk_aversion", np.float32, None, "float32",
               "Relative risk aversion rho of CRRA utility (0 neutral, >0 risk-averse).",
               drawn=True),
    AgentArray("profession", np.int8, None, "int8", "Profession index (firms: 0).",
               drawn=True),
    AgentArray("registration_draw", np.float32, None, "float32",
               "U(0,1); registered once coverage exceeds it (-1: always).", drawn=True),
    AgentArray("score", np.float64, 0.0, "float64, points",
               "Credit score at the end (0 in a city without a scheme).", column="score"),
    AgentArray("blacklisted", np.bool_, False, "bool", "On a blacklist at the end.",
               column="blacklisted"),
    AgentArray("listing_months_left", np.int32, 0, "int32, months",
               "Months left of the current listing (meaningless if permanent)."),
    AgentArray("listing_permanent", np.bool_, False, "bool",
               'The current listing never ends ("once untrustworthy, always restricted").',
               column="listing_permanent"),
    AgentArray("listing_city", np.int16, 0, "int16", "City whose list holds the agent."),
    AgentArray("listing_behaviour", np.int16, -1, "int16",
               "Behaviour that caused the listing (-1: a wrong record)."),
    AgentArray("listing_cause", np.int8, 0, "dictionary of strings",
               "Why the agent is listed: `not_listed`, `chosen` (a chosen violation), "
               "`involuntary` (a forced default) or `false_record` (a wrong record).",
               column="listing_cause", encoding="cause"),
    AgentArray("listing_level", np.int16, 0, "int32",
               "Re-offences recorded during the current listing (each extends it and "
               "escalates its sanctions by the scheme's rules).", column="listing_reoffences",
               written=np.int32),
    AgentArray("times_listed", np.int16, 0, "int32", "Listings over the run.",
               column="times_listed", written=np.int32),
    AgentArray("months_listed", np.int16, 0, "int32, months",
               "Months spent blacklisted over the run (months in which sanctions were "
               "charged).", column="months_listed", written=np.int32),
    AgentArray("redlisted", np.bool_, False, "bool", "On the red list at the end.",
               column="redlisted"),
    AgentArray("list_mask", np.uint64, 0, "uint64, bit mask",
               "Lists of [lists] the agent is on at the end: bit l for list l in file order "
               "(the spells table holds the details).", column="list_mask"),
    AgentArray("rating", np.int8, -1, "int8, grade index",
               "Firm rating at the end: index of `[firm_ratings].grades` in file order (0 the "
               "best); -1 unrated (citizens, no ratings, no running scheme).", column="rating"),
    AgentArray("repair_cost_yuan", np.float32, 0.0, "float64, yuan",
               "Cost of credit repairs over the run.", column="repair_cost_yuan",
               written=np.float64),
    AgentArray("false_record_points", np.float64, 0.0, "float64, points",
               "Unrepaired wrong deductions."),
    AgentArray("aware", np.bool_, True, "bool",
               "Knows the scheme applies to it (an unaware agent weighs fines only).",
               column="aware"),
    AgentArray("violated", np.bool_, False, "bool", "Violated this step."),
    AgentArray("involuntary_violation", np.bool_, False, "bool", "Forced to violate this step."),
    AgentArray("rewards_yuan", np.float32, 0.0, "float64, yuan",
               "Value of red-list rewards received over the run.", column="rewards_yuan",
               written=np.float64),
    AgentArray("sanction_cost_yuan", np.float32, 0.0, "float64, yuan",
               "Cost of sanctions and shaming borne over the run.",
               column="sanction_cost_yuan", written=np.float64),
    AgentArray("fines_yuan", np.float32, 0.0, "float64, yuan",
               "Fines paid over the run (every detected violation is fined).",
               column="fines_yuan", written=np.float64),
    AgentArray("perceived_detection", np.float32, None, "float32, probability",
               "Mean of the agent's perceived detection probabilities over the behaviours "
               "it can do.", drawn=True, column="perceived_detection", encoding="mean"),
    AgentArray("debtor", np.bool_, None, "bool",
               "Holds a loan (citizens; always false for firms).", drawn=True,
               column="debtor"),
    AgentArray("income_quintile", np.int8, None, "int64",
               "Income quintile 1 (poorest) .. 5 (citizens); 0 for firms.", drawn=True,
               column="income_quintile", encoding="one_based", kinds=("citizen",),
               written=np.int64),
    AgentArray("income_order", np.int32, None, "int32",
               "Position in the income order at start (0 the poorest); the fractional "
               "income rank is (order + 0.5) / n.", drawn=True, kinds=("citizen",)),
    AgentArray("employer", np.int32, -1, "int64",
               "Row of the employing firm (citizens); -1 for none and for firms.",
               column="employer", kinds=("citizen",), absent=-1, written=np.int64),
)  # fmt: skip
ALLOCATED = tuple(array for array in AGENT_ARRAYS if not array.drawn and not array.kinds)


@dataclass
class Population:
    """One kind of agent (citizens, firms, ...): one array per attribute (AGENT_ARRAYS).

    The builder passes the drawn arrays; the others are allocated at their declared fill.
    `behaviours` holds the global behaviour indices this population can do; column k of
    `perceived_detection` belongs to behaviour `behaviours[k]`.
    """

    actor: str
    city: np.ndarray
    income: np.ndarray
    honesty: np.ndarray
    risk_aversion: np.ndarray
    profession: np.ndarray
    registration_draw: np.ndarray
    debtor: np.ndarray
    behaviours: np.ndarray  # int64 global behaviour indices
    perceived_detection: np.ndarray  # [n, len(behaviours)]
    peers: Peers
    rules_actor: str = ""  # whose behaviours and sanctions apply (default: `actor`)
    spells: Spells = field(default_factory=Spells)  # memberships of [lists], sparse

    def __post_init__(self) -> None:
        self.rules_actor = self.rules_actor or self.actor
        n = self.city.size
        for array in ALLOCATED:
            setattr(self, array.name, np.full(n, array.fill, dtype=array.dtype))

    @property
    def size(self) -> int:
        """Number of agents."""
        return int(self.city.size)

    @property
    def actor_index(self) -> int:
        """Column of the by-actor rule tables (0 citizens, 1 firms)."""
        return ACTORS.index(self.rules_actor)


@dataclass
class Citizens(Population):
    """Citizens: a Population with income groups and employers (AGENT_ARRAYS, kind citizen)."""

    income_quintile: np.ndarray = field(default=None)  # 0..4, fixed at start
    income_order: np.ndarray = field(default=None)
    employer: np.ndarray = field(default=None)
    income_rank_mean: float = 0.5  # mean of the fractional ranks, as float64 computes it
    # income share each employer's violations take from its employees this month, by firm
    # row; the last slot is "no employer" (row -1) and stays 0 (set by stage `sanction`)
    harm_by_employer: np.ndarray = field(default_factory=lambda: np.zeros(1))

    @property
    def employer_harm(self) -> np.ndarray:
        """Income share each citizen loses this month to its employer's violations."""
        return self.harm_by_employer[self.employer]

    def employer_harm_of(self, rows: np.ndarray) -> np.ndarray:
        """`employer_harm` of some citizens, read through their employers only."""
        return self.harm_by_employer[self.employer[rows]]

    def income_rank(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Fractional income rank in (0, 1) of every citizen, or of `rows` (float64)."""
        order = self.income_order if rows is None else self.income_order[rows]
        return (order + 0.5) / self.size


def column_values(table: np.ndarray, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """`table[rows, columns]`, by one flat take when the table is stored by column."""
    if table.flags.f_contiguous and table.ndim == 2:
        return table.ravel(order="F").take(columns * table.shape[0] + rows)
    return table[rows, columns]


def set_column_values(
    table: np.ndarray, rows: np.ndarray, columns: np.ndarray, values: np.ndarray
) -> None:
    """`table[rows, columns] = values` (a repeated cell keeps the last); flat if by column."""
    if table.flags.f_contiguous and table.ndim == 2:
        table.ravel(order="F")[columns * table.shape[0] + rows] = values  # a view, written
    else:
        table[rows, columns] = values


def _gamma(rng: np.random.Generator, mean: float, sd: float, n: int) -> np.ndarray:
    """Gamma draws with a given mean and sd (a constant when sd is 0)."""
    if sd <= 0 or mean <= 0:
        return np.full(n, mean, dtype=np.float32)
    shape = (mean / sd) ** 2
    return rng.gamma(shape, sd**2 / mean, n).astype(np.float32)


def _cities_sorted(rng: np.random.Generator, n: int, shares: np.ndarray) -> np.ndarray:
    """City of each agent, agents grouped by city (counts multinomial in the shares)."""
    counts = rng.multinomial(n, shares)
    return np.repeat(np.arange(shares.size, dtype=np.int32), counts)


def _beliefs(
    rules: RuleTables, city: np.ndarray, behaviours: np.ndarray, bias: float
) -> np.ndarray:
    """Initial perceived detection: the true probability times a belief bias.

    Stored column by column (Fortran order): each behaviour's beliefs are contiguous, so the
    month's per-behaviour passes (news, means) read one column, not every row's cache line.
    """
    table = rules.detection[:, behaviours] * bias  # [C, K]: a column at a time, no [n, B]
    beliefs = np.empty((city.size, behaviours.size), dtype=np.float32, order="F")
    for column in range(behaviours.size):
        beliefs[:, column] = np.clip(table[:, column], 0.0, 1.0)[city]
    return beliefs


def build_citizens(rng: np.random.Generator, scenario: Scenario, rules: RuleTables) -> Citizens:
    """Draw the citizens: incomes, traits, professions, debts, network."""
    people = scenario.population
    n = people.citizens
    city = _cities_sorted(rng, n, rules.city_share)
    income = people.income_median_yuan * np.exp(people.income_sigma * rng.standard_normal(n))
    order = np.argsort(income, kind="stable")
    income_order = np.empty(n, dtype=np.int32)
    income_order[order] = np.arange(n, dtype=np.int32)
    rank = (income_order + 0.5) / n
    shares = np.array(list(people.professions.values()), dtype=np.float64)
    profession = rng.choice(shares.size, size=n, p=shares / shares.sum()).astype(np.int8)
    rho = rng.normal(people.risk_aversion_mean, people.risk_aversion_sd, n)
    behaviours = rules.behaviours_of("citizen")
    adjacency = small_world(rng, n, scenario.network.mean_degree, scenario.network.rewiring)
    return Citizens(
        actor="citizen",
        city=city,
        income=income,
        honesty=_gamma(rng, people.honesty_mean, people.honesty_sd, n),
        risk_aversion=np.clip(rho, -1.0, 5.0).astype(np.float32),
        profession=profession,
        registration_draw=rng.random(n, dtype=np.float32),
        debtor=rng.random(n) < people.debtor_share,
        behaviours=behaviours,
        perceived_detection=_beliefs(
            rules, city, behaviours, scenario.decision.initial_detection_belief
        ),
        peers=SocialNetwork(adjacency, ring_reach=scenario.network.mean_degree // 2, mutual=True),
        income_quintile=np.minimum((rank * 5).astype(np.int8), 4),
        income_order=income_order,
        employer=np.full(n, -1, dtype=np.int32),
        income_rank_mean=float(rank.mean()) if n else 0.5,
    )


def build_firms(rng: np.random.Generator, scenario: Scenario, rules: RuleTables) -> Population:
    """Draw the firms: city, profit, traits. Firms are always registered."""
    people = scenario.population
    n = round(people.citizens * people.firms_per_citizen)
    city = _cities_sorted(rng, n, rules.city_share)
    profit = people.firm_profit_median_yuan * np.exp(
        people.firm_profit_sigma * rng.standard_normal(n)
    )
    rho = rng.normal(people.risk_aversion_mean, people.risk_aversion_sd, n)
    behaviours = rules.behaviours_of("firm")
    return Population(
        actor="firm",
        city=city,
        income=profit,
        honesty=_gamma(rng, people.honesty_mean, people.honesty_sd, n),
        risk_aversion=np.clip(rho, -1.0, 5.0).astype(np.float32),
        profession=np.zeros(n, dtype=np.int8),
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
    citizens.harm_by_employer = np.zeros(firms.size + 1)


def reset_scores(population: Population, rules: RuleTables) -> None:
    """Start every agent at its city's base score (0 where the city has no scheme)."""
    base = rules.base_score[rules.city_scheme[population.city]]
    population.score[:] = base
