"""Sensitivity of outcomes to factors: Sobol indices (Saltelli design) or Morris screening.

The design (Saltelli et al. 2010, sec. 5) is two matrices A and B of `n` points each, taken
from one scrambled Sobol sequence of 2d dimensions, and d matrices AB_i (A with column i from
B): n (d + 2) points, in that order. Each point's outcome is the mean over its replications;
first-order and total indices come from `scipy.stats.sobol_indices` (Saltelli 2010 first
order, Jansen 1999 total) and their 95% CIs from a percentile bootstrap over the n rows,
seeded from the experiment's master seed.

Morris screening (Morris 1991; Campolongo et al. 2007) takes `points` trajectories of d + 1
points on a grid of `morris_levels` levels; SALib's `morris.analyze` gives, per factor, mu
(mean elementary effect), mu* (mean absolute effect: importance), sigma (spread: interaction
or non-linearity) and a bootstrap 95% interval of mu*. Effects are per full range of the
factor, in the outcome's unit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import bootstrap, sobol_indices

from sim.errors import ScenarioError
from sim.experiments.designs import morris_units, saltelli_units, unit_points, unit_problem
from sim.experiments.experiment_file import Experiment, as_experiment
from sim.experiments.sweep import SweepReport, run_experiment
from sim.runs import layout
from sim.seeding import make_generator

COLUMNS = [
    "outcome",
    "factor",
    "first_order",
    "first_order_ci_low",
    "first_order_ci_high",
    "total",
    "total_ci_low",
    "total_ci_high",
    "first_order_at_half",
    "total_at_half",
]
WIDTH_BOUND = 0.5  # a 95% interval wider than this (in index units) is not an estimate yet
SHIFT_BOUND = 0.1  # indices that move more than this from n/2 to n base samples are unstable


MORRIS_COLUMNS = [
    "outcome",
    "factor",
    "mu",
    "mu_star",
    "mu_star_ci_low",
    "mu_star_ci_high",
    "sigma",
]


def morris_from_values(
    units: np.ndarray,
    values: np.ndarray,
    levels: int,
    rng: np.random.Generator,
    resamples: int = 1000,
) -> dict[str, np.ndarray]:
    """Morris measures of one outcome at the trajectory points `units` (rows in design order).

    Returns arrays of length d: mu, mu_star, mu_star_ci_low/high, sigma.
    """
    from SALib.analyze import morris

    units = np.asarray(units, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    result = morris.analyze(
        unit_problem(units.shape[1]),
        units,
        values,
        num_resamples=resamples,
        conf_level=0.95,
        num_levels=levels,
        seed=int(rng.integers(2**31 - 1)),
    )
    mu_star = np.asarray(result["mu_star"], dtype=np.float64)
    half = np.asarray(result["mu_star_conf"], dtype=np.float64)
    return {
        "mu": np.asarray(result["mu"], dtype=np.float64),
        "mu_star": mu_star,
        "mu_star_ci_low": np.maximum(mu_star - half, 0.0),
        "mu_star_ci_high": mu_star + half,
        "sigma": np.asarray(result["sigma"], dtype=np.float64),
    }


def morris_of_function(
    function: Callable[[np.ndarray], np.ndarray],
    bounds: list[tuple[float, float]],
    trajectories: int,
    rng: np.random.Generator,
    levels: int = 4,
) -> dict[str, np.ndarray]:
    """Morris measures of a plain function of d inputs on `bounds` (effects per full range)."""
    units = morris_units(trajectories, len(bounds), levels, rng)
    return morris_from_values(units, function(_scaled(units, bounds)), levels, rng)


def _scaled(units: np.ndarray, bounds: list[tuple[float, float]]) -> np.ndarray:
    """Points of the unit cube mapped onto each input's [low, high]."""
    low = np.array([b[0] for b in bounds])
    high = np.array([b[1] for b in bounds])
    return low + units * (high - low)


def _point_means(ok: pd.DataFrame, outcome: str, points: int) -> np.ndarray:
    """Each design point's mean outcome over replications; an error names missing points."""
    means = ok.groupby("point")[f"outcome.{outcome}"].mean().reindex(range(points))
    missing = means.index[~np.isfinite(means.to_numpy())].tolist()
    if missing:
        raise ScenarioError(
            f"sensitivity: outcome {outcome!r} has no value at design points {missing[:10]} "
            "(failed runs, or a threshold never reached); see summary.parquet"
        )
    return means.to_numpy()


def screen(
    summary: pd.DataFrame,
    units: np.ndarray,
    factors: list[str],
    outcomes: list[str],
    report_factors: list[str],
    levels: int,
    rng: np.random.Generator,
    resamples: int = 1000,
) -> pd.DataFrame:
    """Morris measures of each outcome to each factor from a Morris experiment's summary."""
    ok = summary[summary["status"] == "ok"]
    rows = []
    for outcome in outcomes:
        values = _point_means(ok, outcome, len(units))
        result = morris_from_values(units, values, levels, rng, resamples)
        for index, factor in enumerate(factors):
            if factor in report_factors:
                rows.append(
                    {"outcome": outcome, "factor": factor}
                    | {key: float(result[key][index]) for key in MORRIS_COLUMNS[2:]}
                )
    return pd.DataFrame(rows, columns=MORRIS_COLUMNS)


def _indices(f_a: np.ndarray, f_b: np.ndarray, f_ab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First-order and total indices (each of length d) of one outcome."""
    result = sobol_indices(
        func={"f_A": f_a[np.newaxis], "f_B": f_b[np.newaxis], "f_AB": f_ab[:, np.newaxis]},
        n=f_a.size,
    )
    dimensions = f_ab.shape[0]
    first = np.reshape(result.first_order, dimensions)
    total = np.reshape(result.total_order, dimensions)
    return first, total


def sobol_from_values(
    values: np.ndarray,
    dimensions: int,
    rng: np.random.Generator,
    resamples: int = 1000,
) -> dict[str, np.ndarray]:
    """Indices and 95% CIs from one outcome's values at the Saltelli points, in design order.

    Returns arrays of length `dimensions`: first_order, first_order_ci_low/high, total,
    total_ci_low/high.
    """
    values = np.asarray(values, dtype=np.float64)
    base = values.size // (dimensions + 2)
    if base * (dimensions + 2) != values.size:
        raise ValueError(f"{values.size} values do not form a design with d = {dimensions}")
    f_a, f_b = values[:base], values[base : 2 * base]
    f_ab = values[2 * base :].reshape(dimensions, base)
    first, total = _indices(f_a, f_b, f_ab)

    def statistic(rows: np.ndarray) -> np.ndarray:
        rows = rows.astype(int)
        return np.concatenate(_indices(f_a[rows], f_b[rows], f_ab[:, rows]))

    with np.errstate(all="ignore"):
        boot = bootstrap(
            (np.arange(base),),
            statistic,
            vectorized=False,
            method="percentile",
            n_resamples=resamples,
            confidence_level=0.95,
            rng=rng,
        )
    low, high = boot.confidence_interval
    half = base // 2
    with np.errstate(all="ignore"):
        first_half, total_half = (
            _indices(f_a[:half], f_b[:half], f_ab[:, :half])
            if half >= 2
            else (np.full(dimensions, np.nan), np.full(dimensions, np.nan))
        )
    return {
        "first_order": first,
        "first_order_ci_low": low[:dimensions],
        "first_order_ci_high": high[:dimensions],
        "total": total,
        "total_ci_low": low[dimensions:],
        "total_ci_high": high[dimensions:],
        "first_order_at_half": first_half,
        "total_at_half": total_half,
    }


PAIR_COLUMNS = ["outcome", "factor", "other_factor", "second_order", "ci_low", "ci_high"]


def second_order_from_values(
    values: np.ndarray, dimensions: int, rng: np.random.Generator, resamples: int = 1000
) -> dict[str, np.ndarray]:
    """Indices with pairs from one outcome's values at SALib's second-order design points.

    Returns the arrays of `sobol_from_values` (CIs from SALib's bootstrap, symmetric) plus
    `second_order` and `second_order_conf`, d x d matrices (upper triangle; NaN elsewhere).
    """
    from SALib.analyze import sobol

    values = np.asarray(values, dtype=np.float64)
    block = 2 * dimensions + 2
    if values.size % block:
        raise ValueError(f"{values.size} values do not form a design with d = {dimensions}")

    def run(part: np.ndarray) -> dict[str, np.ndarray]:
        with np.errstate(all="ignore"):
            return sobol.analyze(
                unit_problem(dimensions),
                part,
                calc_second_order=True,
                num_resamples=resamples,
                conf_level=0.95,
                seed=int(rng.integers(2**31 - 1)),
            )

    full = run(values)
    base = values.size // block
    half = run(values[: (base // 2) * block]) if base >= 4 else None
    nan = np.full(dimensions, np.nan)
    return {
        "first_order": full["S1"],
        "first_order_ci_low": full["S1"] - full["S1_conf"],
        "first_order_ci_high": full["S1"] + full["S1_conf"],
        "total": full["ST"],
        "total_ci_low": full["ST"] - full["ST_conf"],
        "total_ci_high": full["ST"] + full["ST_conf"],
        "first_order_at_half": half["S1"] if half is not None else nan,
        "total_at_half": half["ST"] if half is not None else nan,
        "second_order": np.asarray(full["S2"], dtype=np.float64),
        "second_order_conf": np.asarray(full["S2_conf"], dtype=np.float64),
    }


def sobol_warnings(indices: pd.DataFrame) -> list[str]:
    """Plain warnings when Sobol estimates are not yet usable, each with what to do."""
    found: list[str] = []
    if indices.empty:
        return found
    for kind, name in (("first_order", "first-order"), ("total", "total")):
        values = indices[kind].to_numpy()
        negative = values < 0
        if negative.any():
            found.append(
                f"{negative.sum()} of {values.size} {name} indices are negative (down to "
                f"{values.min():.2f}): sampling error; charts clip them at 0"
            )
        above = values > 1
        if above.any():
            found.append(
                f"{above.sum()} of {values.size} {name} indices exceed 1 (up to "
                f"{values.max():.2f}): sampling error; charts clip them at 1"
            )
        width = (indices[f"{kind}_ci_high"] - indices[f"{kind}_ci_low"]).to_numpy()
        wide = width > WIDTH_BOUND
        if wide.any():
            found.append(
                f"{wide.sum()} of {values.size} {name} 95% intervals are wider than "
                f"{WIDTH_BOUND} (widest {width.max():.2f})"
            )
        shift = np.abs(values - indices[f"{kind}_at_half"].to_numpy())
        if np.nanmax(shift, initial=0.0) > SHIFT_BOUND:
            found.append(
                f"{name} indices moved by up to {np.nanmax(shift):.2f} between half and all "
                f"base samples (bound {SHIFT_BOUND}): not converged"
            )
    if found:
        found.append("more base samples narrow these: double [sampling] points and run again")
    return found


def sobol_of_function(
    function: Callable[[np.ndarray], np.ndarray],
    bounds: list[tuple[float, float]],
    base_samples: int,
    rng: np.random.Generator,
    resamples: int = 1000,
) -> dict[str, np.ndarray]:
    """Indices of a plain function of d uniform inputs (for checks against known answers)."""
    dimensions = len(bounds)
    units = saltelli_units(base_samples, dimensions, rng)
    return sobol_from_values(function(_scaled(units, bounds)), dimensions, rng, resamples)


def analyse(
    summary: pd.DataFrame,
    points: int,
    factors: list[str],
    outcomes: list[str],
    report_factors: list[str],
    rng: np.random.Generator,
    resamples: int = 1000,
    second_order: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Sobol indices of each outcome to each factor from a Saltelli experiment's summary.

    Args:
        summary: summary.parquet rows of every run (failed runs are left out of the means).
        points: Number of design points: n (d + 2), or n (2d + 2) with `second_order`.
        factors: All factors of the design, in design order.
        outcomes: Outcome names to analyse.
        report_factors: Factors to keep in the tables.
        rng: Generator for the bootstrap.
        resamples: Bootstrap resamples.
        second_order: The design is SALib's with pairs: also return the pair table.

    Returns:
        The first-order and total table (COLUMNS) and, with `second_order`, the pair table
        (PAIR_COLUMNS), else None.
    """
    dimensions = len(factors)
    ok = summary[summary["status"] == "ok"]
    rows, pairs = [], []
    for outcome in outcomes:
        means = _point_means(ok, outcome, points)
        if second_order:
            result = second_order_from_values(means, dimensions, rng, resamples)
        else:
            result = sobol_from_values(means, dimensions, rng, resamples)
        for index, factor in enumerate(factors):
            if factor not in report_factors:
                continue
            rows.append(
                {"outcome": outcome, "factor": factor}
                | {key: float(result[key][index]) for key in COLUMNS[2:]}
            )
            for other in range(index + 1, dimensions) if second_order else ():
                if factors[other] in report_factors:
                    value = float(result["second_order"][index, other])
                    conf = float(result["second_order_conf"][index, other])
                    pairs.append(
                        [outcome, factor, factors[other], value, value - conf, value + conf]
                    )
    table = pd.DataFrame(rows, columns=COLUMNS)
    return table, pd.DataFrame(pairs, columns=PAIR_COLUMNS) if second_order else None


@dataclass(frozen=True)
class SensitivityResult:
    """A finished sensitivity experiment: its sweep and the Sobol table (also on disk)."""

    sweep: SweepReport
    indices: pd.DataFrame
    path: Path
    warnings: tuple[str, ...] = ()
    pairs: pd.DataFrame | None = None  # second-order indices, when asked for

    def table(self) -> str:
        """The indices (and pair indices, if any) as plain text, three decimals."""
        text = self.indices.to_string(index=False, float_format=lambda v: f"{v:.3f}")
        if self.pairs is not None and len(self.pairs):
            pairs = self.pairs.to_string(index=False, float_format=lambda v: f"{v:.3f}")
            text += "\n\nsecond order (pairs):\n" + pairs
        return text


DESIGN_OF_METHOD = {"sobol": "saltelli", "morris": "morris"}


def check_sensitivity(experiment: Experiment) -> None:
    """Raise ScenarioError unless the file has a [sensitivity] table and its method's design."""
    spec = experiment.spec
    method = spec.sensitivity.method if spec.sensitivity else "sobol"
    needed = DESIGN_OF_METHOD[method]
    if spec.sampling.method != needed or spec.sensitivity is None:
        raise ScenarioError(
            f"{experiment.path}: sensitivity.method = {method!r} needs sampling.method = "
            f"{needed!r} and a [sensitivity] table; found sampling.method = "
            f"{spec.sampling.method!r}"
            + ("" if spec.sensitivity else " and no [sensitivity] table")
        )


def sensitivity_experiment(
    experiment: Experiment | str | Path, out: Path = Path("results"), **run_options: Any
) -> SensitivityResult:
    """Run (or resume) a Saltelli or Morris experiment and write its indices.

    Args:
        experiment: A loaded experiment (`load_experiment`), checked before any run.
        out: Parent directory of the experiment's results.
        **run_options: Passed to `run_experiment` (executor, workers, scheduler, resume,
            progress).
    """
    experiment = as_experiment(experiment)
    check_sensitivity(experiment)
    spec = experiment.spec
    assert spec.sensitivity is not None
    report = run_experiment(experiment, out, **run_options)
    factors = list(experiment.factors)
    outcomes = spec.sensitivity.outcomes or list(spec.outcomes)
    rng = make_generator(spec.experiment.seed, 1)
    if spec.sensitivity.method == "morris":
        indices = screen(
            report.summary,
            unit_points(experiment),
            factors,
            outcomes,
            spec.sensitivity.factors or factors,
            spec.sampling.morris_levels,
            rng,
            spec.sensitivity.bootstrap_resamples,
        )
        path = report.results_dir / layout.SCREENING
        indices.to_parquet(path, index=False)
        return SensitivityResult(sweep=report, indices=indices, path=path)
    indices, pairs = analyse(
        report.summary,
        len(unit_points(experiment)),
        factors,
        outcomes,
        spec.sensitivity.factors or factors,
        rng,
        spec.sensitivity.bootstrap_resamples,
        second_order=spec.sensitivity.second_order,
    )
    if pairs is not None:
        pairs.to_parquet(report.results_dir / layout.SENSITIVITY_PAIRS, index=False)
    path = report.results_dir / layout.SENSITIVITY
    indices.to_parquet(path, index=False)
    warnings = tuple(sobol_warnings(indices))
    return SensitivityResult(
        sweep=report, indices=indices, path=path, warnings=warnings, pairs=pairs
    )
