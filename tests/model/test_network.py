"""The citizens' small-world network and the firms' city peers."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.model import CreditModel
from sim.model.network import CityPeers, SocialNetwork, small_world
from sim.scenario.schema import Scenario


@pytest.mark.parametrize(("degree", "rewiring"), [(8, 0.0), (8, 0.1), (4, 1.0)])
def test_small_world_is_symmetric_with_the_right_mean_degree(degree: int, rewiring: float) -> None:
    n = 2000
    adjacency = small_world(np.random.default_rng(2), n, degree, rewiring)
    assert adjacency.shape == (n, n)
    assert (adjacency != adjacency.T).nnz == 0
    assert adjacency.diagonal().sum() == 0
    assert set(np.unique(adjacency.data)) == {1.0}
    mean_degree = adjacency.nnz / n
    if rewiring == 0:
        assert mean_degree == degree
    else:  # a rewired tie can duplicate another or land on itself: a few are lost
        assert degree * 0.95 <= mean_degree <= degree


def test_small_world_without_ties() -> None:
    assert small_world(np.random.default_rng(0), 100, 0, 0.1).nnz == 0
    assert small_world(np.random.default_rng(0), 1, 8, 0.1).nnz == 0


def test_social_network_share_and_random_peer() -> None:
    # 0 - 1 - 2, and 3 alone
    rows, cols = np.array([0, 1, 1, 2]), np.array([1, 0, 2, 1])
    adjacency = sp.csr_array((np.ones(4, dtype=np.float32), (rows, cols)), shape=(4, 4))
    network = SocialNetwork(adjacency)
    share = network.share(np.array([True, False, False, True]))
    assert share.tolist() == pytest.approx([0.0, 0.5, 0.0, 0.5])  # 3 is alone: neutral
    peers = network.random_peer(np.array([0, 2, 3, 1, 1, 1, 1]), np.random.default_rng(0))
    assert peers[:3].tolist() == [1, 1, -1]
    assert set(peers[3:].tolist()) <= {0, 2}


def test_firms_peers_are_the_firms_of_their_city() -> None:
    city = np.array([0, 0, 0, 1, 1, 2])
    peers = CityPeers(city, 4)
    share = peers.share(np.array([True, False, False, True, True, False]))
    assert share.tolist() == pytest.approx([1 / 3] * 3 + [1.0, 1.0, 0.0])
    chosen = peers.random_peer(np.repeat(np.arange(6), 20), np.random.default_rng(0))
    assert (city[chosen] == np.repeat(city, 20)).all()


# --- agents as Mesa views ---------------------------------------------------------------------


def test_agent_views_read_the_arrays(small_model: CreditModel) -> None:
    citizens = small_model.citizens
    view = small_model.citizen(3)
    assert view.income_yuan == citizens.income[3]
    assert view.city == small_model.rules.city_names[citizens.city[3]]
    assert view.income_quintile == citizens.income_quintile[3] + 1
    citizens.blacklisted[3] = True
    assert view.blacklisted and view.state == "blacklisted"
    with pytest.raises(IndexError):
        small_model.citizen(citizens.size)
    firm_row = int(citizens.employer.max())
    assert small_model.firm(firm_row).employees == int((citizens.employer == firm_row).sum())
    assert len(small_model.sample_citizens(5)) == 5


def test_model_registers_two_population_agents(small_scenario: Scenario) -> None:
    model = CreditModel(small_scenario, seed=1)
    assert len(model.agents) == 2
    assert model.citizens.size == 1000
    assert model.firms.size == 50


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(2, 400),
    hub_ties=st.integers(0, 399),
    density=st.floats(0.0, 0.05),
    seed=st.integers(0, 2**32 - 1),
)
def test_share_is_the_exact_share_of_neighbours_whatever_the_degree(
    n: int, hub_ties: int, density: float, seed: int
) -> None:
    """Counts are exact in the narrow type chosen for the largest degree (a hub: > 127)."""
    rng = np.random.default_rng(seed)
    dense = np.triu(rng.random((n, n)) < density, 1)
    dense[0, 1 : 1 + min(hub_ties, n - 1)] = True  # agent 0 is a hub
    dense = dense | dense.T
    network = SocialNetwork(sp.csr_array(dense.astype(np.int8)))
    mask = rng.random(n) < 0.5
    degree = dense.sum(axis=1)
    expected = np.where(
        degree > 0,
        (dense.astype(np.int64) @ mask.astype(np.int64)).astype(np.float32)
        * np.where(degree > 0, 1 / np.maximum(degree, 1), 0).astype(np.float32),
        0.5,
    )
    np.testing.assert_array_equal(network.share(mask), expected.astype(np.float32))
    np.testing.assert_array_equal(network.degree, degree)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 3000),
    degree=st.integers(0, 12),
    rewiring=st.floats(0.0, 1.0),
    density=st.floats(0.0, 0.3),
    split=st.booleans(),
)
def test_a_sparse_mask_counts_from_its_agents_ties_as_the_matrix_product(
    seed, n, degree, rewiring, density, split
):
    """Mutual ties: counting from the set agents' rows gives the product's shares exactly,
    on both sides of SPARSE_MASK_SHARE and with the ring ties apart or not."""
    rng = np.random.default_rng(seed)
    adjacency = small_world(rng, n, degree, rewiring)
    mask = rng.random(n) < density
    mutual = SocialNetwork(adjacency, ring_reach=degree // 2, split=split, mutual=True)
    product = SocialNetwork(adjacency, ring_reach=degree // 2, split=False)
    np.testing.assert_array_equal(mutual.share(mask), product.share(mask))
    counts = adjacency.astype(np.int64) @ mask.astype(np.int64)
    for chunk in (n, max(n // 3, 1), 7):  # whole, in thirds, in many pieces
        sparse = mutual._count_from_ties_of(np.flatnonzero(mask), n, chunk=chunk)
        np.testing.assert_array_equal(sparse, counts.astype(np.float32))


# --- ring ties apart: the neighbours' count at large populations ------------------------------


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(12, 1500),
    degree=st.integers(2, 100),
    rewiring=st.floats(0.0, 1.0),
    reach=st.integers(1, 32),
    density=st.floats(0.0, 1.0),
)
def test_ring_ties_count_exactly_as_the_tie_matrix(seed, n, degree, rewiring, reach, density):
    """Split into ring bits and far ties (the large-population path), counts are unchanged.

    The reach need not match the lattice's: ties beyond it are simply counted as far ties.
    """
    rng = np.random.default_rng(seed)
    adjacency = small_world(rng, n, degree, rewiring)
    plain = SocialNetwork(adjacency, ring_reach=reach, split=False)
    split = SocialNetwork(adjacency, ring_reach=reach, split=True)
    assert split.ring is not None or n <= 2 * reach + 1
    mask = rng.random(n) < density
    expected = (adjacency.toarray().astype(np.int64) @ mask.astype(np.int64)).astype(np.float32)
    degrees = np.diff(adjacency.indptr)
    expected = np.where(degrees > 0, expected / np.maximum(degrees, 1), 0.5).astype(np.float32)
    np.testing.assert_array_equal(plain.share(mask), split.share(mask))
    np.testing.assert_allclose(split.share(mask), expected, rtol=1e-6)
    agents = rng.integers(0, n, 50)
    assert np.array_equal(
        plain.random_peer(agents, np.random.default_rng(seed)),
        split.random_peer(agents, np.random.default_rng(seed)),
    )


def test_ring_ties_hold_the_lattice_as_bits_and_the_rest_by_index():
    adjacency = small_world(np.random.default_rng(4), 5000, 8, 0.1)
    network = SocialNetwork(adjacency, ring_reach=4, split=True)
    ring = network.ring
    on_ring = int(np.unpackbits(ring.ring.view(np.uint8)).sum())
    assert on_ring + ring.far_byte.size == adjacency.nnz
    assert 0.8 * adjacency.nnz < on_ring < 0.95 * adjacency.nnz  # about 90% lattice ties
    assert SocialNetwork(adjacency, ring_reach=4).ring is None  # small: the matrix product
    wide = small_world(np.random.default_rng(5), 500, 100, 0.1)  # the schema's widest lattice
    assert SocialNetwork(wide, ring_reach=50, split=True).ring is None  # beyond 64 ring bits
    kept = SocialNetwork(wide, ring_reach=32, split=True)
    mask = np.random.default_rng(6).random(500) < 0.3
    np.testing.assert_array_equal(kept.share(mask), SocialNetwork(wide).share(mask))
