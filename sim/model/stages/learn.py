"""Stage 6, learn: perceived detection moves toward what agents see happen.

After each violation, the violator's belief for that behaviour moves toward the outcome
(1 detected, 0 not) at `learning_rate_own`, and one random peer's belief moves toward it at
`learning_rate_social` (a peer hears of it). Beliefs stay in [0, 1].
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model.events import Acts
    from sim.model.population import Population
    from sim.scenario.schema import Scenario


def learn(rng: np.random.Generator, population: Population, acts: Acts, scenario: Scenario) -> None:
    """Update perceived detection from this step's violations."""
    own_rate = scenario.decision.learning_rate_own
    social_rate = scenario.decision.learning_rate_social
    violation = acts.violation
    agents = acts.agent[violation]
    column = acts.column[violation]
    outcome = acts.detected[violation].astype(np.float32)
    beliefs = population.perceived_detection
    if own_rate > 0:
        current = beliefs[agents, column]
        beliefs[agents, column] = current + own_rate * (outcome - current)
    if social_rate > 0 and agents.size:
        peers = population.peers.random_peer(agents, rng)
        heard = peers >= 0
        peers, column, outcome = peers[heard], column[heard], outcome[heard]
        current = beliefs[peers, column]
        beliefs[peers, column] = current + social_rate * (outcome - current)
