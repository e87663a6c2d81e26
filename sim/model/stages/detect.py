"""Stage 2, detect: which acts are seen, fined and recorded; wrong records.

A violation is detected with the city's probability for that behaviour (enforcement x
detectability, times its departments' enforcement effort when departments are simulated;
for a rated firm, times its grade's `detection_multiplier`) and fined. It
reaches the credit record when the agent is real-name registered, the city's scheme is
running and scores the behaviour, and the detecting agency shares its data (chance
`data_sharing`: "joint punishment"). Pro-social acts are recorded under the same conditions
but need no detection. Registered agents also get wrong records at a small rate (false
positives), repaired on appeal in the listing stage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.draws import bernoulli_indices
from sim.model.transitions import add_in_order

if TYPE_CHECKING:
    from sim.model.events import Acts
    from sim.model.population import Population
    from sim.model.rules import RuleTables
    from sim.scenario.schema import Scenario


def detect(
    rng: np.random.Generator,
    population: Population,
    rules: RuleTables,
    acts: Acts,
    step: int,
    effort: np.ndarray | None = None,
) -> None:
    """Set `acts.detected` and `acts.recorded`, and charge fines.

    `effort`: [C] the departments' enforcement effort, multiplying detection (none: 1).
    """
    agents = acts.agent
    city = population.city[agents]
    scheme = rules.city_scheme[city]
    chance = rules.detection[city, acts.behaviour]
    if effort is not None:
        chance = np.minimum(chance * effort[city], 1.0)
    if rules.ratings.size:  # rating-dependent supervision (stage `ratings`)
        multiplier = rules.ratings.detection_multiplier[population.rating[agents]]
        chance = np.minimum(chance * multiplier, 1.0)
    seen = rng.random(agents.size) < chance
    acts.detected = seen & ~acts.prosocial
    registered = rules.registered_rows(population, agents, step)
    shared = rng.random(agents.size) < rules.city_data_sharing[city]
    reaches_record = (
        registered & rules.scheme_active(step)[city] & rules.scored_at(step)[scheme, acts.behaviour]
    )
    acts.recorded = reaches_record & (acts.prosocial | (acts.detected & shared))
    fined = agents[acts.detected]
    add_in_order(population.fines_yuan, fined, rules.fine_yuan[acts.behaviour[acts.detected]])


def false_records(
    rng: np.random.Generator,
    population: Population,
    rules: RuleTables,
    scenario: Scenario,
    step: int,
) -> np.ndarray:
    """Registered agents under a running scheme who get a wrong record this step."""
    rate = scenario.records.false_record_rate_per_month
    agents = bernoulli_indices(rng, population.size, rate)
    city = population.city[agents]
    registered = rules.registered_rows(population, agents, step)
    return agents[registered & rules.scheme_active(step)[city]]
