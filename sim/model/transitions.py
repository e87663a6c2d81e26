"""State changes that more than one stage makes: keep scores in bounds, end a listing.

They live below the stages so that the stages stay peers (listing and migrate both end
listings; score, listing and migrate all clip scores).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.events import NOT_LISTED

if TYPE_CHECKING:
    from sim.model.population import Population
    from sim.model.rules import RuleTables


def clip_scores(population: Population, rules: RuleTables, agents: np.ndarray) -> None:
    """Keep the given agents' scores within their scheme's bounds."""
    scheme = rules.city_scheme[population.city[agents]]
    population.score[agents] = np.clip(
        population.score[agents], rules.min_score[scheme], rules.max_score[scheme]
    )


def delist(population: Population, rules: RuleTables, agents: np.ndarray) -> None:
    """End the listings of `agents`, lifting their scores to the blacklist threshold."""
    if agents.size == 0:
        return
    threshold = rules.blacklist_threshold[rules.city_scheme[population.city[agents]]]
    population.score[agents] = np.maximum(population.score[agents], threshold)
    clip_scores(population, rules, agents)  # a threshold may lie above max_score
    population.blacklisted[agents] = False
    population.listing_permanent[agents] = False
    population.listing_level[agents] = 0
    population.listing_cause[agents] = NOT_LISTED
    population.listing_behaviour[agents] = -1
