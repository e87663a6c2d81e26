"""Comparing designs: paired differences of outcomes with 95% confidence intervals.

Runs of different designs at the same design point and replicate share their random numbers
(common random numbers), so each such pair gives one difference, design minus baseline, and
most of the run-to-run noise cancels. The interval is the t interval of the mean of the
paired differences (scipy.stats.t, n_pairs - 1 degrees of freedom).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

COLUMNS = [
    "outcome",
    "design",
    "baseline",
    "mean_difference",
    "ci_low",
    "ci_high",
    "n_pairs",
]
CONFIDENCE = 0.95


def paired_interval(
    differences: np.ndarray, confidence: float = CONFIDENCE
) -> tuple[float, float, float]:
    """Mean of paired differences and its t confidence interval (NaN bounds below 2 pairs)."""
    differences = np.asarray(differences, dtype=np.float64)
    count = differences.size
    if count == 0:
        return math.nan, math.nan, math.nan
    mean = float(differences.mean())
    if count < 2:
        return mean, math.nan, math.nan
    standard_error = float(differences.std(ddof=1)) / math.sqrt(count)
    half_width = float(stats.t.ppf(0.5 + confidence / 2, df=count - 1)) * standard_error
    return mean, mean - half_width, mean + half_width


def compare_designs(
    summary: pd.DataFrame, designs: list[str], baseline: str, outcomes: list[str]
) -> pd.DataFrame:
    """Paired differences of every outcome, each design against the baseline.

    Pairs are runs with the same point and replicate where both runs are ok and both
    values are finite.
    """
    ok = summary[summary["status"] == "ok"]
    rows = []
    for outcome in outcomes:
        column = f"outcome.{outcome}"
        wide = ok.pivot_table(
            index=["point", "replicate"], columns="design", values=column, dropna=False
        )
        for design in designs:
            if design == baseline:
                continue
            if design in wide and baseline in wide:
                differences = (wide[design] - wide[baseline]).to_numpy()
                differences = differences[np.isfinite(differences)]
            else:
                differences = np.array([])
            mean, low, high = paired_interval(differences)
            rows.append(
                {
                    "outcome": outcome,
                    "design": design,
                    "baseline": baseline,
                    "mean_difference": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "n_pairs": int(differences.size),
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def verdict(row: pd.Series, more_is_better: bool) -> str:
    """Whether the design is better or worse than the baseline, or the CI includes zero."""
    if not (np.isfinite(row["ci_low"]) and np.isfinite(row["ci_high"])):
        return "too few pairs"
    if row["ci_low"] > 0 or row["ci_high"] < 0:
        higher = row["ci_low"] > 0
        return "better" if higher == more_is_better else "worse"
    if row["ci_low"] == row["ci_high"] == 0:
        return "identical"
    return "no clear difference"


def format_table(comparison: pd.DataFrame, more_is_better: dict[str, bool]) -> str:
    """The comparison as a plain-text table, with a verdict for each row."""
    shown = comparison.copy()
    shown["verdict"] = [
        verdict(row, more_is_better[row["outcome"]]) for _, row in comparison.iterrows()
    ]
    shown["95% CI"] = [
        f"[{low:.4g}, {high:.4g}]"
        for low, high in zip(shown["ci_low"], shown["ci_high"], strict=True)
    ]
    shown["mean_difference"] = shown["mean_difference"].map(lambda v: f"{v:.4g}")
    columns = ["outcome", "design", "baseline", "mean_difference", "95% CI", "n_pairs", "verdict"]
    return shown[columns].to_string(index=False)
