"""Random draws whose cost grows with the events drawn, not with the population."""

from __future__ import annotations

import numpy as np

DENSE_RATE = 0.25


def bernoulli_indices(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    """Sorted indices i < n each chosen independently with probability `rate`.

    Below DENSE_RATE the gaps between chosen indices are drawn as geometric variables, so the
    cost is proportional to the number chosen; above it one uniform per index is cheaper.
    """
    if n <= 0 or rate <= 0.0:
        return np.empty(0, dtype=np.int64)
    if rate >= 1.0:
        return np.arange(n, dtype=np.int64)
    if rate >= DENSE_RATE:
        return np.flatnonzero(rng.random(n, dtype=np.float32) < rate)
    chunks = []
    position = -1
    expected = n * rate
    while True:
        size = int(expected + 5.0 * np.sqrt(expected) + 16)
        # Capped at n + 1 (past the end anyway) so tiny rates cannot overflow the cumsum.
        steps = np.minimum(rng.geometric(rate, size=size), n + 1)
        positions = position + np.cumsum(steps)
        if positions[-1] >= n:
            chunks.append(positions[positions < n])
            break
        chunks.append(positions)
        position = int(positions[-1])
    return np.concatenate(chunks)


def thin(rng: np.random.Generator, indices: np.ndarray, probability: np.ndarray) -> np.ndarray:
    """Keep each index with its own probability (array aligned with `indices`)."""
    if indices.size == 0:
        return indices
    return indices[rng.random(indices.size) < probability]
