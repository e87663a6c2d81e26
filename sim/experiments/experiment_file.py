"""Experiment files: many runs of one base scenario, as TOML validated into frozen models.

An experiment names a base scenario (a path relative to the experiment file), overrides for
every run, and then separates, as EMA Workbench does, the *policy levers* a planner chooses
from the *uncertain* behavioural parameters nobody knows precisely, and the *outcomes* to
summarise. Levers and uncertainties are both factors: a dotted scenario key with a list of
`values` or a `low`..`high` range. Named `designs` (sets of overrides) are compared with
common random numbers. See docs/experiments.md.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from sim.errors import ScenarioError, describe_validation_error
from sim.experiments.outcomes import Outcome
from sim.scenario.files import apply_overrides, read_scenario_data, scenario_from_data
from sim.scenario.schema import Frozen, Scenario

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
FACTOR_KEYS = frozenset({"values", "low", "high", "levels", "also"})
Scalar = bool | int | float | str


class Factor(Frozen):
    """A scenario value varied between runs: a list of `values`, or a `low`..`high` range."""

    values: list[Scalar] | None = Field(None, min_length=1, description="Levels to use.")
    low: float | None = Field(None, description="Lower end of a range.")
    high: float | None = Field(None, description="Upper end of a range.")
    levels: int | None = Field(
        None, ge=2, le=1000, description="Grid only: evenly spaced levels across the range."
    )
    also: list[str] = Field(
        default_factory=list,
        description="Other scenario keys set to the same value in every run (one lever for "
        "several values, e.g. the duration of every blacklist).",
    )

    @model_validator(mode="after")
    def _one_kind(self) -> Factor:
        ranged = self.low is not None or self.high is not None
        if self.values is not None and ranged:
            raise ValueError("give either `values` or `low` and `high`, not both")
        if self.values is None and not ranged:
            raise ValueError("give `values = [...]` or `low` and `high`")
        if ranged and (self.low is None or self.high is None):
            raise ValueError("a range needs both `low` and `high`")
        if ranged and not self.low < self.high:  # type: ignore[operator]
            raise ValueError(f"need low < high, got low = {self.low}, high = {self.high}")
        if self.levels is not None and not ranged:
            raise ValueError("`levels` only applies to a `low`..`high` range")
        kinds = {
            "true/false"
            if isinstance(v, bool)
            else "number"
            if isinstance(v, int | float)
            else "text"
            for v in self.values or []
        }
        if len(kinds) > 1:
            raise ValueError(f"`values` mixes {sorted(kinds)}; give values of one kind")
        return self

    @property
    def ranged(self) -> bool:
        """Whether the factor is a continuous range (else a list of values)."""
        return self.values is None


class ExperimentHeader(Frozen):
    """The [experiment] table: identity, base scenario, replications and master seed."""

    name: str = Field(pattern=NAME_PATTERN, description="Results go to results/<name>/.")
    description: str = Field("", description="What the experiment asks.")
    scenario: str = Field(description="Base scenario file, relative to the experiment file.")
    replications: int = Field(1, ge=1, le=10_000, description="Runs per design point.")
    seed: int = Field(0, ge=0, description="Master seed of every run's SeedSequence.")


class Sampling(Frozen):
    """How design points are drawn from the factors."""

    method: Literal["grid", "latin_hypercube", "sobol", "random", "saltelli", "morris"] = Field(
        "grid",
        description="grid: every combination of values; latin_hypercube/sobol/random: "
        "`points` draws (scipy.stats.qmc); saltelli: the A, B, AB_i matrices of a "
        "Sobol sensitivity analysis, `points` (a power of 2) base samples; morris: "
        "`points` Morris trajectories of d + 1 points each (SALib).",
    )
    points: int | None = Field(None, ge=1, le=1_000_000, description="Sampled points.")
    morris_levels: int = Field(
        4, ge=2, le=100, description="morris only: grid levels per factor (even, Morris 1991)."
    )

    @model_validator(mode="after")
    def _points_given(self) -> Sampling:
        if self.method == "grid" and self.points is not None:
            raise ValueError("`points` is not used by method = 'grid'")
        if self.method != "grid" and self.points is None:
            raise ValueError(f"method = {self.method!r} needs `points`")
        if self.method in {"sobol", "saltelli"} and self.points & (self.points - 1):  # type: ignore[operator]
            raise ValueError(f"method = {self.method!r} needs `points` to be a power of 2")
        if self.method == "morris" and self.points < 2:  # type: ignore[operator]
            raise ValueError("method = 'morris' needs `points` >= 2 trajectories")
        if self.morris_levels % 2:
            raise ValueError(f"morris_levels = {self.morris_levels}: give an even number")
        return self


class Compare(Frozen):
    """The [compare] table."""

    baseline: str | None = Field(None, description="Design the others are compared with.")


class Sensitivity(Frozen):
    """The [sensitivity] table."""

    method: Literal["sobol", "morris"] = Field(
        "sobol",
        description="sobol: first-order, total and second-order indices from a saltelli "
        "design; morris: elementary-effects screening (mu*, sigma) from a morris design.",
    )
    second_order: bool = Field(
        False,
        description="sobol only: also estimate second-order (pair) indices; the design is then "
        "SALib's, n (2d + 2) points instead of n (d + 2).",
    )
    outcomes: list[str] | None = Field(None, description="Outcomes to analyse (default all).")
    factors: list[str] | None = Field(None, description="Factors to report (default all).")
    bootstrap_resamples: int = Field(
        1000, ge=100, le=100_000, description="Bootstrap resamples for the 95% CIs."
    )


class Discover(Frozen):
    """The [discover] table: which runs count as cases of interest for PRIM."""

    outcome: str = Field(description="The outcome whose threshold defines a case of interest.")
    above: float | None = Field(None, description="A case: the point's mean outcome > above.")
    below: float | None = Field(None, description="A case: the point's mean outcome < below.")
    design: str | None = Field(None, description="Design analysed (default: the baseline).")
    versus: str | None = Field(
        None,
        description="Optional design to subtract: the outcome is then design minus versus, "
        "paired by point and replicate (common random numbers), e.g. a compliance gain.",
    )
    peel_alpha: float = Field(
        0.05, gt=0.0, le=0.5, description="Share of points peeled off per PRIM step."
    )
    paste_alpha: float = Field(
        0.05, gt=0.0, le=0.5, description="Share of points pasted back per PRIM step."
    )
    mass_min: float = Field(
        0.05, gt=0.0, lt=1.0, description="Smallest box, as a share of all points."
    )
    min_coverage: float = Field(
        0.5,
        gt=0.0,
        le=1.0,
        description="The chosen box is the densest on the peeling trajectory that still holds "
        "at least this share of all cases of interest.",
    )

    @model_validator(mode="after")
    def _one_threshold(self) -> Discover:
        if (self.above is None) == (self.below is None):
            raise ValueError("give exactly one of `above` or `below`")
        for name in ("above", "below"):
            value = getattr(self, name)
            if value is not None and not math.isfinite(value):
                raise ValueError(f"{name} = {value}: give a finite number")
        return self

    @property
    def threshold(self) -> float:
        """The threshold value, whichever side it is on."""
        return float(self.above if self.above is not None else self.below)  # type: ignore[arg-type]


class Optimise(Frozen):
    """The [optimise] table: NSGA-II over the levers, objectives from the outcomes."""

    objectives: list[str] | None = Field(
        None,
        min_length=2,
        description="Outcomes to optimise (default all), each by its `more_is_better`.",
    )
    population: int = Field(16, ge=4, le=10_000, description="Candidates per generation.")
    generations: int = Field(5, ge=1, le=10_000, description="Generations of NSGA-II.")
    robustness_points: int = Field(
        0,
        ge=0,
        le=100_000,
        description="Points of the uncertainty ensemble (Latin hypercube over [uncertainties]) "
        "on which every front design is re-evaluated; 0: no robustness step.",
    )


class ExperimentFile(Frozen):
    """A whole experiment file, before the base scenario is read."""

    experiment: ExperimentHeader
    overrides: dict[str, Any] = Field(default_factory=dict, description="Applied to every run.")
    levers: dict[str, Factor] = Field(default_factory=dict, description="Policy levers.")
    uncertainties: dict[str, Factor] = Field(
        default_factory=dict, description="Uncertain parameters."
    )
    sampling: Sampling = Sampling()
    designs: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Named designs: overrides on top of [overrides]."
    )
    compare: Compare = Compare()
    sensitivity: Sensitivity | None = None
    discover: Discover | None = None
    optimise: Optimise | None = None
    outcomes: dict[str, Outcome] = Field(min_length=1, description="Outcomes per run.")

    @model_validator(mode="after")
    def _names(self) -> ExperimentFile:
        problems = []
        for name in list(self.designs) + list(self.outcomes):
            if not re.match(NAME_PATTERN, name):
                problems.append(f"{name!r} is not a valid name (letters, digits, _ and -)")
        shared = set(self.levers) & set(self.uncertainties)
        if shared:
            problems.append(f"{sorted(shared)} are both levers and uncertainties")
        if self.compare.baseline is not None and self.compare.baseline not in self.designs:
            problems.append(
                f"compare.baseline: unknown design {self.compare.baseline!r}; "
                f"allowed: {sorted(self.designs)}"
            )
        if self.sensitivity is not None:
            for key, known in (
                ("outcomes", set(self.outcomes)),
                ("factors", set(self.levers) | set(self.uncertainties)),
            ):
                for name in getattr(self.sensitivity, key) or []:
                    if name not in known:
                        problems.append(
                            f"sensitivity.{key}: unknown {key[:-1]} {name!r}; "
                            f"allowed: {sorted(known)}"
                        )
        problems += self._analysis_problems()
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _analysis_problems(self) -> list[str]:
        """Names in [discover] and [optimise] that the file does not define."""
        problems = []
        designs = sorted(self.designs)
        if self.discover is not None:
            if self.discover.outcome not in self.outcomes:
                problems.append(
                    f"discover.outcome: unknown outcome {self.discover.outcome!r}; "
                    f"allowed: {sorted(self.outcomes)}"
                )
            for key in ("design", "versus"):
                name = getattr(self.discover, key)
                if name is not None and name not in self.designs:
                    problems.append(f"discover.{key}: unknown design {name!r}; allowed: {designs}")
            if self.discover.versus is not None and self.discover.versus == self.discover.design:
                problems.append("discover.versus: names the analysed design itself")
        if self.optimise is not None:
            for name in self.optimise.objectives or []:
                if name not in self.outcomes:
                    problems.append(
                        f"optimise.objectives: unknown outcome {name!r}; "
                        f"allowed: {sorted(self.outcomes)}"
                    )
        return problems


@dataclass(frozen=True)
class Experiment:
    """A validated experiment: the file's content plus its base scenario data."""

    spec: ExperimentFile
    path: Path
    base_data: dict[str, Any]  # the validated base scenario, dumped: every key is present
    integer_factors: frozenset[str] = frozenset()

    @property
    def name(self) -> str:
        """The experiment's name (its results directory)."""
        return self.spec.experiment.name

    @cached_property
    def factors(self) -> dict[str, Factor]:
        """Levers then uncertainties, in file order, keyed by dotted scenario path."""
        return {**self.spec.levers, **self.spec.uncertainties}

    @property
    def design_names(self) -> list[str]:
        """Design names in file order; one unnamed design ("") when none are given."""
        return list(self.spec.designs) or [""]

    @property
    def baseline(self) -> str:
        """The design others are compared with: [compare] baseline, else the first."""
        return self.spec.compare.baseline or self.design_names[0]

    def scenario_data(self, design: str, factor_values: dict[str, Any]) -> dict[str, Any]:
        """Scenario data of one run: base (with defaults filled in), overrides, design, factors."""
        design_overrides = self.spec.designs.get(design, {}) if design else {}
        linked = {
            other: value
            for path, value in factor_values.items()
            if path in self.factors
            for other in self.factors[path].also
        }
        return apply_overrides(
            self.base_data, {**self.spec.overrides, **design_overrides, **linked, **factor_values}
        )

    def scenario(self, design: str, factor_values: dict[str, Any]) -> Scenario:
        """The validated scenario of one run; a bad combination names the experiment file."""
        context = [f"design {design!r}"] if design else []
        context += [f"{path} = {value!r}" for path, value in factor_values.items()]
        where = f"{self.path} ({', '.join(context)})" if context else str(self.path)
        return scenario_from_data(self.scenario_data(design, factor_values), where)


def flatten(table: dict[str, Any], stop: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Nested TOML tables to dotted keys; a table holding any `stop` key is a leaf."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict) and not (stop and stop & set(value)) and value:
            for inner, leaf in flatten(value, stop).items():
                flat[f"{key}.{inner}"] = leaf
        else:
            flat[key] = value
    return flat


def _normalise(data: dict[str, Any]) -> dict[str, Any]:
    """Flatten the dotted-key tables, so `a.b = 1` and `"a.b" = 1` mean the same."""
    data = dict(data)
    for key in ("overrides", "levers", "uncertainties", "designs"):
        table = data.get(key)
        if not isinstance(table, dict):
            continue
        if key == "designs":
            data[key] = {
                name: flatten(value) if isinstance(value, dict) else value
                for name, value in table.items()
            }
        else:
            data[key] = flatten(
                table, FACTOR_KEYS if key in {"levers", "uncertainties"} else frozenset()
            )
    return data


def _lookup(data: Any, path: list[str]) -> tuple[bool, Any, list[str]]:
    """Follow a dotted path through dumped scenario data: (found, value, keys at the miss)."""
    node = data
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return False, None, sorted(node) if isinstance(node, dict) else []
        node = node[part]
    return True, node, []


def _check_factor(experiment: Experiment, table: str, path: str, factor: Factor) -> bool:
    """A factor must name an existing scenario value, and each level must be valid there.

    Returns whether the value is an integer (a sampled range is then rounded).
    """
    source = experiment.path
    base = experiment.scenario(experiment.design_names[0], {})
    found, current, keys_here = _lookup(base.model_dump(mode="json"), path.split("."))
    if not found:
        raise ScenarioError(
            f"{source}: {table}.{path}: not a value of the scenario; allowed here: {keys_here}"
        )
    if isinstance(current, dict | list):
        raise ScenarioError(f"{source}: {table}.{path}: is a table, name one value inside it")
    if factor.ranged and (isinstance(current, bool | str)):
        raise ScenarioError(
            f"{source}: {table}.{path}: is {type(current).__name__}; "
            "allowed: `values = [...]`, not a low..high range"
        )
    for other in factor.also:
        found_other, value, keys_there = _lookup(base.model_dump(mode="json"), other.split("."))
        if not found_other:
            raise ScenarioError(
                f"{source}: {table}.{path}.also: {other!r} is not a value of the scenario; "
                f"allowed here: {keys_there}"
            )
        if type(value) is not type(current):
            raise ScenarioError(
                f"{source}: {table}.{path}.also: {other!r} is {type(value).__name__}, "
                f"{path} is {type(current).__name__}; link values of one kind"
            )
    levels = factor.values if factor.values is not None else [factor.low, factor.high]
    design = experiment.design_names[0]
    for level in levels:
        value = round(level) if factor.ranged and isinstance(current, int) else level  # type: ignore[arg-type]
        scenario_from_data(
            experiment.scenario_data(design, {path: value}), f"{source}: {table}.{path} = {level!r}"
        )
    return isinstance(current, int) and not isinstance(current, bool)


def _check_outcome_metrics(experiment: Experiment) -> None:
    """Every outcome's metric must be a column of the base scenario's time series."""
    from sim.runs.read import renamed_column
    from sim.runs.runner import simulate

    small = experiment.scenario(experiment.design_names[0], {}).model_copy(deep=True)
    data = small.model_dump(mode="json")
    data["population"]["citizens"] = min(data["population"]["citizens"], 100)
    data["simulation"]["steps"] = 1
    columns = set(simulate(Scenario.model_validate(data), seed=0).timeseries.columns)
    for name, outcome in experiment.spec.outcomes.items():
        if outcome.metric not in columns and renamed_column(outcome.metric) in columns:
            raise ScenarioError(
                f"{experiment.path}: outcomes.{name}.metric = {outcome.metric!r}: renamed in "
                f"model 1.11; use {renamed_column(outcome.metric)!r} (docs/output.md)"
            )
        if outcome.metric not in columns:
            raise ScenarioError(
                f"{experiment.path}: outcomes.{name}.metric = {outcome.metric!r}: not a "
                f"time-series column; allowed: {sorted(columns - {'step'})}"
            )


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment file and its base scenario, or raise ScenarioError."""
    path = Path(path)
    data = _normalise(read_scenario_data(path))
    try:
        spec = ExperimentFile.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(describe_validation_error(str(path), error, ExperimentFile)) from None
    scenario_path = (path.parent / spec.experiment.scenario).resolve()
    if not scenario_path.is_file():
        raise ScenarioError(
            f"{path}: experiment.scenario = {spec.experiment.scenario!r}: file not found "
            f"(looked for {scenario_path}; paths are relative to the experiment file)"
        )
    base = scenario_from_data(read_scenario_data(scenario_path), str(scenario_path))
    experiment = Experiment(spec=spec, path=path, base_data=base.model_dump(mode="json"))
    scenario_from_data(apply_overrides(experiment.base_data, spec.overrides), f"{path} [overrides]")
    for design in spec.designs:
        scenario_from_data(experiment.scenario_data(design, {}), f"{path} [designs.{design}]")
    integers = set()
    for table in ("levers", "uncertainties"):
        for factor_path, factor in getattr(spec, table).items():
            if _check_factor(experiment, table, factor_path, factor):
                integers.add(factor_path)
    experiment = replace(experiment, integer_factors=frozenset(integers))
    if spec.sampling.method == "grid":
        if spec.optimise is None:  # a design search samples the levers itself
            check_grid_levels(experiment)
    elif not experiment.factors:
        raise ScenarioError(
            f"{path}: sampling.method = {spec.sampling.method!r}: no levers or "
            "uncertainties to sample"
        )
    if spec.sampling.method in ("saltelli", "morris") and len(experiment.design_names) > 1:
        raise ScenarioError(
            f"{path}: sampling.method = {spec.sampling.method!r}: analyse one design at a time; "
            f"found designs {experiment.design_names}"
        )
    _check_outcome_metrics(experiment)
    return experiment


def check_grid_levels(experiment: Experiment) -> None:
    """A full grid needs `levels` for every range; raise ScenarioError naming the first without."""
    if experiment.spec.sampling.method != "grid":
        return
    for factor_path, factor in experiment.factors.items():
        if factor.ranged and factor.levels is None:
            raise ScenarioError(
                f"{experiment.path}: {factor_path}: a range in a grid needs `levels`; allowed: "
                "`levels = N`, `values = [...]`, or a sampling method"
            )


def as_experiment(experiment: Experiment | str | Path) -> Experiment:
    """A loaded experiment, loading it first when given the file's path."""
    return experiment if isinstance(experiment, Experiment) else load_experiment(experiment)


def grid_levels(factor: Factor, integer: bool) -> list[Any]:
    """The levels a factor takes in a full grid (rounded for an integer value)."""
    if factor.values is not None:
        return list(factor.values)
    step = (factor.high - factor.low) / (factor.levels - 1)  # type: ignore[operator]
    levels = [factor.low + i * step for i in range(factor.levels)]  # type: ignore[arg-type, operator]
    return [round(level) for level in levels] if integer else levels


def level_from_unit(factor: Factor, unit: float, integer: bool) -> Any:
    """Map a draw in [0, 1) to the factor: a point in the range or one of the values."""
    if factor.values is not None:
        index = min(math.floor(unit * len(factor.values)), len(factor.values) - 1)
        return factor.values[index]
    value = factor.low + unit * (factor.high - factor.low)  # type: ignore[operator]
    return round(value) if integer else float(value)
