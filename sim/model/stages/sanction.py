"""Stage 5, sanction and reward: what listings cost and red lists pay, this month.

A blacklisted agent bears the monthly cost of every sanction of the scheme that listed it
(plus the shame cost when the list is published), raised by the scheme's escalation for each
re-offence recorded during the listing; a red-listed agent receives the monthly
value of its scheme's rewards. Both are income shares turned into yuan. A firm that commits
a violation harming its employees (e.g. not registering them for social insurance) cuts
their income next month by that share, which feeds their involuntary default.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.events import Acts, MonthlyTransfers

if TYPE_CHECKING:
    from sim.model.population import Population
    from sim.model.rules import RuleTables


def sanction_and_reward(population: Population, rules: RuleTables) -> MonthlyTransfers:
    """Charge sanctions to listed agents and pay rewards to red-listed ones."""
    actor = population.actor_index
    listed = np.flatnonzero(population.blacklisted)
    scheme = rules.city_scheme[population.listing_city[listed]]
    level = population.listing_level[listed]
    share = rules.listing_burden[scheme, actor] * (1.0 + rules.escalation[scheme] * level)
    cost = share * population.income[listed]
    population.sanction_cost_yuan[listed] += cost
    population.months_listed[listed] += 1
    rewarded = np.flatnonzero(population.redlisted)
    value = rules.reward_value[rules.city_scheme[population.city[rewarded]], actor]
    reward = value * population.income[rewarded]
    population.rewards_yuan[rewarded] += reward
    return MonthlyTransfers(float(cost.sum()), rewarded, reward)


def harm_employees(citizens: Population, firms: Population, rules: RuleTables, acts: Acts) -> None:
    """Set each employee's income share lost to its employer's violations this month."""
    harmful = acts.violation & (rules.harms_employees[acts.behaviour] > 0)
    if not harmful.any() and not citizens.harm_by_employer.any():
        return
    harm = np.zeros(firms.size + 1)  # the last slot is "no employer" (row -1)
    np.maximum.at(harm, acts.agent[harmful], rules.harms_employees[acts.behaviour[harmful]])
    citizens.harm_by_employer = harm  # employees read it through their employer
