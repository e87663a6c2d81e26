"""Bit-mask helpers against a bit-by-bit count computed here."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.bitmasks import (
    bits,
    mask_of,
    or_table,
    rows_with,
    summed,
    sums_by_bit,
    unioned,
)


def brute_sums(masks, wanted, group, groups, weights):
    out = np.zeros((len(wanted), groups))
    for row, mask in enumerate(masks.tolist()):
        for position, bit in enumerate(wanted):
            if (mask >> bit) & 1:
                out[position, group[row]] += 1.0 if weights is None else weights[row]
    return out


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    rows=st.integers(0, 300),
    groups=st.integers(1, 6),
    wanted=st.lists(st.integers(0, 63), min_size=1, max_size=30, unique=True),
    weighted=st.booleans(),
    density=st.floats(0.0, 1.0),
)
def test_sums_by_bit_match_a_bit_by_bit_count(seed, rows, groups, wanted, weighted, density):
    rng = np.random.default_rng(seed)
    on = rng.random((rows, 64)) < density
    masks = np.array([mask_of(list(np.flatnonzero(r))) for r in on], dtype=np.uint64)
    group = rng.integers(0, groups, rows)
    weights = rng.uniform(0, 1000, rows) if weighted else None
    wanted = sorted(wanted)
    got = sums_by_bit(masks, np.array(wanted), group, groups, weights)
    np.testing.assert_allclose(got, brute_sums(masks, wanted, group, groups, weights), rtol=1e-12)


def test_high_bits_and_unsorted_windows_are_counted():
    masks = np.array([mask_of([63]), mask_of([0, 63]), mask_of([12, 40])], dtype=np.uint64)
    got = sums_by_bit(masks, np.array([0, 12, 40, 63]), np.array([0, 1, 1]), 2)
    np.testing.assert_array_equal(got, [[0, 1], [0, 1], [0, 1], [1, 1]])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(0, 100))
def test_summed_and_bits_agree_with_each_other(seed, rows):
    rng = np.random.default_rng(seed)
    masks = rng.integers(0, 2**20, rows).astype(np.uint64)
    per_bit = rng.uniform(0, 1, 20) * (rng.random(20) < 0.7)
    np.testing.assert_allclose(summed(masks, per_bit), bits(masks, 20) @ per_bit, rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    low=st.integers(0, 50),
    span=st.integers(1, 12),
    rows=st.integers(600, 3000),
)
def test_summed_by_table_is_bit_for_bit_the_sum_in_bit_order(seed, low, span, rows):
    """Enough masks take the lookup table; it must add in the same order as a loop."""
    rng = np.random.default_rng(seed)
    per_bit = np.zeros(64)
    per_bit[low : low + span] = rng.uniform(0, 1, span) * (rng.random(span) < 0.8)
    per_bit[low] = rng.uniform(0.1, 1)  # the run starts at `low`
    masks = rng.integers(0, 2**63, rows, dtype=np.uint64)
    expected = np.zeros(rows)
    for k in np.flatnonzero(per_bit):
        expected += ((masks >> np.uint64(k)) & np.uint64(1)) * per_bit[k]
    assert np.array_equal(summed(masks, per_bit), expected)


@given(seed=st.integers(0, 2**32 - 1), low=st.integers(0, 40), span=st.integers(1, 10))
def test_or_table_gives_the_union_of_every_code(seed, low, span):
    rng = np.random.default_rng(seed)
    masks_of_bits = rng.integers(0, 2**63, 64, dtype=np.uint64)
    table = or_table(masks_of_bits, low, span)
    for code in rng.integers(0, 1 << span, 20):
        union = np.uint64(0)
        for offset in range(span):
            if (int(code) >> offset) & 1:
                union |= masks_of_bits[low + offset]
        assert table[code] == union


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(0, 200), wide=st.booleans())
def test_unioned_is_the_or_over_set_bits_narrow_or_wide(seed, rows, wide):
    """Within TABLE_BITS_MAX bits by lookup, beyond it by a pass per bit: the same unions."""
    rng = np.random.default_rng(seed)
    per_bit = np.zeros(64, dtype=np.uint64)
    carrying = rng.choice(64 if wide else 12, size=6, replace=False)
    per_bit[carrying] = rng.integers(1, 2**63, carrying.size, dtype=np.uint64)
    masks = rng.integers(0, 2**63, rows, dtype=np.uint64)
    expected = np.zeros(rows, dtype=np.uint64)
    for row, mask in enumerate(masks.tolist()):
        for k in range(64):
            if (mask >> k) & 1:
                expected[row] |= per_bit[k]
    assert np.array_equal(unioned(masks, per_bit), expected)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    rows=st.integers(0, 500),
    chunk=st.integers(1, 600),
    wanted=st.lists(st.integers(0, 63), max_size=8, unique=True),
    density=st.floats(0.0, 0.3),
)
def test_rows_with_finds_every_mask_sharing_a_bit_chunk_by_chunk(
    seed, rows, chunk, wanted, density
):
    rng = np.random.default_rng(seed)
    on = rng.random((rows, 64)) < density
    masks = np.array([mask_of(list(np.flatnonzero(r))) for r in on], dtype=np.uint64)
    expected = [row for row in range(rows) if on[row, wanted].any()]
    np.testing.assert_array_equal(rows_with(masks, mask_of(wanted), chunk=chunk), expected)
