"""Small real results for the chart and report tests: runs on disk and the experiment tables.

The tables follow the experiments' contract (summary, comparison, sensitivity parquet files);
they are assembled here from real runs written by `run_to_disk`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.runs.runner import run_to_disk
from sim.scenario.files import apply_overrides, scenario_from_data
from sim.scenario.schema import Scenario

BASE: dict[str, Any] = apply_overrides(
    Scenario().model_dump(mode="json"),
    {
        "simulation.name": "charts",
        "simulation.steps": 12,
        "population.citizens": 1000,
        "income_shocks.probability_per_month": 0.05,
        "records.false_record_rate_per_month": 0.01,
        "schemes.default.redlist_threshold": 1010.0,
        "cities": {
            "north": {"scheme": "default", "enforcement": 1.5},
            "south": {"scheme": "default", "enforcement": 0.5},
        },
    },
)
DESIGNS: dict[str, dict[str, Any]] = {
    "lenient": {"schemes.default.blacklist_duration_months": 6},
    "strict": {"schemes.default.blacklist_duration_months": 36},
}
GRID: dict[str, list[Any]] = {
    "behaviours.loan_default.detectability": [0.3, 0.9],
    "schemes.default.blacklist_duration_months": [6, 36],
}


def outcomes(timeseries: pd.DataFrame) -> dict[str, float]:
    """The fixture experiments' outcomes of one run."""
    return {
        "outcome.final_compliance_rate": float(timeseries["compliance_rate"].iloc[-1]),
        "outcome.mean_blacklisted_share": float(timeseries["blacklisted_share"].mean()),
        "outcome.final_blacklisted_people": float(timeseries["blacklisted_people"].iloc[-1]),
    }


def _run(
    out: Path, experiment: str, design: str, point: int, replicate: int, factors: dict[str, Any]
) -> dict[str, Any]:
    scenario = scenario_from_data(apply_overrides(BASE, factors))
    seed = 11
    run_dir = run_to_disk(scenario, out, seed=seed, keys=(point, replicate))
    timeseries = pd.read_parquet(run_dir / "timeseries.parquet")
    return {
        "run_id": run_dir.name,
        "experiment": experiment,
        "design": design,
        "point": point,
        "replicate": replicate,
        "seed": seed,
        "status": "ok",
        "error": "",
        **{f"factor.{key}": value for key, value in factors.items()},
        **outcomes(timeseries),
    }


def paired_comparison(summary: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Paired differences of every outcome from the baseline, with Student-t 95% CIs."""
    rows = []
    base = summary[summary["design"] == baseline].set_index("replicate")
    for design in summary["design"].unique():
        if design == baseline:
            continue
        own = summary[summary["design"] == design].set_index("replicate")
        for column in [c for c in summary if c.startswith("outcome.")]:
            difference = (own[column] - base[column]).dropna().to_numpy()
            n = difference.size
            half = stats.t.ppf(0.975, n - 1) * difference.std(ddof=1) / np.sqrt(n)
            mean = difference.mean()
            rows.append(
                {
                    "outcome": column.removeprefix("outcome."),
                    "design": design,
                    "baseline": baseline,
                    "mean_difference": mean,
                    "ci_low": mean - half,
                    "ci_high": mean + half,
                    "n_pairs": n,
                }
            )
    return pd.DataFrame(rows)


def write_comparison(out: Path, replicates: int = 3) -> Path:
    """A two-design comparison with common random numbers: runs, summary and comparison."""
    rows = [
        _run(out, "designs", design, point, replicate, factors)
        for point, (design, factors) in enumerate(DESIGNS.items())
        for replicate in range(replicates)
    ]
    summary = pd.DataFrame(rows)
    summary.to_parquet(out / "summary.parquet")
    paired_comparison(summary, "lenient").to_parquet(out / "comparison.parquet")
    return out


def write_sweep(out: Path, replicates: int = 2) -> Path:
    """A 2 x 2 grid sweep with replications, plus one failed run, and its summary table."""
    keys = list(GRID)
    points = [dict(zip(keys, values, strict=True)) for values in _grid(GRID)]
    rows = [
        _run(out, "sweep", "", point, replicate, factors)
        for point, factors in enumerate(points)
        for replicate in range(replicates)
    ]
    failed = {**rows[0], "run_id": "failed-run", "replicate": replicates, "status": "failed"}
    failed.update({key: np.nan for key in rows[0] if key.startswith("outcome.")})
    failed["error"] = "ValueError: a failed run for the test"
    summary = pd.DataFrame([*rows, failed])
    summary.to_parquet(out / "summary.parquet")
    return out


def _grid(grid: dict[str, list[Any]]) -> list[tuple[Any, ...]]:
    import itertools

    return list(itertools.product(*grid.values()))


def ishigami_sensitivity(samples: int = 512) -> pd.DataFrame:
    """Sobol indices of the Ishigami function (a known-answer test function), with CIs."""
    rng = np.random.default_rng(5)

    def ishigami(x: np.ndarray) -> np.ndarray:
        return np.sin(x[0]) + 7 * np.sin(x[1]) ** 2 + 0.1 * x[2] ** 4 * np.sin(x[0])

    uniform = stats.uniform(loc=-np.pi, scale=2 * np.pi)
    result = stats.sobol_indices(func=ishigami, n=samples, dists=[uniform] * 3, rng=rng)
    interval = result.bootstrap(confidence_level=0.95, n_resamples=99)
    factors = ["factor.a.x1", "factor.a.x2", "factor.a.x3"]
    return pd.DataFrame(
        {
            "outcome": "final_compliance_rate",
            "factor": factors,
            "first_order": result.first_order,
            "first_order_ci_low": interval.first_order.confidence_interval.low,
            "first_order_ci_high": interval.first_order.confidence_interval.high,
            "total": result.total_order,
            "total_ci_low": interval.total_order.confidence_interval.low,
            "total_ci_high": interval.total_order.confidence_interval.high,
        }
    )
