"""The peer norm starts where the population's behaviour rests, and isolated agents feel none."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.network import SocialNetwork
from sim.runs.runner import simulate
from sim.validation.cases import deterrence_scenario


def stationary(peer_weight: float, gain: float, citizens: int = 4_000):
    """One city, nothing changes over time (no scheme, no learning): only the norm moves."""
    return deterrence_scenario(
        {
            "population.citizens": citizens,
            "decision.peer_weight": peer_weight,
            "decision.logit_noise": 0.05,
            "behaviours.offence.gain_income_share": gain,
            "behaviours.offence.detectability": 0.2,
            "behaviours.offence.opportunity_rate_per_month": 0.5,
            "simulation.steps": 12,
        }
    )


@given(peer_weight=st.floats(0.05, 0.3), gain=st.floats(0.02, 0.08), seed=st.integers(0, 99))
@settings(max_examples=8, deadline=None)
def test_without_any_change_the_first_month_looks_like_the_later_ones(peer_weight, gain, seed):
    violations = (
        1.0
        - simulate(stationary(peer_weight, gain), seed=seed)
        .timeseries["compliance_rate"]
        .to_numpy()
    )
    later = violations[4:]
    # Monthly shares are binomial-ish: allow five standard errors of one month's share.
    noise = 5 * np.sqrt(max(later.mean() * (1 - later.mean()), 1e-4) / 2_000)
    assert abs(violations[0] - later.mean()) < noise + 0.01, (violations[0], later.mean())


def test_an_agent_without_neighbours_has_a_neutral_peer_share():
    adjacency = sp.csr_array(np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]], dtype=np.float32))
    network = SocialNetwork(adjacency)
    share = network.share(np.array([True, True, False]))
    assert share.tolist() == [1.0, 1.0, 0.5]


@pytest.mark.parametrize("peer_weight", [0.1, 0.5])
def test_isolated_agents_decide_as_if_there_were_no_norm(peer_weight):
    base = {"network.mean_degree": 0, "decision.logit_noise": 0.0}
    scenario = deterrence_scenario(base | {"decision.peer_weight": peer_weight})
    alone = deterrence_scenario(base | {"decision.peer_weight": 0.0})
    with_norm = simulate(scenario, seed=2).timeseries["compliance_rate"]
    without = simulate(alone, seed=2).timeseries["compliance_rate"]
    assert with_norm.tolist() == without.tolist()
