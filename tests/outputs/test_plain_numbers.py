"""Numbers people read: no scientific notation, verdicts with a minimum effect of interest."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.experiments.compare import verdict
from sim.outputs.comparison_text import comparison_summary, comparison_table
from sim.outputs.labels import plain_number

SCIENTIFIC = re.compile(r"\de[+-]?\d", re.IGNORECASE)


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False).filter(lambda v: v != 0))
def test_plain_numbers_never_use_scientific_notation_and_keep_three_digits(value):
    text = plain_number(value)
    assert SCIENTIFIC.search(text) is None, text
    if abs(value) >= 1e6:
        shown = float(text.removesuffix(" M").replace(",", "")) * 1e6
        assert shown == pytest.approx(value, rel=5e-3)
    elif abs(value) >= 1e3:
        assert float(text.replace(",", "")) == pytest.approx(value, abs=0.5)
    elif abs(value) >= 1e-12:
        assert float(text) == pytest.approx(value, rel=5e-3, abs=5e-13)


def test_plain_numbers_known_cases():
    assert plain_number(17_460_000) == "17.46 M"
    assert plain_number(180_600) == "180,600"
    assert plain_number(-6.146e-05) == "-0.0000615"
    assert plain_number(4.5678) == "4.57"
    assert plain_number(0.0) == "0"
    assert plain_number(12.0, signed=True) == "+12"
    assert plain_number(math.nan) == "n/a"


def _row(low: float, high: float, mean: float) -> pd.Series:
    return pd.Series({"ci_low": low, "ci_high": high, "mean_difference": mean})


@pytest.mark.parametrize(
    ("low", "high", "mean", "minimum", "expected"),
    [
        (0.01, 0.03, 0.02, None, "better"),
        (-0.03, -0.01, -0.02, None, "worse"),
        (-0.01, 0.02, 0.005, None, "no clear difference"),
        (-0.004, 0.004, 0.0, 0.005, "no material difference"),
        (0.001, 0.009, 0.004, 0.005, "better (less than the minimum effect)"),
        (-0.004, 0.02, 0.008, 0.005, "no clear difference"),
        (0.0, 0.0, 0.0, 0.005, "identical"),
        (math.nan, math.nan, 0.1, None, "too few pairs"),
    ],
)
def test_verdicts_with_and_without_a_minimum_effect(low, high, mean, minimum, expected):
    assert verdict(_row(low, high, mean), True, minimum) == expected


def test_the_table_and_summary_speak_in_points_and_people():
    comparison = pd.DataFrame(
        [
            ["compliance", "strict", "base", -0.0011, -0.0015, -0.0007, 20, 0.9312, 0.9301,
             -0.0011 / 0.9312, "worse", 2],
            ["listed_people", "strict", "base", 180_600.0, 150_000.0, 210_000.0, 20, 5.47e6,
             5.65e6, 180_600 / 5.47e6, "worse", 2],
        ],
        columns=["outcome", "design", "baseline", "mean_difference", "ci_low", "ci_high",
                 "n_pairs", "baseline_level", "design_level", "relative_change", "verdict",
                 "rank"],
    )  # fmt: skip
    text = comparison_table(comparison, percent={"compliance"})
    assert "-0.11 pp" in text and "93.1%" in text and "+180,600" in text and "5.65 M" in text
    assert SCIENTIFIC.search(text) is None
    sentences = comparison_summary(comparison, percent={"compliance"})
    assert sentences[0].startswith("Compliance: the baseline base ranks first (93.1%)")
    assert "strict -0.11 pp (-0.1%), worse" in sentences[0]
