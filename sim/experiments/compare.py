"""Comparing designs: paired differences of outcomes with 95% confidence intervals.

Runs of different designs at the same design point and replicate share their random numbers
(common random numbers), so each such pair gives one difference, design minus baseline, and
most of the run-to-run noise cancels. The interval is the t interval of the mean of the
paired differences (scipy.stats.t, n_pairs - 1 degrees of freedom).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import ScenarioError
from sim.experiments.experiment_file import Experiment, as_experiment
from sim.experiments.sweep import SweepReport, run_experiment
from sim.runs import layout
from sim.stats import CONFIDENCE, mean_interval

COLUMNS = [
    "outcome",
    "design",
    "baseline",
    "mean_difference",
    "ci_low",
    "ci_high",
    "n_pairs",
    "baseline_level",
    "design_level",
    "relative_change",
    "verdict",
    "rank",
]


def paired_interval(
    differences: np.ndarray, confidence: float = CONFIDENCE
) -> tuple[float, float, float]:
    """Mean of paired differences and its t confidence interval (NaN bounds below 2 pairs)."""
    return mean_interval(differences, confidence)


def compare_designs(
    summary: pd.DataFrame,
    designs: list[str],
    baseline: str,
    outcomes: list[str],
    more_is_better: dict[str, bool] | None = None,
    minimum_effect: dict[str, float | None] | None = None,
) -> pd.DataFrame:
    """Paired differences of every outcome, each design against the baseline.

    Pairs are runs with the same point and replicate where both runs are ok and both
    values are finite. Each row also gives both levels over those pairs, the relative
    change (difference / baseline level; NaN at a zero baseline), the verdict and the
    design's rank among all designs, baseline included (1 = best, by the outcome's
    direction and each design's mean level).
    """
    more_is_better = more_is_better or {}
    minimum_effect = minimum_effect or {}
    ok = summary[summary["status"] == "ok"]
    rows = []
    for outcome in outcomes:
        column = f"outcome.{outcome}"
        wide = ok.pivot_table(
            index=["point", "replicate"], columns="design", values=column, dropna=False
        )
        levels = ok.groupby("design")[column].mean()
        ordered = levels.sort_values(ascending=not more_is_better.get(outcome, True))
        rank = {name: position + 1 for position, name in enumerate(ordered.index)}
        for design in designs:
            if design == baseline:
                continue
            if design in wide and baseline in wide:
                paired = wide[[design, baseline]].to_numpy()
                paired = paired[np.isfinite(paired).all(axis=1)]
            else:
                paired = np.empty((0, 2))
            differences = paired[:, 0] - paired[:, 1]
            mean, low, high = paired_interval(differences)
            base_level = float(paired[:, 1].mean()) if len(paired) else np.nan
            row = {
                "outcome": outcome,
                "design": design,
                "baseline": baseline,
                "mean_difference": mean,
                "ci_low": low,
                "ci_high": high,
                "n_pairs": int(differences.size),
                "baseline_level": base_level,
                "design_level": float(paired[:, 0].mean()) if len(paired) else np.nan,
                "relative_change": mean / base_level if base_level else np.nan,
            }
            row["verdict"] = verdict(
                row, more_is_better.get(outcome, True), minimum_effect.get(outcome)
            )
            row["rank"] = rank.get(design, 0)
            rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)


def verdict(
    row: Mapping[str, Any], more_is_better: bool, minimum_effect: float | None = None
) -> str:
    """Better, worse, no material difference, or no clear difference from the baseline.

    With a minimum effect m: an interval inside [-m, m] is "no material difference"; one
    that excludes zero but whose mean is smaller than m is "better (less than m)" or
    "worse (less than m)". Without it, only whether the interval excludes zero counts.
    """
    low, high = row["ci_low"], row["ci_high"]
    if not (np.isfinite(low) and np.isfinite(high)):
        return "too few pairs"
    if low == high == 0:
        return "identical"
    if minimum_effect is not None and -minimum_effect <= low and high <= minimum_effect:
        return "no material difference"
    if low > 0 or high < 0:
        word = "better" if (low > 0) == more_is_better else "worse"
        small = minimum_effect is not None and abs(row["mean_difference"]) < minimum_effect
        return f"{word} (less than the minimum effect)" if small else word
    return "no clear difference"


@dataclass(frozen=True)
class ComparisonResult:
    """A finished comparison: its sweep and the paired differences (also on disk)."""

    sweep: SweepReport
    comparison: pd.DataFrame
    more_is_better: dict[str, bool]
    path: Path

    @property
    def warnings(self) -> list[str]:
        """Designs identical to the baseline in every run and outcome: overrides doing nothing."""
        found = []
        for design, rows in self.comparison.groupby("design", sort=False):
            if len(rows) and (rows["verdict"] == "identical").all():
                found.append(
                    f"design {design!r} gave the baseline's results in every run on every "
                    "outcome: its overrides change nothing the model uses (check the keys: e.g. "
                    "a scheme's blacklist that is switched off, or a zone whose memorandum "
                    "starts on its own date)"
                )
        return found


def check_comparable(experiment: Experiment) -> None:
    """Raise ScenarioError unless the experiment names at least two designs."""
    if len(experiment.spec.designs) < 2:
        raise ScenarioError(
            f"{experiment.path}: designs: compare needs at least two [designs.<name>] "
            f"tables; found {sorted(experiment.spec.designs)}"
        )


def compare_experiment(
    experiment: Experiment | str | Path, out: Path = Path("results"), **run_options: Any
) -> ComparisonResult:
    """Run (or resume) every design with common random numbers and compare them pairwise.

    Args:
        experiment: A loaded experiment (`load_experiment`), checked before any run.
        out: Parent directory of the experiment's results.
        **run_options: Passed to `run_experiment` (executor, workers, scheduler, resume,
            progress).
    """
    experiment = as_experiment(experiment)
    check_comparable(experiment)
    report = run_experiment(experiment, out, **run_options)
    outcomes = experiment.spec.outcomes
    better = {name: outcome.more_is_better for name, outcome in outcomes.items()}
    comparison = compare_designs(
        report.summary,
        experiment.design_names,
        experiment.baseline,
        list(outcomes),
        better,
        {name: outcome.minimum_effect for name, outcome in outcomes.items()},
    )
    path = report.results_dir / layout.COMPARISON
    comparison.to_parquet(path, index=False)
    return ComparisonResult(sweep=report, comparison=comparison, more_is_better=better, path=path)
