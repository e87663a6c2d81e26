"""Sets of up to 64 lists, sanctions or rewards as 64-bit masks (bit k: member k)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np


def mask_of(indices: list[int]) -> np.uint64:
    """The 64-bit mask with the given bits set."""
    mask = 0
    for index in indices:
        mask |= 1 << index
    return np.uint64(mask)


CHUNK_ROWS = 1 << 20  # masks tested at a time: temporaries of 8 MB, not 8 bytes an agent


def rows_with(
    masks: np.ndarray, bits_wanted: np.uint64 | int, chunk: int = CHUNK_ROWS
) -> np.ndarray:
    """Ascending rows whose mask has any of `bits_wanted`, tested `chunk` rows at a time."""
    wanted = np.uint64(bits_wanted)
    parts = [
        np.flatnonzero((masks[start : start + chunk] & wanted) != 0) + start  # bool: 4x faster
        for start in range(0, masks.size, chunk)
    ]
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def bits(mask: np.ndarray, count: int) -> np.ndarray:
    """[n, count] bool: bit k of each mask."""
    shifts = np.arange(count, dtype=np.uint64)
    return ((np.asarray(mask, dtype=np.uint64)[:, None] >> shifts) & np.uint64(1)).astype(bool)


TABLE_BITS_MAX = 20  # widest run of bits summed through a lookup table (8 MB of float64)


def _doubling(values: np.ndarray, low: int, span: int, combine: np.ufunc) -> np.ndarray:
    """[2^span]: for every code of bits low..low+span-1, `combine` of their `values`.

    Built by doubling (code c | 2^k = table[c] combined with bit k's value), so each code's
    values are combined in ascending bit order, as a pass per bit would.
    """
    table = np.zeros(1 << span, dtype=values.dtype)
    for offset in range(span):
        size = 1 << offset
        combine(table[:size], values[low + offset], out=table[size : 2 * size])
    return table


@lru_cache(maxsize=64)
def _sum_table(per_bit: bytes, low: int, span: int) -> np.ndarray:
    """[2^span] the sum for every code of bits low..low+span-1, added in ascending bit order."""
    table = _doubling(np.frombuffer(per_bit, dtype=np.float64), low, span, np.add)
    table.flags.writeable = False
    return table


def summed(masks: np.ndarray, per_bit: np.ndarray) -> np.ndarray:
    """For each mask, the sum of `per_bit[k]` over its set bits k (zero entries skipped).

    Sums are added in ascending bit order, so a lookup table of every code of the bits
    that carry a value (for many masks) gives bit for bit what a pass per bit gives.
    """
    masks = np.asarray(masks)
    per_bit = np.ascontiguousarray(per_bit, dtype=np.float64)
    carrying = np.flatnonzero(per_bit)
    if carrying.size and masks.size:
        low, span = int(carrying[0]), int(carrying[-1] - carrying[0]) + 1
        if span <= TABLE_BITS_MAX and masks.size >= (1 << span) // 8:
            table = _sum_table(per_bit.tobytes(), low, span)
            code = (masks >> np.uint64(low)) & np.uint64((1 << span) - 1)
            return table[code.astype(np.intp)]
    total = np.zeros(masks.shape)
    for k in carrying:
        total += ((masks >> np.uint64(k)) & np.uint64(1)) * per_bit[k]
    return total


def or_table(masks_of_bits: np.ndarray, low: int, span: int) -> np.ndarray:
    """[2^span] uint64: for every code of bits low..low+span-1, the OR of their `masks_of_bits`."""
    return _doubling(np.asarray(masks_of_bits, dtype=np.uint64), low, span, np.bitwise_or)


def unioned(masks: np.ndarray, per_bit: np.ndarray) -> np.ndarray:
    """For each mask, the OR of `per_bit[k]` (uint64 masks) over its set bits k.

    By a lookup table of every code of the bits that carry a mask when they span at most
    TABLE_BITS_MAX bits, else a pass per bit.
    """
    masks = np.asarray(masks, dtype=np.uint64)
    per_bit = np.asarray(per_bit, dtype=np.uint64)
    carrying = np.flatnonzero(per_bit)
    if carrying.size == 0:
        return np.zeros(masks.shape, dtype=np.uint64)
    low, span = int(carrying[0]), int(carrying[-1] - carrying[0]) + 1
    if span <= TABLE_BITS_MAX:
        code = (masks >> np.uint64(low)) & np.uint64((1 << span) - 1)
        return or_table(per_bit, low, span)[code.astype(np.intp)]
    total = np.zeros(masks.shape, dtype=np.uint64)
    for k in carrying:
        has = (masks >> np.uint64(k)) & np.uint64(1)
        total |= np.where(has == 1, per_bit[k], np.uint64(0))
    return total


WINDOW_BITS = 10  # bits tabulated at once: a table of 1,024 codes per group


def sums_by_bit(
    masks: np.ndarray,
    wanted: np.ndarray,
    group: np.ndarray,
    groups: int,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """[len(wanted), groups]: per wanted bit (ascending), the masks (or `weights`) with it set.

    The wanted bits are read WINDOW_BITS at a time: one bincount of (window code, group) per
    window, then each bit's total is a sum over the window codes that contain it, so the cost
    is a few passes over the masks, not a pass per bit.
    """
    wanted = np.asarray(wanted, dtype=np.int64)
    total = np.zeros((wanted.size, groups))
    codes = np.arange(1 << WINDOW_BITS)
    group = np.asarray(group, dtype=np.intp)
    done = 0
    while done < wanted.size:
        low = int(wanted[done])
        inside = np.flatnonzero((wanted >= low) & (wanted < low + WINDOW_BITS))
        window = (masks >> np.uint64(low)) & np.uint64((1 << WINDOW_BITS) - 1)
        key = window.astype(np.intp)
        key *= groups
        key += group
        table = np.bincount(key, weights=weights, minlength=codes.size * groups)
        table = table.reshape(codes.size, groups)
        for position in inside:
            total[position] = table[(codes >> (wanted[position] - low)) & 1 == 1].sum(axis=0)
        done = int(inside[-1]) + 1
    return total
