"""A comparison of designs in words and plain numbers, for the terminal and the report.

Per outcome: the baseline's level, each design's level, the difference in the unit people
think in (percentage points for shares), the relative change, the 95% interval, the verdict
and the design's rank; then one sentence per outcome. No scientific notation.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from sim.outputs.labels import is_percent, label, plain_number


def _level(value: float, share: bool) -> str:
    if not np.isfinite(value):
        return "n/a"
    return f"{value:.1%}" if share else plain_number(value)


def _difference(value: float, share: bool) -> str:
    if not np.isfinite(value):
        return "n/a"
    return f"{value * 100:+.2f} pp" if share else plain_number(value, signed=True)


def _relative(value: float) -> str:
    return f"{value:+.1%}" if np.isfinite(value) else "n/a"


def comparison_rows(comparison: pd.DataFrame, percent: Collection[str] = ()) -> pd.DataFrame:
    """The comparison's rows as text columns a planner reads."""
    rows = []
    for row in comparison.itertuples():
        share = is_percent(row.outcome, percent)
        interval = (
            f"{_difference(row.ci_low, share)} to {_difference(row.ci_high, share)}"
            if np.isfinite(row.ci_low)
            else "n/a"
        )
        rows.append(
            {
                "outcome": label(row.outcome, percent).split(",")[0],
                "design": row.design,
                "baseline": f"{row.baseline} {_level(row.baseline_level, share)}",
                "level": _level(row.design_level, share),
                "difference": _difference(row.mean_difference, share),
                "relative": _relative(row.relative_change),
                "95% interval": interval,
                "verdict": row.verdict,
                "rank": int(row.rank),
                "pairs": int(row.n_pairs),
            }
        )
    return pd.DataFrame(rows)


def comparison_table(comparison: pd.DataFrame, percent: Collection[str] = ()) -> str:
    """The comparison as a plain-text table."""
    return comparison_rows(comparison, percent).to_string(index=False)


def comparison_summary(comparison: pd.DataFrame, percent: Collection[str] = ()) -> list[str]:
    """One sentence per outcome: the best design, and how each design differs from baseline."""
    sentences = []
    for outcome, part in comparison.groupby("outcome", sort=False):
        share = is_percent(str(outcome), percent)
        name = label(str(outcome), percent).split(",")[0]
        baseline = part["baseline"].iloc[0]
        base_level = _level(part["baseline_level"].iloc[0], share)
        best = part.loc[part["rank"].idxmin()]
        lead = (
            f"{name}: {best['design']} ranks first ({_level(best['design_level'], share)})"
            if best["rank"] == 1
            else f"{name}: the baseline {baseline} ranks first ({base_level})"
        )
        details = "; ".join(
            f"{row.design} {_difference(row.mean_difference, share)} "
            f"({_relative(row.relative_change)}), {row.verdict}"
            for row in part.itertuples()
        )
        sentences.append(f"{lead}; against {baseline} at {base_level}: {details}.")
    return sentences
