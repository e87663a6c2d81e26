"""Who influences whom: citizens' small-world ties, firms' city peers."""

from __future__ import annotations

from typing import Protocol

import numpy as np
import scipy.sparse as sp


class Peers(Protocol):
    """What the step stages need of a social structure."""

    def share(self, mask: np.ndarray) -> np.ndarray:
        """Per agent, the share of its peers for which `mask` is true."""
        ...

    def random_peer(self, agents: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One random peer of each agent, or -1 where it has none."""
        ...


def small_world(
    rng: np.random.Generator, n: int, mean_degree: int, rewiring: float
) -> sp.csr_array:
    """Watts-Strogatz graph as a symmetric CSR adjacency matrix (int8 entries 1, no self ties).

    Agents are sorted by city, so ring neighbours mostly share a city and rewired ties
    cross cities. Built with whole-array operations: about a second for a million agents.
    """
    half = mean_degree // 2
    if n < 2 or half == 0:
        return sp.csr_array((n, n), dtype=np.int8)
    half = min(half, (n - 1) // 2) or 1
    source = np.tile(np.arange(n, dtype=np.int32), half)
    offsets = np.repeat(np.arange(1, half + 1, dtype=np.int32), n)
    target = (source + offsets) % n
    rewired = rng.random(target.size) < rewiring
    target[rewired] = rng.integers(0, n, int(rewired.sum()), dtype=np.int32)
    keep = source != target
    rows = np.concatenate([source[keep], target[keep]])
    cols = np.concatenate([target[keep], source[keep]])
    del source, offsets, target, rewired, keep  # before the matrix: a lower peak of memory
    ones = np.ones(rows.size, dtype=np.int8)  # one byte a tie
    adjacency = sp.csr_array((ones, (rows, cols)), shape=(n, n))
    adjacency.sum_duplicates()
    adjacency.data[:] = 1
    return adjacency


class SocialNetwork:
    """Citizens' ties as a sparse matrix; agent i is row i."""

    def __init__(self, adjacency: sp.csr_array) -> None:
        degree = np.diff(adjacency.indptr)
        # Neighbour counts are exact integers in the narrowest type that holds the degree.
        largest = int(degree.max()) if degree.size else 0
        self._count_dtype = np.result_type(np.min_scalar_type(-largest - 1), np.int8)
        if adjacency.dtype != self._count_dtype:
            ones = np.ones(adjacency.nnz, dtype=self._count_dtype)
            adjacency = sp.csr_array((ones, adjacency.indices, adjacency.indptr), adjacency.shape)
        self.adjacency = adjacency
        # 1 / degree by degree (0 for none), looked up through a narrow per-agent degree.
        ties = np.arange(largest + 1)
        self._inverse_by_degree = np.where(ties > 0, 1.0 / np.maximum(ties, 1), 0.0).astype(
            np.float32
        )
        self._degree = degree.astype(self._count_dtype)
        self._isolated = np.flatnonzero(degree == 0)

    def share(self, mask: np.ndarray) -> np.ndarray:
        """Share of each agent's neighbours for which `mask` holds.

        An agent with no neighbours gets 0.5, the neutral share at which the peer term of
        its decision vanishes: it has no peers to follow, so no push either way.
        """
        count = self.adjacency @ mask.astype(self._count_dtype)
        share = count.astype(np.float32)
        share *= self._inverse_by_degree[self._degree]
        if self._isolated.size:
            share[self._isolated] = 0.5
        return share

    def random_peer(self, agents: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One uniformly chosen neighbour per agent; -1 for an isolated agent."""
        indptr = self.adjacency.indptr
        degree = self._degree[agents]
        offset = (rng.random(agents.size) * degree).astype(np.int64)
        position = indptr[agents] + offset
        peers = np.full(agents.size, -1, dtype=np.int64)
        has = degree > 0
        peers[has] = self.adjacency.indices[position[has]]
        return peers

    @property
    def degree(self) -> np.ndarray:
        """Number of ties of each agent."""
        return self._degree.astype(np.int64)

    def neighbours(self, agent: int) -> np.ndarray:
        """Indices of one agent's neighbours."""
        start, stop = self.adjacency.indptr[agent], self.adjacency.indptr[agent + 1]
        return self.adjacency.indices[start:stop]


class CityPeers:
    """Firms' peers: the other firms of the same city (firms are sorted by city)."""

    def __init__(self, city: np.ndarray, n_cities: int) -> None:
        self.city = city
        self.count = np.bincount(city, minlength=n_cities)
        self.start = np.concatenate([[0], np.cumsum(self.count)[:-1]])

    def share(self, mask: np.ndarray) -> np.ndarray:
        """Share of the firms in each firm's city for which `mask` holds."""
        hits = np.bincount(self.city[mask], minlength=self.count.size)
        rate = hits / np.maximum(self.count, 1)
        return rate[self.city].astype(np.float32)

    def random_peer(self, agents: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A uniformly chosen firm of the same city (possibly itself)."""
        city = self.city[agents]
        return self.start[city] + (rng.random(agents.size) * self.count[city]).astype(np.int64)
