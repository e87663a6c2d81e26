"""Stage 4c and 5c, ratings: firms' grades (A-D), and what each grade costs or is worth.

A rated firm's grade is the grade whose band holds its score (at or above the grade's
`min_score`, below the next better grade's), where its city's scheme is running; a firm on
any blacklist (its scheme's or a list's) is rated `listed_grade` or worse. A grade multiplies
the detection probability of the firm's violations next month (rating-dependent
supervision, stage `detect`), costs its limits on procurement and market access and pays its
advantages (a green channel), each a share of profit a month.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.events import RatingTransfers
from sim.model.ladders import rungs_reached
from sim.model.memberships import on_blacklist

if TYPE_CHECKING:
    from sim.model.population import Population
    from sim.model.rules import RuleTables


def rate(population: Population, rules: RuleTables, step: int) -> None:
    """Set every agent's grade from its score and listings (-1 where unrated)."""
    ratings = rules.ratings
    position = rungs_reached(ratings.floors, population.score) - 1
    grade = np.where(position >= 0, ratings.grade_of_floor[np.maximum(position, 0)], -1)
    if ratings.listed_grade >= 0:
        listed = on_blacklist(population, rules.lists)
        worst = np.where(grade < 0, ratings.listed_grade, np.maximum(grade, ratings.listed_grade))
        grade = np.where(listed, worst, grade)
    running = rules.scheme_active(step)[population.city]
    population.rating[:] = np.where(running, grade, -1)


def rating_transfers(population: Population, rules: RuleTables) -> RatingTransfers:
    """Charge each rated agent its grade's cost and pay its grade's advantages this month."""
    rating = population.rating.astype(np.int64)
    cost = rules.ratings.cost[rating] * population.income
    reward = rules.ratings.reward[rating] * population.income
    population.sanction_cost_yuan += cost
    population.rewards_yuan += reward
    return RatingTransfers(cost_yuan=float(cost.sum()), reward_yuan=float(reward.sum()))
