"""Stage 7, learn: perceived detection moves toward what agents see happen.

Three channels, each a move of a belief toward an observed detection frequency:
- own: after each violation, the violator's belief for that behaviour moves toward the
  outcome (1 detected, 0 not) at `learning_rate_own`;
- peers: one random neighbour hears of it and moves toward the same outcome at
  `learning_rate_social`;
- published enforcement: where the city's running scheme publishes its records, every agent
  of the city moves its belief for every behaviour the scheme scores and someone in the city
  violated toward the share of those violations detected, at `learning_rate_news` a month
  (the share of people who notice the published cases times how far they move).
Beliefs stay in [0, 1].
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.bitmasks import CHUNK_ROWS
from sim.model.population import column_values, set_column_values

if TYPE_CHECKING:
    from sim.model.events import Acts
    from sim.model.population import Population
    from sim.model.rules import RuleTables
    from sim.scenario.schema import Scenario


def learn(
    rng: np.random.Generator,
    population: Population,
    rules: RuleTables,
    acts: Acts,
    scenario: Scenario,
    step: int,
) -> None:
    """Update perceived detection from this step's violations and published enforcement."""
    own_rate = scenario.decision.learning_rate_own
    social_rate = scenario.decision.learning_rate_social
    violation = acts.violation
    agents = acts.agent[violation]
    column = acts.column[violation]
    outcome = acts.detected[violation].astype(np.float32)
    beliefs = population.perceived_detection
    if own_rate > 0:
        current = column_values(beliefs, agents, column)
        set_column_values(beliefs, agents, column, current + own_rate * (outcome - current))
    if social_rate > 0 and agents.size:
        peers = population.peers.random_peer(agents, rng)
        heard = peers >= 0
        peers, heard_column, heard_outcome = peers[heard], column[heard], outcome[heard]
        current = column_values(beliefs, peers, heard_column)
        heard_now = current + social_rate * (heard_outcome - current)
        set_column_values(beliefs, peers, heard_column, heard_now)
    learn_from_published(population, rules, acts, scenario, step)


def published_detection(
    population: Population, rules: RuleTables, acts: Acts, step: int
) -> tuple[np.ndarray, np.ndarray]:
    """[C, K] share of this month's violations detected, and whether a city published it.

    Published: the city's scheme runs, publishes its records and scores the behaviour, and
    someone in the city violated it this month.
    """
    violation = acts.violation
    columns = population.perceived_detection.shape[1]
    cities = len(rules.city_names)
    cell = population.city[acts.agent[violation]] * columns + acts.column[violation]
    seen = np.bincount(cell, minlength=cities * columns).reshape(cities, columns)
    caught = np.bincount(
        cell, weights=acts.detected[violation], minlength=cities * columns
    ).reshape(cities, columns)
    scheme = rules.city_scheme
    publishes = rules.published[scheme] & rules.scheme_active(step)  # [C]
    scored = rules.scored_at(step)[scheme][:, population.behaviours]  # [C, K]
    visible = (seen > 0) & publishes[:, None] & scored
    return (caught / np.maximum(seen, 1)).astype(np.float32), visible


def learn_from_published(
    population: Population,
    rules: RuleTables,
    acts: Acts,
    scenario: Scenario,
    step: int,
) -> None:
    """Every agent moves toward the detection its city's published cases show this month."""
    rate = scenario.decision.learning_rate_news
    if rate <= 0 or not acts.violation.any():
        return
    share, visible = published_detection(population, rules, acts, step)
    if not visible.any():
        return
    # belief <- (1 - a) belief + a share, with a = rate where published, else 0 (no change).
    weight = (rate * visible).astype(np.float32)  # [C, K]
    target = weight * share
    beliefs = population.perceived_detection
    if (weight == weight[0]).all() and (target == target[0]).all():  # one city, or alike
        beliefs *= 1 - weight[0]
        beliefs += target[0]
        return
    columns = np.flatnonzero(visible.any(axis=0))
    kept, moved = (1 - weight).T, target.T  # [K, C]: each column's factor and shift by city
    # a chunk of agents at a time, column by column: 1-D gathers by a native index into one
    # reused buffer (the beliefs are stored by column, so each slice is contiguous)
    for start in range(0, population.size, CHUNK_ROWS):
        rows = slice(start, start + CHUNK_ROWS)
        city = population.city[rows].astype(np.intp)
        by_city = np.empty(city.size, dtype=np.float32)
        for column in columns:
            belief = beliefs[rows, column]
            belief *= np.take(kept[column], city, out=by_city)
            belief += np.take(moved[column], city, out=by_city)
