"""Actor kinds as data: what each kind of agent has and which monthly stages it takes part in.

`CreditModel` holds one population per kind, in the order of `KINDS`, and every stage loops
over the kinds that take part in it. A new kind (officials and departments, say) needs its
entry in the scenario schema, a builder, and the stages it joins: nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.model.population import Population, build_citizens, build_firms

if TYPE_CHECKING:
    from sim.model.rules import RuleTables
    from sim.scenario.schema import Scenario

Builder = Callable[[np.random.Generator, "Scenario", "RuleTables"], Population]


@dataclass(frozen=True)
class ActorKind:
    """One kind of agent.

    Attributes:
        name: the kind's name (the `kind` column of agents.parquet).
        build: draws the kind's population from the scenario.
        rules_actor: whose behaviours, sanctions and rewards apply (an `actor` of the schema).
        income_shocks: debtors among them can be forced to default by an income shock.
        employer_kind: the kind whose harmful violations cut this kind's income (employees).
        migrates: moves between cities (and may escape listings by moving).
        rated: gets a credit rating of `[firm_ratings]` (grades A-D).
    """

    name: str
    build: Builder
    rules_actor: str
    income_shocks: bool = False
    employer_kind: str | None = None
    migrates: bool = False
    rated: bool = False


CITIZENS = ActorKind(
    name="citizen",
    build=build_citizens,
    rules_actor="citizen",
    income_shocks=True,
    employer_kind="firm",
    migrates=True,
)
FIRMS = ActorKind(name="firm", build=build_firms, rules_actor="firm", rated=True)
KINDS: tuple[ActorKind, ...] = (CITIZENS, FIRMS)
