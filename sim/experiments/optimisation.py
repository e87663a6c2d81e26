"""Design search: the designs no other design beats on every outcome (NSGA-II, pymoo).

The levers of an experiment file span the search space (each a range or a list of values,
searched in the unit cube and mapped to levels as sampled designs are); the [optimise]
objectives are outcomes, each better up or down by its `more_is_better`. Every candidate is
run `replications` times with common random numbers: replicate r of every candidate shares
its seed, so candidates are compared on the same draws. Candidates are run as sweep runs
(named by a hash of their lever values), so a killed search loses no finished run and a
seeded rerun replays every evaluation from disk. The front is the non-dominated set of every
candidate evaluated. With `robustness_points`, each front design is then run on a Latin
hypercube ensemble of the [uncertainties]: its mean and worst value of each objective, and
its regret (how far it falls behind the best front design on the same conditions).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from sim.errors import ScenarioError
from sim.experiments.discovery import ANALYSIS_EXTRA_HINT
from sim.experiments.experiment_file import Experiment, Optimise, as_experiment, level_from_unit
from sim.experiments.sweep import RunTask, Session, open_session, run_name
from sim.runs import layout
from sim.runs.store import write_atomically
from sim.seeding import make_generator

Evaluate = Callable[[np.ndarray, int], np.ndarray]  # (unit rows, generation) -> objectives


def load_pymoo() -> tuple[Any, Any, Any, Any]:
    """Pymoo's NSGA2, Problem, Evaluator and non-dominated sorting, or a ScenarioError."""
    try:
        from pymoo.algorithms.moo.nsga2 import NSGA2
        from pymoo.core.evaluator import Evaluator
        from pymoo.core.problem import Problem
        from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting
    except ImportError:
        raise ScenarioError(ANALYSIS_EXTRA_HINT) from None
    return NSGA2, Problem, Evaluator, NonDominatedSorting


def non_dominated(objectives: np.ndarray) -> np.ndarray:
    """Indices of the rows no other row beats on every column (all minimised)."""
    *_, sorting = load_pymoo()
    finite = np.isfinite(objectives).all(axis=1)
    rows = np.flatnonzero(finite)
    if rows.size == 0:
        return rows
    front = sorting().do(objectives[rows], only_non_dominated_front=True)
    return np.sort(rows[np.asarray(front, dtype=np.int64)])


@dataclass(frozen=True)
class Search:
    """Every candidate evaluated (unit-cube rows, minimised objectives) and the front."""

    units: np.ndarray  # (candidates, levers) in [0, 1]
    objectives: np.ndarray  # (candidates, objectives), minimised
    generation: np.ndarray  # generation each candidate was first asked for
    front: np.ndarray  # row indices of the non-dominated candidates


def search(
    evaluate: Evaluate,
    dimensions: int,
    objectives: int,
    *,
    population: int,
    generations: int,
    seed: int,
) -> Search:
    """NSGA-II (pymoo's ask and tell) over the unit cube; `evaluate` minimises every column.

    `evaluate(rows, generation)` gets a generation's candidates and returns their
    objectives; the same seed and the same evaluations ask the same candidates.
    """
    nsga2, problem_class, evaluator_class, _ = load_pymoo()
    from pymoo.problems.static import StaticProblem

    problem = problem_class(n_var=dimensions, n_obj=objectives, xl=0.0, xu=1.0)
    algorithm = nsga2(pop_size=population, eliminate_duplicates=True)
    algorithm.setup(problem, termination=("n_gen", generations), seed=seed, verbose=False)
    units, values, asked = [], [], []
    generation = 0
    while algorithm.has_next():
        offspring = algorithm.ask()
        rows = np.clip(offspring.get("X"), 0.0, 1.0)
        scores = np.asarray(evaluate(rows, generation), dtype=np.float64)
        penalised = np.where(np.isfinite(scores), scores, np.finfo(np.float64).max / 4)
        evaluator_class().eval(StaticProblem(problem, F=penalised), offspring)
        algorithm.tell(infills=offspring)
        units.append(rows)
        values.append(scores)
        asked.append(np.full(len(rows), generation, dtype=np.int64))
        generation += 1
    all_units, all_values = np.vstack(units), np.vstack(values)
    return Search(all_units, all_values, np.concatenate(asked), non_dominated(all_values))


def check_optimise(experiment: Experiment) -> Optimise:
    """The file's [optimise] table, or a ScenarioError saying what is missing."""
    spec = experiment.spec
    if spec.optimise is None:
        raise ScenarioError(
            f"{experiment.path}: no [optimise] table; add one (population, generations, "
            "objectives; docs/analysis.md)"
        )
    if not spec.levers:
        raise ScenarioError(f"{experiment.path}: [optimise] searches the [levers]; none given")
    objectives = spec.optimise.objectives or list(spec.outcomes)
    if len(objectives) < 2:
        raise ScenarioError(
            f"{experiment.path}: optimise.objectives: a front needs at least 2 outcomes; "
            f"found {objectives}"
        )
    if spec.optimise.robustness_points and not spec.uncertainties:
        raise ScenarioError(
            f"{experiment.path}: optimise.robustness_points = {spec.optimise.robustness_points}"
            ": the robustness step samples [uncertainties]; none given (set 0 or add them)"
        )
    if len(experiment.design_names) > 1:
        raise ScenarioError(
            f"{experiment.path}: [optimise] searches the levers of one design; found designs "
            f"{experiment.design_names} (put their settings in [overrides] or [levers])"
        )
    return spec.optimise


def candidate_name(values: dict[str, Any]) -> str:
    """A candidate's run-directory prefix: a short hash of its lever values."""
    text = json.dumps(values, sort_keys=True, default=str)
    return "c" + hashlib.sha256(text.encode()).hexdigest()[:12]


def _unit_values(experiment: Experiment, table: str, row: np.ndarray) -> dict[str, Any]:
    factors = getattr(experiment.spec, table)
    return {
        path: level_from_unit(factor, float(u), path in experiment.integer_factors)
        for (path, factor), u in zip(factors.items(), row, strict=True)
    }


class Evaluations:
    """Runs candidates as sweep runs and turns their outcomes into minimised objectives."""

    def __init__(self, experiment: Experiment, session: Session, objectives: list[str]) -> None:
        self.experiment = experiment
        self.session = session
        self.objectives = objectives
        self.sign = np.array(
            [-1.0 if experiment.spec.outcomes[name].more_is_better else 1.0 for name in objectives]
        )
        self.tasks: dict[str, RunTask] = {}
        self.levers_of: dict[str, dict[str, Any]] = {}  # candidate name -> lever values
        self.ran = self.skipped = self.failed = 0

    def plan(self, design: str, point: int, values: dict[str, Any]) -> list[RunTask]:
        """The replicates of one candidate at one ensemble point (0: the base conditions)."""
        experiment = self.experiment
        scenario = experiment.scenario("", values)
        digest = scenario.digest()
        tasks = []
        for replicate in range(experiment.spec.experiment.replications):
            name = run_name(design, point, replicate)
            task = RunTask(
                run_id=name,
                run_dir=str(self.session.results_dir / name),
                experiment=experiment.name,
                design=design,
                point=point,
                replicate=replicate,
                seed=experiment.spec.experiment.seed,
                factors=values,
                scenario=scenario,
                scenario_sha256=digest,
                outcomes=dict(experiment.spec.outcomes),
            )
            self.tasks[name] = task
            tasks.append(task)
        return tasks

    def run(self, tasks: list[RunTask]) -> pd.DataFrame:
        """Run (or reuse) the tasks; their summary rows."""
        report = self.session.run(tasks)
        self.ran += report.ran
        self.skipped += report.skipped
        self.failed += report.failed
        return report.summary

    def means(self, summary: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        """Mean outcome per `keys` over replicates (NaN when any replicate failed)."""
        columns = [f"outcome.{name}" for name in self.objectives]
        frame = summary.copy()
        frame.loc[frame["status"] != "ok", columns] = math.nan
        return (
            frame.groupby(keys)[columns]
            .mean(numeric_only=True)
            .rename(columns=lambda c: c.removeprefix("outcome."))
        )

    def evaluate(self, rows: np.ndarray, generation: int) -> np.ndarray:
        """Minimised objectives of a generation's candidates (unit-cube rows)."""
        del generation
        designs = []
        tasks: list[RunTask] = []
        for row in rows:
            values = _unit_values(self.experiment, "levers", row)
            design = candidate_name(values)
            self.levers_of[design] = values
            designs.append(design)
            tasks += self.plan(design, 0, values)
        unique = list({task.run_id: task for task in tasks}.values())
        means = self.means(self.run(unique), ["design"])
        values = means.reindex(designs)[self.objectives].to_numpy(np.float64, copy=True)
        values[np.isnan(values)] = np.inf
        return values * self.sign


@dataclass(frozen=True)
class OptimisationResult:
    """A finished design search: every candidate, the front and (optionally) robustness."""

    evaluations: pd.DataFrame  # every candidate: levers, objectives, generation, on_front
    front: pd.DataFrame
    robustness: pd.DataFrame | None
    results_dir: Path
    runs: dict[str, int]  # ran, skipped (reused from disk), failed
    objectives: tuple[str, ...] = ()


def _candidate_table(
    experiment: Experiment, found: Search, objectives: list[str], sign: np.ndarray
) -> pd.DataFrame:
    """One row per distinct candidate: its name, levers, objectives in their own units."""
    rows = []
    for index, unit in enumerate(found.units):
        values = _unit_values(experiment, "levers", unit)
        row = {"candidate": candidate_name(values), "generation": int(found.generation[index])}
        row |= {f"lever.{path}": value for path, value in values.items()}
        row |= {
            name: float(v)
            for name, v in zip(objectives, found.objectives[index] * sign, strict=True)
        }
        row["on_front"] = index in set(found.front.tolist())
        rows.append(row)
    table = pd.DataFrame(rows)
    keep = table.groupby("candidate")["on_front"].transform("max")
    return table.assign(on_front=keep).drop_duplicates("candidate").reset_index(drop=True)


def _robustness(evaluations: Evaluations, front: pd.DataFrame, points: int) -> pd.DataFrame:
    """Every front design on the uncertainty ensemble: mean, worst and regret per objective."""
    experiment = evaluations.experiment
    rng = make_generator(experiment.spec.experiment.seed, 2)
    dimensions = len(experiment.spec.uncertainties)
    ensemble = qmc.LatinHypercube(d=dimensions, rng=rng).random(points)
    tasks: list[RunTask] = []
    for candidate in front["candidate"]:
        levers = evaluations.levers_of[candidate]
        for point, unit in enumerate(ensemble, start=1):
            conditions = _unit_values(experiment, "uncertainties", unit)
            tasks += evaluations.plan(candidate, point, {**levers, **conditions})
    means = evaluations.means(evaluations.run(tasks), ["design", "point"])
    rows = []
    for name, sign in zip(evaluations.objectives, evaluations.sign, strict=True):
        table = means[name].unstack("point")  # designs x ensemble points
        minimised = table * sign
        regret = minimised - minimised.min(axis=0)
        for design in table.index:
            rows.append(
                {
                    "candidate": design,
                    "objective": name,
                    "base": float(front.set_index("candidate").loc[design, name]),
                    "ensemble_mean": float(table.loc[design].mean()),
                    "worst": float((minimised.loc[design].max()) * sign),
                    "max_regret": float(regret.loc[design].max()),
                    "points": int(table.loc[design].notna().sum()),
                }
            )
    return pd.DataFrame(rows)


def optimise_experiment(
    experiment: Experiment | str | Path, out: Path = Path("results"), **session_options: Any
) -> OptimisationResult:
    """Search the levers for the front of the objectives; resumable run by run.

    Writes `evaluations.parquet`, `front.parquet`, `robustness.parquet` (with
    `robustness_points`) and `summary.parquet` (every run) in the experiment's directory.

    Args:
        experiment: A loaded experiment with [levers] and [optimise].
        out: Parent directory of the experiment's results.
        **session_options: executor, workers, scheduler, progress (as `run_experiment`).
    """
    experiment = as_experiment(experiment)
    settings = check_optimise(experiment)
    load_pymoo()  # fail before any run if the extra is missing
    objectives = settings.objectives or list(experiment.spec.outcomes)
    with open_session(experiment, out, **session_options) as session:
        evaluations = Evaluations(experiment, session, objectives)
        found = search(
            evaluations.evaluate,
            len(experiment.spec.levers),
            len(objectives),
            population=settings.population,
            generations=settings.generations,
            seed=experiment.spec.experiment.seed,
        )
        table = _candidate_table(experiment, found, objectives, evaluations.sign)
        front = table[table["on_front"]].reset_index(drop=True)
        robustness = None
        if settings.robustness_points:
            robustness = _robustness(evaluations, front, settings.robustness_points)
        from sim.experiments.sweep import Ledger, write_summary

        ledger = Ledger()
        for order, task in enumerate(evaluations.tasks.values()):
            ledger.expected[task.run_id] = task.scenario_sha256
            ledger.order[task.run_id] = (0, "", order, 0)
        write_summary(experiment, session.results_dir, ledger)
        results_dir = session.results_dir
        write_atomically(
            results_dir / layout.EVALUATIONS, lambda path: table.to_parquet(path, index=False)
        )
        write_atomically(
            results_dir / layout.FRONT, lambda path: front.to_parquet(path, index=False)
        )
        if robustness is not None:
            write_atomically(
                results_dir / layout.ROBUSTNESS,
                lambda path: robustness.to_parquet(path, index=False),
            )
    runs = {"ran": evaluations.ran, "skipped": evaluations.skipped, "failed": evaluations.failed}
    return OptimisationResult(table, front, robustness, results_dir, runs, tuple(objectives))
