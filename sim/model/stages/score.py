"""Stage 3, score: recovery toward the base score, then points for this step's records.

Each city's scheme gives a base score, bounds, a point table and a monthly recovery: a score
below base regains `monthly_recovery_points` a month, never passing base, and a score above
base loses `monthly_decay_points` a month, never falling below it. Scores always stay
within [min_score, max_score] of the agent's city scheme.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.transitions import clip_scores

if TYPE_CHECKING:
    from sim.model.events import Acts
    from sim.model.population import Population
    from sim.model.rules import RuleTables


def recover(population: Population, rules: RuleTables) -> None:
    """Move scores toward base: up by the monthly recovery, down by the monthly decay."""
    score = population.score
    schemes = rules.city_scheme
    # only the agents off base move (a few per cent), written through their rows
    city_base = rules.base_score[schemes]
    base = city_base[0] if np.all(city_base == city_base[0]) else city_base[population.city]
    below = np.flatnonzero(score < base)
    if below.size:
        scheme = rules.city_scheme[population.city[below]]
        raised = score[below] + rules.recovery_points[scheme]
        score[below] = np.minimum(raised, rules.base_score[scheme])
    if rules.decay_points.any():
        above = np.flatnonzero(score > base)
        scheme = rules.city_scheme[population.city[above]]
        lowered = score[above] - rules.decay_points[scheme]
        score[above] = np.maximum(lowered, rules.base_score[scheme])


def apply_records(
    population: Population,
    rules: RuleTables,
    acts: Acts,
    wrongly_recorded: np.ndarray,
    false_record_points: float,
) -> None:
    """Add the points of recorded acts and deduct those of wrong records."""
    recorded = acts.recorded
    agents = acts.agent[recorded]
    scheme = rules.city_scheme[population.city[agents]]
    behaviour = acts.behaviour[recorded]
    np.add.at(population.score, agents, rules.points[scheme, behaviour])
    cap = rules.score_cap[scheme, behaviour]
    capped = np.isfinite(cap)
    if capped.any():  # grade caps: "drops a person to grade C"
        np.minimum.at(population.score, agents[capped], cap[capped])
    np.subtract.at(population.score, wrongly_recorded, false_record_points)
    np.add.at(population.false_record_points, wrongly_recorded, false_record_points)
    clip_scores(population, rules, np.concatenate([agents, wrongly_recorded]))
