"""Calibration: fit the parameters no source gives so a scenario reproduces published figures.

A calibration file names a scenario, the free parameters (dotted keys with bounds) and the
targets (a time-series column, summarised at a step, or summed or averaged over a window, with
the published value and its source). The loss is the weighted sum of squared relative errors
of the replication means. Every evaluation uses the same seeds (common random numbers), which
keeps the loss surface smooth enough for a bounded Nelder-Mead search in scipy.optimize.
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import tomli_w
from pydantic import Field, ValidationError, model_validator
from scipy import optimize
from tqdm.auto import tqdm

from sim.errors import ScenarioError, describe_validation_error
from sim.runs import layout
from sim.runs.read import renamed_column
from sim.runs.runner import simulate
from sim.scenario.files import apply_overrides, read_scenario_data, scenario_from_data
from sim.scenario.schema import Frozen, Scenario
from sim.stats import mean_interval


class Parameter(Frozen):
    """A free parameter: a scenario key searched between bounds."""

    key: str = Field(description="Dotted scenario key, e.g. behaviours.x.gain_income_share.")
    low: float = Field(description="Lower bound.")
    high: float = Field(description="Upper bound.")
    log_scale: bool = Field(False, description="Search the logarithm (bounds must be > 0).")
    description: str = Field("", description="What it means and its unit.")

    @model_validator(mode="after")
    def _bounds(self) -> Parameter:
        if not self.low < self.high:
            raise ValueError(f"need low < high, got {self.low} and {self.high}")
        if self.log_scale and self.low <= 0:
            raise ValueError("log_scale needs low > 0")
        return self


class Target(Frozen):
    """A published figure and the simulated statistic that should match it."""

    metric: str | list[str] = Field(
        description="Time-series column, e.g. blacklisted_people, or several to add up."
    )
    unit: str = Field("", description="What the figure counts, e.g. people on the list at a date.")
    sample: Literal["in", "out", "check"] = Field(
        "in",
        description="in: fitted; out: predicted only (out-of-sample); check: another reading "
        "of a figure, shown with its discrepancy, never fitted.",
    )
    aggregate: Literal["at", "sum", "mean"] = Field(
        "at", description="Value at `step`, or sum / mean over from_step..to_step (inclusive)."
    )
    step: int | None = Field(None, ge=1, description="Step (1-based month) for `at`.")
    from_step: int | None = Field(None, ge=1, description="First step of the window.")
    to_step: int | None = Field(None, ge=1, description="Last step of the window.")
    value: float = Field(description="The published figure.")
    bound: Literal["equal", "at_least", "at_most"] = Field(
        "equal", description="Match the value, or only stay at or above / at or below it."
    )
    weight: float = Field(1.0, ge=0.0, description="Weight in the loss.")
    source: str = Field(description="Where the figure comes from.")
    overrides: dict[str, Any] = Field(
        default_factory=dict,
        description="Scenario changes for this target only (a counterfactual, e.g. no list).",
    )

    @model_validator(mode="after")
    def _window(self) -> Target:
        if self.aggregate == "at" and self.step is None:
            raise ValueError("aggregate 'at' needs `step`")
        if self.aggregate != "at" and (self.from_step is None or self.to_step is None):
            raise ValueError(f"aggregate {self.aggregate!r} needs `from_step` and `to_step`")
        if self.from_step and self.to_step and self.from_step > self.to_step:
            raise ValueError("need from_step <= to_step")
        if self.value == 0:
            raise ValueError("a target value of 0 has no relative error; use a small value")
        return self

    def miss(self, simulated: float) -> float:
        """Relative error counted in the loss (0 when a bound is met)."""
        error = (simulated - self.value) / self.value
        if (self.bound == "at_least" and simulated >= self.value) or (
            self.bound == "at_most" and simulated <= self.value
        ):
            return 0.0
        return error

    def last_step(self) -> int:
        """The last step the target reads."""
        return int(self.step if self.aggregate == "at" else self.to_step)  # type: ignore[arg-type]

    def columns(self) -> list[str]:
        """The time-series columns the target adds up."""
        return [self.metric] if isinstance(self.metric, str) else list(self.metric)

    def measure(self, timeseries: pd.DataFrame) -> float:
        """The simulated statistic of one run."""
        series = timeseries.set_index("step")[self.columns()].sum(axis=1)
        if self.aggregate == "at":
            return float(series.loc[self.step])
        window = series.loc[self.from_step : self.to_step]
        return float(window.sum() if self.aggregate == "sum" else window.mean())


class AbcSettings(Frozen):
    """The [calibration.abc] table: Bayesian calibration by ABC-SMC (pyabc)."""

    population_size: int = Field(100, ge=5, le=100_000, description="Particles a generation.")
    max_generations: int = Field(8, ge=1, le=100, description="SMC generations at most.")
    min_epsilon: float = Field(
        0.0, ge=0.0, description="Stop once the distance threshold falls to this."
    )
    max_walltime_minutes: float = Field(
        45.0, gt=0.0, le=10_000.0, description="Stop sampling after this long (minutes)."
    )
    predictive_draws: int = Field(
        100, ge=2, le=10_000, description="Posterior draws run for the predictive intervals."
    )
    interval: float = Field(0.9, gt=0.0, lt=1.0, description="Predictive interval (share).")
    fresh_seeds: int = Field(
        20, ge=2, le=1_000, description="Fresh seeds run at the posterior median."
    )
    scale_factor: int = Field(4, ge=2, le=100, description="Larger population for the check.")
    scale_seeds: int = Field(
        8, ge=2, le=1_000, description="Seeds at each size in the population-size check."
    )


class Settings(Frozen):
    """The [calibration] table."""

    method: Literal["abc", "optimise"] = Field(
        "optimise",
        description="abc: posterior by ABC-SMC (pyabc); optimise: a point fit (Nelder-Mead).",
    )
    abc: AbcSettings = AbcSettings()

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$", description="Results name.")
    description: str = Field("", description="What is calibrated and why.")
    scenario: str = Field(description="Scenario file, relative to the calibration file.")
    output_scenario: str = Field(description="Where the fitted scenario is written (relative).")
    seed: int = Field(0, ge=0, description="Master seed; replicate r uses keys (0, r).")
    replications: int = Field(3, ge=1, le=100, description="Runs per evaluation.")
    max_evaluations: int = Field(60, ge=1, le=10_000, description="Loss evaluations allowed.")
    overrides: dict[str, Any] = Field(
        default_factory=dict, description="Scenario overrides while fitting (e.g. size)."
    )


class CalibrationFile(Frozen):
    """A whole calibration file."""

    calibration: Settings
    parameters: dict[str, Parameter] = Field(min_length=1)
    targets: dict[str, Target] = Field(min_length=1)


@dataclass(frozen=True)
class Calibration:
    """A loaded calibration: its settings, the base scenario data and where it lives."""

    spec: CalibrationFile
    path: Path
    scenario_path: Path
    scenario_data: dict[str, Any]

    def scenario(
        self,
        values: dict[str, float],
        fitting: bool = True,
        variant: dict[str, Any] | None = None,
    ) -> Scenario:
        """The scenario with parameter values (and the fitting and a target's overrides)."""
        overrides = dict(self.spec.calibration.overrides) if fitting else {}
        overrides.update(variant or {})
        overrides.update({self.spec.parameters[name].key: v for name, v in values.items()})
        data = apply_overrides(self.scenario_data, overrides)
        return scenario_from_data(data, f"{self.scenario_path} (calibration {self.path})")


def load_calibration(path: str | Path) -> Calibration:
    """Read and validate a calibration file and its scenario, or raise ScenarioError."""
    path = Path(path)
    data = read_scenario_data(path)
    try:
        spec = CalibrationFile.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(describe_validation_error(str(path), error, CalibrationFile)) from None
    scenario_path = (path.parent / spec.calibration.scenario).resolve()
    calibration = Calibration(spec, path, scenario_path, read_scenario_data(scenario_path))
    start = {name: _middle(p) for name, p in spec.parameters.items()}
    for name, target in spec.targets.items():
        scenario = calibration.scenario(start, variant=target.overrides)
        if target.last_step() > scenario.simulation.steps:
            raise ScenarioError(
                f"{path}: targets.{name}: step {target.last_step()} is beyond the scenario's "
                f"{scenario.simulation.steps} steps"
            )
    return calibration


def _middle(parameter: Parameter) -> float:
    """The centre of a parameter's search range (geometric on a log scale)."""
    if parameter.log_scale:
        return math.sqrt(parameter.low * parameter.high)
    return (parameter.low + parameter.high) / 2


def _to_unit(parameter: Parameter, value: float) -> float:
    if parameter.log_scale:
        return (math.log(value) - math.log(parameter.low)) / (
            math.log(parameter.high) - math.log(parameter.low)
        )
    return (value - parameter.low) / (parameter.high - parameter.low)


def _from_unit(parameter: Parameter, unit: float) -> float:
    unit = min(max(unit, 0.0), 1.0)
    if parameter.log_scale:
        return math.exp(
            math.log(parameter.low) + unit * (math.log(parameter.high) - math.log(parameter.low))
        )
    return parameter.low + unit * (parameter.high - parameter.low)


def measure(
    calibration: Calibration, values: dict[str, float], fitting: bool = True
) -> pd.DataFrame:
    """Every target's statistic in every replication: rows replicate x target.

    Targets that share overrides share runs; every variant uses the same seeds.
    """
    settings = calibration.spec.calibration
    variants: dict[str, list[str]] = {}
    for name, target in calibration.spec.targets.items():
        variants.setdefault(json.dumps(target.overrides, sort_keys=True), []).append(name)
    rows = []
    for key, names in variants.items():
        scenario = calibration.scenario(values, fitting, json.loads(key))
        for replicate in range(settings.replications):
            timeseries = simulate(scenario, seed=settings.seed, keys=(0, replicate)).timeseries
            rows.extend(_measure_targets(calibration, names, replicate, timeseries))
    return pd.DataFrame(rows)


def _measure_targets(
    calibration: Calibration, names: list[str], replicate: int, timeseries: pd.DataFrame
) -> list[dict[str, Any]]:
    """The named targets' statistics in one run."""
    rows = []
    for name in names:
        target = calibration.spec.targets[name]
        for column in target.columns():
            if column in timeseries.columns:
                continue
            current = renamed_column(column)
            hint = (
                f"renamed in model 1.11; use {current!r}"
                if current in timeseries.columns
                else "see docs/output.md"
            )
            raise ScenarioError(
                f"{calibration.path}: targets.{name}.metric: unknown column {column!r}; {hint}"
            )
        rows.append(
            {"replicate": replicate, "target": name, "simulated": target.measure(timeseries)}
        )
    return rows


def loss(calibration: Calibration, measured: pd.DataFrame) -> float:
    """Weighted sum of squared relative errors of the replication means."""
    means = measured.groupby("target")["simulated"].mean()
    total = 0.0
    for name, target in calibration.spec.targets.items():
        if target.sample != "in":
            continue
        total += target.weight * target.miss(float(means[name])) ** 2
    return float(total)


def summarise(calibration: Calibration, measured: pd.DataFrame) -> pd.DataFrame:
    """Table of target, published value, simulated mean with 95% CI, and relative error."""
    rows = []
    for name, target in calibration.spec.targets.items():
        values = measured.loc[measured["target"] == name, "simulated"].to_numpy()
        mean, _, high = mean_interval(values)
        half = high - mean if values.size > 1 and values.std(ddof=1) > 0 else 0.0
        rows.append(
            {
                "target": name,
                "metric": target.metric,
                "published": target.value,
                "simulated_mean": mean,
                "ci_low": mean - half,
                "ci_high": mean + half,
                "bound": target.bound,
                "relative_error": (mean - target.value) / target.value,
                "loss_error": target.miss(mean),
                "source": target.source,
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class CalibrationResult:
    """The fitted values, the target table at the fit, and the search history."""

    fitted: dict[str, float]
    table: pd.DataFrame
    history: pd.DataFrame
    loss: float


def calibrate(calibration: Calibration, progress: bool = True) -> CalibrationResult:
    """Search the parameters (bounded Nelder-Mead in unit coordinates) to minimise the loss."""
    parameters = calibration.spec.parameters
    names = list(parameters)
    settings = calibration.spec.calibration
    history: list[dict[str, float]] = []
    bar = tqdm(total=settings.max_evaluations, desc="calibrate", unit="eval", disable=not progress)

    def values_of(unit: np.ndarray) -> dict[str, float]:
        return {n: _from_unit(parameters[n], float(u)) for n, u in zip(names, unit, strict=True)}

    def objective(unit: np.ndarray) -> float:
        values = values_of(unit)
        value = loss(calibration, measure(calibration, values))
        history.append({**values, "loss": value})
        bar.update(1)
        bar.set_postfix(loss=f"{value:.4g}")
        return value

    start = np.array([_to_unit(parameters[n], _middle(parameters[n])) for n in names])
    try:
        optimize.minimize(
            objective,
            start,
            method="Nelder-Mead",
            bounds=[(0.0, 1.0)] * len(names),
            options={
                "maxfev": settings.max_evaluations,
                "xatol": 1e-3,
                "fatol": 1e-5,
                "initial_simplex": _simplex(start),
            },
        )
    finally:
        bar.close()
    frame = pd.DataFrame(history)
    best = frame.loc[frame["loss"].idxmin()]
    fitted = {n: float(best[n]) for n in names}
    measured = measure(calibration, fitted)
    return CalibrationResult(fitted, summarise(calibration, measured), frame, float(best["loss"]))


def _simplex(start: np.ndarray) -> np.ndarray:
    """A starting simplex spanning a quarter of each unit range."""
    vertices = [start]
    for i in range(start.size):
        vertex = start.copy()
        vertex[i] = vertex[i] + 0.25 if vertex[i] <= 0.5 else vertex[i] - 0.25
        vertices.append(vertex)
    return np.array(vertices)


def write_fitted_scenario(
    calibration: Calibration, fitted: dict[str, float], provenance: list[str] | None = None
) -> Path:
    """Write the scenario with the fitted values (not the fitting overrides) as TOML.

    Written to a partial file, validated, then moved into place.
    """
    settings = calibration.spec.calibration
    keys = {calibration.spec.parameters[n].key: v for n, v in fitted.items()}
    path = (calibration.path.parent / settings.output_scenario).resolve()
    data = apply_overrides(calibration.scenario_data, {**keys, "simulation.name": path.stem})
    scenario_from_data(data, "fitted scenario")  # still valid
    header = (
        f"# Generated by `creditsim calibrate {calibration.path.name}` from "
        f"{calibration.scenario_path.name}.\n"
        "# Fitted values (see docs/calibration.md):\n"
        + "".join(f"#   {key} = {value:.6g}\n" for key, value in keys.items())
        + "".join(f"# {line}\n" for line in provenance or [])
    )
    text = header + "\n" + tomli_w.dumps(data)
    tomllib.loads(text)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text)
    partial.replace(path)
    return path


def write_outputs(calibration: Calibration, result: CalibrationResult, out: Path) -> Path:
    """Write the target table, the search history and the fitted values under `out/<name>/`."""
    directory = Path(out) / calibration.spec.calibration.name
    directory.mkdir(parents=True, exist_ok=True)
    result.table.to_parquet(directory / layout.CALIBRATION_TABLE, index=False)
    result.history.to_parquet(directory / layout.CALIBRATION_HISTORY, index=False)
    fitted = pd.DataFrame(
        [
            {
                "parameter": name,
                "key": calibration.spec.parameters[name].key,
                "value": value,
                "low": calibration.spec.parameters[name].low,
                "high": calibration.spec.parameters[name].high,
            }
            for name, value in result.fitted.items()
        ]
    )
    fitted.to_parquet(directory / layout.CALIBRATION_FITTED, index=False)
    return directory
