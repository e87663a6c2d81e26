"""Scenario discovery: the conditions under which an outcome crosses a stated threshold.

An experiment samples the uncertain parameters (and levers); each design point whose mean
outcome (over replicates) crosses the [discover] threshold is a case of interest. PRIM
(Friedman and Fisher 1999; Bryant and Lempert 2010), as implemented in EMA Workbench, peels a
box around the cases: the peeling trajectory trades coverage (the share of all cases inside
the box) against density (the share of the box's points that are cases). The chosen box is
the densest one still covering `min_coverage` of the cases; each restricted limit comes with
its quasi-p-value (a one-sided binomial test of whether the restriction matters).
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import ScenarioError
from sim.experiments.experiment_file import Discover, Experiment, as_experiment
from sim.experiments.sweep import SweepReport, run_experiment
from sim.runs import layout
from sim.runs.store import write_atomically

TRAJECTORY_COLUMNS = ["box", "coverage", "density", "mass", "restricted", "chosen"]
LIMIT_COLUMNS = [
    "factor",
    "low",
    "high",
    "levels",
    "sampled_low",
    "sampled_high",
    "sampled_levels",
    "restricted",
    "qp_low",
    "qp_high",
]
ANALYSIS_EXTRA_HINT = (
    "scenario discovery and design search need the analysis extra: "
    "python3 -m uv sync --extra analysis (README, 'Decision analysis')"
)


def load_prim() -> Any:
    """EMA Workbench's PRIM module, or a ScenarioError saying how to install it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "ipyparallel not installed": not used here
            from ema_workbench.analysis import prim
    except ImportError:
        raise ScenarioError(ANALYSIS_EXTRA_HINT) from None
    return prim


@dataclass(frozen=True)
class Box:
    """PRIM's result: the peeling trajectory and the chosen box's limits."""

    trajectory: pd.DataFrame  # TRAJECTORY_COLUMNS, one row per box peeled or pasted
    limits: pd.DataFrame  # LIMIT_COLUMNS, one row per factor
    chosen: int  # row of `trajectory` chosen
    cases: int  # cases of interest among `points`
    points: int

    @property
    def coverage(self) -> float:
        """Share of all cases of interest inside the chosen box."""
        return float(self.trajectory["coverage"].iloc[self.chosen])

    @property
    def density(self) -> float:
        """Share of the chosen box's points that are cases of interest."""
        return float(self.trajectory["density"].iloc[self.chosen])

    @property
    def restricted(self) -> pd.DataFrame:
        """The limits the chosen box restricts (the conditions that matter)."""
        return self.limits[self.limits["restricted"]].reset_index(drop=True)


def _prim_frame(x: pd.DataFrame) -> pd.DataFrame:
    """Factors as PRIM takes them: numbers as floats, true/false and text as categories."""
    frame = {}
    for column in x.columns:
        values = x[column]
        if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
            frame[column] = values.astype(str).astype("category")
        else:
            frame[column] = values.astype(np.float64)
    return pd.DataFrame(frame, index=x.index)


def find_box(
    x: pd.DataFrame,
    cases: np.ndarray,
    *,
    peel_alpha: float = 0.05,
    paste_alpha: float = 0.05,
    mass_min: float = 0.05,
    min_coverage: float = 0.5,
) -> Box:
    """Run PRIM on factor values `x` (one row per point) and boolean `cases`.

    Raises:
        ScenarioError: no point, or every point, is a case (nothing to separate).
    """
    cases = np.asarray(cases, dtype=bool)
    count = int(cases.sum())
    if count == 0 or count == len(cases):
        raise ValueError(f"{count} of {len(cases)} points are cases of interest")
    prim = load_prim()
    frame = _prim_frame(x.reset_index(drop=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        algorithm = prim.Prim(
            frame, cases, peel_alpha=peel_alpha, paste_alpha=paste_alpha, mass_min=mass_min
        )
        found = algorithm.find_box()
    peeled = found.peeling_trajectory.reset_index(drop=True)
    eligible = peeled.index[peeled["coverage"] >= min_coverage - 1e-12]
    chosen = int(peeled.loc[eligible, "density"].idxmax()) if len(eligible) else 0
    trajectory = pd.DataFrame(
        {
            "box": np.arange(len(peeled), dtype=np.int64),
            "coverage": peeled["coverage"].to_numpy(np.float64),
            "density": peeled["density"].to_numpy(np.float64),
            "mass": peeled["mass"].to_numpy(np.float64),
            "restricted": peeled["res_dim"].to_numpy(np.int64),
            "chosen": np.arange(len(peeled)) == chosen,
        },
        columns=TRAJECTORY_COLUMNS,
    )
    limits = _limits(frame, found.box_lims[chosen], found.p_values[chosen])
    return Box(trajectory, limits, chosen, count, len(cases))


def _limits(
    frame: pd.DataFrame, box_lims: pd.DataFrame, p_values: dict[str, list[float]]
) -> pd.DataFrame:
    """One row per factor: the box's limits, the sampled range, and the quasi-p-values.

    A number's limits are `low`..`high`; a true/false or text factor's are the `levels` kept.
    """
    restricted = {str(name): values for name, values in p_values.items()}
    rows = []
    for column in frame.columns:
        values = frame[column]
        low = high = sampled_low = sampled_high = math.nan
        levels = sampled_levels = ""
        if isinstance(values.dtype, pd.CategoricalDtype):
            levels = ", ".join(sorted(str(v) for v in box_lims[column].iloc[0]))
            sampled_levels = ", ".join(sorted(map(str, values.cat.categories)))
        else:
            low, high = float(box_lims[column].iloc[0]), float(box_lims[column].iloc[1])
            sampled_low, sampled_high = float(values.min()), float(values.max())
        qp_low = qp_high = math.nan
        if column in restricted:
            qp_low, qp_high = (math.nan if q < 0 else float(q) for q in restricted[column])
        rows.append(
            [column, low, high, levels, sampled_low, sampled_high, sampled_levels,
             column in restricted, qp_low, qp_high]
        )  # fmt: skip
    return pd.DataFrame(rows, columns=LIMIT_COLUMNS)


def check_discovery(experiment: Experiment) -> Discover:
    """The file's [discover] table, or a ScenarioError saying what is missing."""
    spec = experiment.spec
    if spec.discover is None:
        raise ScenarioError(
            f"{experiment.path}: no [discover] table; add one naming `outcome` and `above` "
            "or `below` (docs/analysis.md)"
        )
    if not experiment.factors:
        raise ScenarioError(
            f"{experiment.path}: [discover] needs [uncertainties] or [levers] to sample"
        )
    if spec.sampling.method in ("saltelli", "morris"):
        raise ScenarioError(
            f"{experiment.path}: sampling.method = {spec.sampling.method!r} is a sensitivity "
            "design; discovery needs points spread over the space: allowed: 'latin_hypercube', "
            "'sobol', 'random', 'grid'"
        )
    return spec.discover


def point_values(experiment: Experiment, summary: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Factor values and the analysed outcome per design point (mean over replicates).

    The outcome is the [discover] design's, or, with `versus`, the paired difference
    design minus versus (same point and replicate). Points without a finite value are left out.
    """
    discover = experiment.spec.discover
    assert discover is not None
    column = f"outcome.{discover.outcome}"
    ok = summary[summary["status"] == "ok"]
    design = discover.design if discover.design is not None else experiment.baseline
    keys = ["point", "replicate"]
    chosen = ok[ok["design"] == (design if experiment.spec.designs else "")]
    values = chosen.set_index(keys)[column]
    if discover.versus is not None:
        other = ok[ok["design"] == discover.versus].set_index(keys)[column]
        values = (values - other).dropna()
    values = values[np.isfinite(values)]
    means = values.groupby(level="point").mean()
    factors = [f"factor.{path}" for path in experiment.factors]
    x = chosen.drop_duplicates("point").set_index("point")[factors]
    x = x.loc[means.index]
    x.columns = list(experiment.factors)
    return x, means


@dataclass(frozen=True)
class DiscoveryResult:
    """A finished discovery: its sweep, the box found, and where it was written."""

    sweep: SweepReport
    box: Box
    description: str  # the cases of interest, in words
    path: Path


def describe_cases(experiment: Experiment) -> str:
    """The [discover] condition in words, e.g. "involuntary_share (permanent) above 0.5"."""
    discover = experiment.spec.discover
    assert discover is not None
    design = discover.design if discover.design is not None else experiment.baseline
    subject = discover.outcome
    if discover.versus is not None:
        subject = f"{subject} of {design} minus {discover.versus}"
    elif design:
        subject = f"{subject} of {design}"
    side = "above" if discover.above is not None else "below"
    return f"{subject} {side} {discover.threshold:g}"


def discover_experiment(
    experiment: Experiment | str | Path, out: Path = Path("results"), **run_options: Any
) -> DiscoveryResult:
    """Run (or resume) the experiment's sweep, then find the box of its cases of interest.

    Writes `discovery_trajectory.parquet`, `discovery_box.parquet` and `discovery.json` in the
    experiment's results directory. A new threshold reuses every finished run.

    Raises:
        ScenarioError: no [discover] table, or no point (or every point) is a case of interest
            (the message gives the outcome's range; the runs are kept).
    """
    experiment = as_experiment(experiment)
    discover = check_discovery(experiment)
    load_prim()  # fail before any run if the extra is missing
    report = run_experiment(experiment, out, **run_options)
    x, values = point_values(experiment, report.summary)
    cases = values > discover.above if discover.above is not None else values < discover.below
    description = describe_cases(experiment)
    try:
        box = find_box(
            x,
            cases.to_numpy(),
            peel_alpha=discover.peel_alpha,
            paste_alpha=discover.paste_alpha,
            mass_min=discover.mass_min,
            min_coverage=discover.min_coverage,
        )
    except ValueError:
        side = "above" if discover.above is not None else "below"
        spread = f"{values.min():.4g} to {values.max():.4g}" if len(values) else "no finished run"
        raise ScenarioError(
            f"{experiment.path}: discover.{side} = {discover.threshold:g}: {int(cases.sum())} of "
            f"{len(cases)} points are cases of interest ({description}); the outcome ranges "
            f"from {spread}: choose a threshold inside it (the runs are kept and reused)"
        ) from None
    results_dir = report.results_dir
    write_atomically(
        results_dir / layout.DISCOVERY_TRAJECTORY,
        lambda path: box.trajectory.to_parquet(path, index=False),
    )
    write_atomically(
        results_dir / layout.DISCOVERY_BOX, lambda path: box.limits.to_parquet(path, index=False)
    )
    facts = {
        "description": description,
        "outcome": discover.outcome,
        "threshold": discover.threshold,
        "side": "above" if discover.above is not None else "below",
        "cases": box.cases,
        "points": box.points,
        "chosen_box": box.chosen,
        "coverage": box.coverage,
        "density": box.density,
    }
    write_atomically(
        results_dir / layout.DISCOVERY_FACTS,
        lambda path: path.write_text(json.dumps(facts, indent=2)),
    )
    return DiscoveryResult(report, box, description, results_dir / layout.DISCOVERY_BOX)
