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


SPLIT_MIN_AGENTS = 1 << 21  # from here the mask no longer fits in cache: ring ties apart
MAX_RING_REACH = 32  # 2 x 32 offsets: the ring's bits fit one 64-bit word an agent
# rows handled at a time where temporaries would grow with the agents (as bitmasks.CHUNK_ROWS;
# not imported: the network stays a leaf module, which keeps the import graph shallow)
CHUNK_ROWS = 1 << 20


class RingTies:
    """A tie matrix split into ring-lattice ties (a bit each) and the others (by index).

    Ties to agents at most `reach` rows away round the ring are one bit per offset per agent;
    the other ties keep their column as a byte index and a bit of a bit-packed mask, so the
    neighbours' count reads the mask a row ahead and behind for the ring and gathers the
    rest from a packed copy an eighth of the mask's size (it stays in cache where the mask
    does not). The counts are exactly the matrix product's.
    """

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, n: int, reach: int) -> None:
        self.n = n
        self.offsets = np.concatenate([np.arange(-reach, 0), np.arange(1, reach + 1)])
        self.ring = np.zeros(n, dtype=np.min_scalar_type((1 << self.offsets.size) - 1))
        rows_of, bytes_of, bits_of = [], [], []
        for first in range(0, n, CHUNK_ROWS):
            last = min(first + CHUNK_ROWS, n)
            start, stop = int(indptr[first]), int(indptr[last])
            rows = np.repeat(
                np.arange(first, last, dtype=np.int32), np.diff(indptr[first : last + 1])
            )
            cols = indices[start:stop]
            step = cols.astype(np.int32) - rows  # in (-n, n): the ring's signed offset
            step[step > n // 2] -= n
            step[step < -(n // 2)] += n
            on_ring = (np.abs(step) <= reach) & (step != 0)
            bit = np.where(step < 0, step + reach, step + reach - 1)[on_ring]
            flags = np.zeros(step.size, dtype=self.ring.dtype)
            flags[on_ring] = self.ring.dtype.type(1) << bit.astype(self.ring.dtype)
            counts = np.diff(indptr[first : last + 1])
            tied = np.flatnonzero(counts)  # rows with ties; CSR rows are runs of entries
            if tied.size:
                starts = (indptr[first:last][tied] - start).astype(np.int64)
                self.ring[first + tied] = np.bitwise_or.reduceat(flags, starts)
            rows_of.append(rows[~on_ring])
            far = cols[~on_ring].astype(np.int32)
            bytes_of.append(far >> 3)
            bits_of.append((far & 7).astype(np.uint8))
        self.far_byte = np.concatenate(bytes_of)
        self.far_bit = np.concatenate(bits_of)
        # rows ascend: each row with far ties and where its run of them starts (as
        # sim.model.spells.agent_groups does; not imported: the network stays a leaf module)
        far_rows = np.concatenate(rows_of)
        first_of_row = np.ones(far_rows.size, dtype=bool)
        np.not_equal(far_rows[1:], far_rows[:-1], out=first_of_row[1:])
        self.far_starts = np.flatnonzero(first_of_row)
        self.far_rows = far_rows[self.far_starts]

    def count(self, mask: np.ndarray, dtype: np.dtype) -> np.ndarray:
        """Per agent, how many of its ties lead to an agent with `mask` set."""
        n = self.n
        x = np.ascontiguousarray(mask, dtype=bool).view(np.uint8)
        count = np.zeros(n, dtype=dtype)
        for bit, offset in enumerate(self.offsets.tolist()):
            has = (self.ring >> bit).astype(np.uint8)
            has &= 1
            # neighbour of i at i + offset round the ring: two slices, no copy of the mask
            cut = offset % n
            head = has[: n - cut]
            head &= x[cut:]
            tail = has[n - cut :]
            tail &= x[:cut]
            count += has
        if self.far_byte.size:
            packed = np.packbits(x, bitorder="little")
            far = packed[self.far_byte]
            far >>= self.far_bit
            far &= 1
            count[self.far_rows] += np.add.reduceat(far, self.far_starts, dtype=dtype)
        return count


SPARSE_MASK_SHARE = 0.1  # at most this share set: count from the set agents' own ties


class SocialNetwork:
    """Citizens' ties as a sparse matrix; agent i is row i.

    From SPLIT_MIN_AGENTS agents (or with `split`), the neighbours' count goes through
    `RingTies` (`ring_reach`: the lattice's reach; ties beyond it are counted by index).
    With `mutual` (the matrix is symmetric, as `small_world` builds it) a sparse mask, at
    most SPARSE_MASK_SHARE of the agents, is counted from the ties of the agents it holds:
    each such tie adds one to the agent at its other end. The counts are the same integers.
    """

    def __init__(
        self,
        adjacency: sp.csr_array,
        ring_reach: int = 0,
        split: bool | None = None,
        mutual: bool = False,
    ) -> None:
        self.mutual = mutual
        degree = np.diff(adjacency.indptr)
        # Neighbour counts are exact integers in the narrowest type that holds the degree.
        largest = int(degree.max()) if degree.size else 0
        self._count_dtype = np.result_type(np.min_scalar_type(-largest - 1), np.int8)
        n = adjacency.shape[0]
        if split is None:
            split = n >= SPLIT_MIN_AGENTS
        split = split and 0 < ring_reach <= MAX_RING_REACH and n > 2 * ring_reach + 1
        self.indptr, self.indices = adjacency.indptr, adjacency.indices
        self.ring = RingTies(self.indptr, self.indices, n, ring_reach) if split else None
        self.adjacency = None
        if self.ring is None:
            if adjacency.dtype != self._count_dtype:
                ones = np.ones(adjacency.nnz, dtype=self._count_dtype)
                adjacency = sp.csr_array(
                    (ones, adjacency.indices, adjacency.indptr), adjacency.shape
                )
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
        n = mask.size
        if self.mutual and np.count_nonzero(mask) <= SPARSE_MASK_SHARE * n:
            share = self._count_from_ties_of(np.flatnonzero(mask), n)
        else:
            if self.ring is not None:
                count = self.ring.count(mask, self._count_dtype)
            else:
                count = self.adjacency @ mask.astype(self._count_dtype)
            share = count.astype(np.float32)
            del count  # before the next full-size temporary
        for start in range(0, n, CHUNK_ROWS):  # counts to shares, a chunk at a time
            rows = slice(start, start + CHUNK_ROWS)
            share[rows] *= self._inverse_by_degree[self._degree[rows]]
        if self._isolated.size:
            share[self._isolated] = 0.5
        return share

    def _count_from_ties_of(
        self, active: np.ndarray, n: int, chunk: int = CHUNK_ROWS
    ) -> np.ndarray:
        """Per agent, its ties to `active` agents (float32), from the active agents' rows.

        Needs mutual ties. Counted `chunk` agents at a time, so no integer count of every
        agent is held beside the result.
        """
        starts = self.indptr[active]
        degree = self.indptr[active + 1] - starts
        first = np.cumsum(degree) - degree  # where each active agent's ties start below
        position = np.arange(int(first[-1] + degree[-1]) if active.size else 0)
        position += np.repeat(starts - first, degree)
        ends = self.indices[position]  # the other end of each of their ties
        del position
        count = np.empty(n, dtype=np.float32)
        if n <= chunk:
            count[:] = np.bincount(ends, minlength=n)
            return count
        for start in range(0, n, chunk):
            stop = min(start + chunk, n)
            inside = ends[(ends >= start) & (ends < stop)]
            count[start:stop] = np.bincount(inside - start, minlength=stop - start)
        return count

    def random_peer(self, agents: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One uniformly chosen neighbour per agent; -1 for an isolated agent."""
        indptr = self.indptr
        degree = self._degree[agents]
        offset = (rng.random(agents.size) * degree).astype(np.int64)
        position = indptr[agents] + offset
        peers = np.full(agents.size, -1, dtype=np.int64)
        has = degree > 0
        peers[has] = self.indices[position[has]]
        return peers

    @property
    def degree(self) -> np.ndarray:
        """Number of ties of each agent."""
        return self._degree.astype(np.int64)

    def neighbours(self, agent: int) -> np.ndarray:
        """Indices of one agent's neighbours."""
        start, stop = self.indptr[agent], self.indptr[agent + 1]
        return self.indices[start:stop]


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
