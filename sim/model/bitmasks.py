"""Sets of up to 64 lists, sanctions or rewards as 64-bit masks (bit k: member k)."""

from __future__ import annotations

import numpy as np


def mask_of(indices: list[int]) -> np.uint64:
    """The 64-bit mask with the given bits set."""
    mask = 0
    for index in indices:
        mask |= 1 << index
    return np.uint64(mask)


def bits(mask: np.ndarray, count: int) -> np.ndarray:
    """[n, count] bool: bit k of each mask."""
    shifts = np.arange(count, dtype=np.uint64)
    return ((np.asarray(mask, dtype=np.uint64)[:, None] >> shifts) & np.uint64(1)).astype(bool)


def summed(masks: np.ndarray, per_bit: np.ndarray) -> np.ndarray:
    """For each mask, the sum of `per_bit[k]` over its set bits k (zero entries skipped)."""
    total = np.zeros(np.asarray(masks).shape)
    for k in np.flatnonzero(per_bit):
        total += ((masks >> np.uint64(k)) & np.uint64(1)) * per_bit[k]
    return total
