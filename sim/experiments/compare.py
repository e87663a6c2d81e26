"""Comparing designs: paired differences of outcomes with 95% confidence intervals.

Runs of different designs at the same design point and replicate share their random numbers
(common random numbers), so each such pair gives one difference, design minus baseline, and
most of the run-to-run noise cancels. The interval is the t interval of the mean of the
paired differences (scipy.stats.t, n_pairs - 1 degrees of freedom).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import ScenarioError
from sim.experiments.experiment_file import Experiment
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
]


def paired_interval(
    differences: np.ndarray, confidence: float = CONFIDENCE
) -> tuple[float, float, float]:
    """Mean of paired differences and its t confidence interval (NaN bounds below 2 pairs)."""
    return mean_interval(differences, confidence)


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


@dataclass(frozen=True)
class ComparisonResult:
    """A finished comparison: its sweep and the paired differences (also on disk)."""

    sweep: SweepReport
    comparison: pd.DataFrame
    more_is_better: dict[str, bool]
    path: Path

    def table(self) -> str:
        """The comparison as a plain-text table with verdicts."""
        return format_table(self.comparison, self.more_is_better)


def check_comparable(experiment: Experiment) -> None:
    """Raise ScenarioError unless the experiment names at least two designs."""
    if len(experiment.spec.designs) < 2:
        raise ScenarioError(
            f"{experiment.path}: designs: compare needs at least two [designs.<name>] "
            f"tables; found {sorted(experiment.spec.designs)}"
        )


def compare_experiment(
    experiment: Experiment, out: Path = Path("results"), **run_options: Any
) -> ComparisonResult:
    """Run (or resume) every design with common random numbers and compare them pairwise.

    Args:
        experiment: A loaded experiment (`load_experiment`), checked before any run.
        out: Parent directory of the experiment's results.
        **run_options: Passed to `run_experiment` (executor, workers, scheduler, resume,
            progress).
    """
    check_comparable(experiment)
    report = run_experiment(experiment, out, **run_options)
    outcomes = experiment.spec.outcomes
    comparison = compare_designs(
        report.summary, experiment.design_names, experiment.baseline, list(outcomes)
    )
    path = report.results_dir / layout.COMPARISON
    comparison.to_parquet(path, index=False)
    better = {name: outcome.more_is_better for name, outcome in outcomes.items()}
    return ComparisonResult(sweep=report, comparison=comparison, more_is_better=better, path=path)
