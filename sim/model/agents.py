"""Mesa agents: one per population, owning its arrays; single agents are views of rows.

A million registered Mesa agents cost seconds and hundreds of MB to create, and stepping them
one by one is two orders of magnitude slower than whole-array work, so the model registers
two population agents and hands out `Citizen` / `Firm` views when asked (`model.citizen(i)`,
`model.sample_citizens(k)`). Views read and write the arrays directly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from sim.model.population import LISTING_CAUSES, Citizens, Population

if TYPE_CHECKING:
    from sim.model.model import CreditModel


class PopulationAgent(mesa.Agent):
    """A whole population (citizens or firms) as one Mesa agent."""

    def __init__(self, model: CreditModel, population: Population) -> None:
        super().__init__(model)
        self.population = population

    @property
    def size(self) -> int:
        """Number of agents in the population."""
        return self.population.size


class AgentView:
    """One agent of a population: attribute access reads its row."""

    def __init__(self, model: CreditModel, population: Population, row: int) -> None:
        if not 0 <= row < population.size:
            raise IndexError(f"row {row} outside 0..{population.size - 1}")
        self.model = model
        self.population = population
        self.row = row

    @property
    def city(self) -> str:
        """Name of the city the agent lives in."""
        return self.model.rules.city_names[int(self.population.city[self.row])]

    @property
    def income_yuan(self) -> float:
        """Monthly income (citizens) or profit (firms), yuan."""
        return float(self.population.income[self.row])

    @property
    def score(self) -> float:
        """Current credit score (points)."""
        return float(self.population.score[self.row])

    @property
    def blacklisted(self) -> bool:
        """Whether the agent is on a blacklist now."""
        return bool(self.population.blacklisted[self.row])

    @property
    def redlisted(self) -> bool:
        """Whether the agent is on the red list now."""
        return bool(self.population.redlisted[self.row])

    @property
    def listing_cause(self) -> str:
        """Why the agent is listed: not_listed, chosen, involuntary or false_record."""
        return LISTING_CAUSES[int(self.population.listing_cause[self.row])]

    @property
    def violated(self) -> bool:
        """Whether the agent violated a rule this step."""
        return bool(self.population.violated[self.row])

    @property
    def state(self) -> str:
        """One word for the agent's state: blacklisted, redlisted, violating or compliant."""
        if self.blacklisted:
            return "blacklisted"
        if self.redlisted:
            return "redlisted"
        return "violating" if self.violated else "compliant"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.row} {self.city} {self.state} score={self.score:.0f}>"


class Citizen(AgentView):
    """A citizen: a view of one row of the citizens' arrays."""

    population: Citizens

    @property
    def income_quintile(self) -> int:
        """Income quintile, 1 (poorest) to 5."""
        return int(self.population.income_quintile[self.row]) + 1

    @property
    def employer(self) -> int | None:
        """Row of the employing firm, if any."""
        employer = int(self.population.employer[self.row])
        return None if employer < 0 else employer

    @property
    def neighbours(self) -> list[int]:
        """Rows of the citizen's social ties."""
        return self.population.peers.neighbours(self.row).tolist()


class Firm(AgentView):
    """A firm: a view of one row of the firms' arrays."""

    @property
    def employees(self) -> int:
        """Number of simulated citizens it employs (computed, never cached)."""
        return int((self.model.citizens.employer == self.row).sum())
