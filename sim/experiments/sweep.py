"""Running an experiment: design points x designs x replications, streamed to disk, resumable.

Every run is keyed by (master seed, point, replicate): the design never enters the key, so
replicate r of every design at a point shares its random numbers (common random numbers),
and a run's result does not depend on the worker or the order. Each finished run is a
directory written atomically (as `run_to_disk` writes it) holding `summary.json`, its row of
the summary; `summary.parquet` is rebuilt from those rows, so killing the process loses no
finished run, and running again skips every finished one.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import sys
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
from tqdm.auto import tqdm

from sim.errors import RunFailure
from sim.experiments.designs import design_points
from sim.experiments.executors import open_backend, slots_of
from sim.experiments.experiment_file import Experiment, as_experiment, check_grid_levels
from sim.experiments.outcomes import Outcome, summarise_all
from sim.runs import layout
from sim.runs.lock import acquire_lock
from sim.runs.preflight import check_memory, check_output_directory, output_needed
from sim.runs.read import read_record, read_timeseries
from sim.runs.store import atomic_directory, write_atomically, write_run
from sim.scenario.schema import Scenario

SUMMARY_EVERY_SECONDS = 10.0


@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs for one run; picklable."""

    run_id: str
    run_dir: str
    experiment: str
    design: str
    point: int
    replicate: int
    seed: int
    factors: dict[str, Any]
    scenario: Scenario
    scenario_sha256: str
    outcomes: dict[str, Outcome]

    @property
    def keys(self) -> tuple[int, int]:
        """Seed keys: (point, replicate); shared by every design (common random numbers)."""
        return (self.point, self.replicate)

    def record(self, status: str, error: str, outcomes: dict[str, float]) -> dict[str, Any]:
        """This run's summary row, as stored in its `summary.json`."""
        return {
            "run_id": self.run_id,
            "experiment": self.experiment,
            "design": self.design,
            "point": self.point,
            "replicate": self.replicate,
            "seed": self.seed,
            "seed_keys": list(self.keys),
            "scenario_sha256": self.scenario_sha256,
            "status": status,
            "error": error,
            "factors": self.factors,
            "outcomes": outcomes,
            "outcomes_sha256": outcomes_digest(self.outcomes),
        }


def outcomes_digest(outcomes: dict[str, Outcome]) -> str:
    """SHA-256 of the outcome definitions a run's summary row was computed with."""
    text = json.dumps(
        {name: outcome.model_dump(mode="json") for name, outcome in outcomes.items()},
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def refresh_outcomes(task: RunTask, record: dict[str, Any]) -> dict[str, Any]:
    """A finished run's row with its outcomes recomputed from its time series, kept on disk.

    Editing an outcome (a new one, another window) after runs have finished needs no rerun:
    the outcomes are summarised again from each run's `timeseries.parquet`.
    """
    if record.get("outcomes_sha256") == outcomes_digest(task.outcomes):
        return record
    run_dir = Path(task.run_dir)
    timeseries = read_timeseries(run_dir)
    fresh = {**record, **task.record("ok", "", summarise_all(task.outcomes, timeseries))}
    fresh = {**fresh, "seed": record["seed"], "seed_keys": record["seed_keys"]}
    write_atomically(
        run_dir / layout.RUN_RECORD,
        lambda path: path.write_text(json.dumps(fresh, indent=2, default=str)),
    )
    return fresh


def run_name(design: str, point: int, replicate: int) -> str:
    """Run directory name: [design-]p<point>-r<replicate>."""
    prefix = f"{layout.path_name(design)}-" if design else ""
    return f"{prefix}p{point:05d}-r{replicate:03d}"


def _write_record(directory: Path, record: dict[str, Any]) -> None:
    (directory / layout.RUN_RECORD).write_text(json.dumps(record, indent=2, default=str))


def _write_failed(run_dir: Path, record: dict[str, Any]) -> None:
    """A failed run's directory (just its record), replacing any older one atomically."""
    with atomic_directory(run_dir) as staging:
        _write_record(staging, record)


@dataclass
class RunOutput:
    """What a worker sends back: the run's summary row and, if it succeeded, its tables."""

    record: dict[str, Any]
    timeseries: pd.DataFrame | None = None
    agents: pa.Table | None = None
    manifest: dict[str, Any] | None = None


def compute_run(task: RunTask) -> RunOutput:
    """Simulate one run in a worker and return everything to write; writes nothing.

    The client writes (`store_run`), so workers need no access to the results directory (a
    cluster without a shared disk). A run that raises comes back as failed, with its error.
    """
    from sim.runs.runner import manifest, simulate

    try:
        result = simulate(task.scenario, seed=task.seed, keys=task.keys)
        timeseries = result.timeseries
        record = task.record("ok", "", summarise_all(task.outcomes, timeseries))
        extra = {
            "experiment": task.experiment,
            "design": task.design,
            "point": task.point,
            "replicate": task.replicate,
            "factors": task.factors,
        }
        return RunOutput(record, timeseries, result.agents(), manifest(result, task.run_id, extra))
    except Exception as error:
        failed = task.record("failed", f"{type(error).__name__}: {error}", _missing(task))
        return RunOutput(failed)


def store_run(task: RunTask, output: RunOutput) -> dict[str, Any]:
    """Write a computed run's directory atomically (in the client) and return its row.

    Raises:
        RunFailure: the results directory cannot be written (the run's files are not kept;
            finished runs are, and running again resumes).
    """
    run_dir = Path(task.run_dir)
    try:
        if output.timeseries is None or output.agents is None or output.manifest is None:
            _write_failed(run_dir, output.record)
        else:
            write_run(
                run_dir,
                output.timeseries,
                output.agents,
                output.manifest,
                extra=lambda staging: _write_record(staging, output.record),
                run_keys={
                    "run_id": task.run_id,
                    "experiment": task.experiment,
                    "design": task.design,
                    "point": task.point,
                    "replicate": task.replicate,
                    "seed": task.seed,
                },
            )
    except OSError as error:
        raise RunFailure(
            f"{run_dir.parent}: cannot write run {task.run_id} ({error.strerror or error}); "
            "the runs finished before it are kept: free space (or fix the directory) and run "
            "the command again to finish the rest"
        ) from None
    return output.record


def execute_run(task: RunTask) -> dict[str, Any]:
    """Compute one run and write it here (one process); returns its summary row."""
    return store_run(task, compute_run(task))


def _missing(task: RunTask) -> dict[str, float]:
    return dict.fromkeys(task.outcomes, math.nan)


def plan(experiment: Experiment, results_dir: Path) -> Iterator[RunTask]:
    """Every run of the experiment, point by point, replicate by replicate, design by design."""
    header = experiment.spec.experiment
    outcomes = dict(experiment.spec.outcomes)
    for point, factor_values in enumerate(design_points(experiment)):
        scenarios = {
            design: experiment.scenario(design, factor_values) for design in experiment.design_names
        }
        digests = {design: scenario.digest() for design, scenario in scenarios.items()}
        for replicate in range(header.replications):
            for design, scenario in scenarios.items():
                name = run_name(design, point, replicate)
                yield RunTask(
                    run_id=name,
                    run_dir=str(results_dir / name),
                    experiment=experiment.name,
                    design=design,
                    point=point,
                    replicate=replicate,
                    seed=header.seed,
                    factors=factor_values,
                    scenario=scenario,
                    scenario_sha256=digests[design],
                    outcomes=outcomes,
                )


def summary_frame(records: list[dict[str, Any]], factors: list[str], outcomes: list[str]):
    """Summary rows as a DataFrame with the documented columns."""
    rows = []
    for record in records:
        row = {key: record[key] for key in ("run_id", "experiment", "design")}
        row.update(
            point=int(record["point"]),
            replicate=int(record["replicate"]),
            seed=int(record["seed"]),
            status=record["status"],
            error=record["error"],
        )
        row.update({f"factor.{path}": record["factors"].get(path) for path in factors})
        row.update(
            {f"outcome.{name}": float(record["outcomes"].get(name, math.nan)) for name in outcomes}
        )
        rows.append(row)
    columns = ["run_id", "experiment", "design", "point", "replicate", "seed", "status", "error"]
    columns += [f"factor.{path}" for path in factors] + [f"outcome.{name}" for name in outcomes]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype(
        {"point": "int64", "replicate": "int64", "seed": "int64"}
        | dict.fromkeys([f"outcome.{name}" for name in outcomes], "float64")
    )


@dataclass
class Ledger:
    """Which planned runs are finished (ok, or failed and still to retry), by run id."""

    expected: dict[str, str] = field(default_factory=dict)
    order: dict[str, tuple[int, str, int, int]] = field(default_factory=dict)

    def finished(self, run_id: str, results_dir: Path) -> dict[str, Any] | None:
        """The run's record if it finished with the scenario now planned for it."""
        record = read_record(results_dir / run_id)
        if record is None or record.get("scenario_sha256") != self.expected.get(run_id):
            return None
        return record


def write_summary(experiment: Experiment, results_dir: Path, ledger: Ledger) -> pd.DataFrame:
    """Rebuild `summary.parquet` from the finished runs' records (atomically)."""
    records = []
    for run_id in sorted(ledger.expected, key=ledger.order.__getitem__):
        record = ledger.finished(run_id, results_dir)
        if record is not None:
            records.append(record)
    frame = summary_frame(records, list(experiment.factors), list(experiment.spec.outcomes))
    write_atomically(results_dir / layout.SUMMARY, lambda path: frame.to_parquet(path, index=False))
    return frame


@dataclass(frozen=True)
class SweepReport:
    """What a sweep did."""

    results_dir: Path
    planned: int
    skipped: int
    ran: int
    failed: int
    summary: pd.DataFrame


def _remove_leftovers(results_dir: Path) -> None:
    """Delete half-written staging directories and files left by a killed sweep."""
    for leftover in results_dir.glob(".*"):
        if leftover.name == layout.LOCK:
            continue
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)


def _save_experiment_copy(experiment: Experiment, results_dir: Path) -> None:
    """Keep the experiment as run beside its results (atomically)."""
    text = json.dumps(
        {
            "experiment_file": str(experiment.path),
            "experiment": experiment.spec.model_dump(mode="json"),
            "base_scenario": experiment.base_data,
        },
        indent=2,
        default=str,
    )
    write_atomically(results_dir / layout.EXPERIMENT_COPY, lambda path: path.write_text(text))


def run_experiment(
    experiment: Experiment | str | Path,
    out: Path = Path("results"),
    *,
    executor: Executor | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = True,
    progress: bool = True,
) -> SweepReport:
    """Run every planned run not yet finished and rebuild `summary.parquet`.

    Args:
        experiment: A loaded experiment (`load_experiment`).
        out: Parent directory; results go to `<out>/<experiment name>/`.
        executor: Any concurrent.futures.Executor; it is used as is and not shut down.
        workers: Local worker processes when no executor is given (default: all cores).
        scheduler: Dask scheduler address when no executor is given.
        resume: Skip runs already finished (failed runs are retried); False reruns all.
        progress: Show a progress bar on stderr.
    """
    experiment = as_experiment(experiment)
    results_dir = Path(out).resolve() / layout.path_name(experiment.name)
    # Every check that can run before compute runs before anything is written: each run's
    # scenario is built (an invalid factor combination fails here), memory and room to write
    # are checked, the back end is reached; then the lock is the first thing written.
    check_grid_levels(experiment)
    tasks = list(plan(experiment, results_dir))
    if tasks:
        check_memory(max(tasks, key=lambda task: task.scenario.population.citizens).scenario,
                     str(experiment.path))  # fmt: skip
    needed = sum(output_needed(task.scenario, report=False) for task in tasks)
    check_output_directory(Path(out), needed)
    if executor is not None:
        return _run_locked(
            SweepJob(experiment, tasks, results_dir, executor, slots_of(executor), resume,
                     progress, "the given executor")
        )  # fmt: skip
    with open_backend(workers, scheduler) as backend:
        return _run_locked(
            SweepJob(experiment, tasks, results_dir, backend.executor, backend.slots, resume,
                     progress, backend.description)
        )  # fmt: skip


@dataclass(frozen=True)
class SweepJob:
    """What one sweep runs and where: its tasks, results directory and back end."""

    experiment: Experiment
    tasks: list[RunTask]
    results_dir: Path
    executor: Executor
    slots: int
    resume: bool
    progress: bool
    description: str  # the back end, for the progress line


def _run_locked(job: SweepJob) -> SweepReport:
    """Run the unfinished tasks under the results directory's lock; write the summary."""
    with locked_results(job.experiment, job.results_dir):
        return _run_tasks(job)


@contextmanager
def locked_results(experiment: Experiment, results_dir: Path) -> Iterator[Path]:
    """Hold the results directory's lock; clear leftovers and keep the experiment as run.

    A directory this call created is removed again if the lock cannot be taken.
    """
    created = not results_dir.exists()
    results_dir.mkdir(parents=True, exist_ok=True)
    try:
        lock = acquire_lock(results_dir)
    except BaseException:
        if created:
            shutil.rmtree(results_dir, ignore_errors=True)
        raise
    try:
        _remove_leftovers(results_dir)
        _save_experiment_copy(experiment, results_dir)
        yield results_dir
    finally:
        lock.unlink(missing_ok=True)


@dataclass(frozen=True)
class Session:
    """An open back end and a locked results directory, for runs planned batch by batch.

    Design search plans each generation from the last one's results; every batch is run as
    a sweep's runs are (resumable, written by the client), under one lock and one back end.
    """

    experiment: Experiment
    results_dir: Path
    executor: Executor
    slots: int
    description: str
    progress: bool

    def run(self, tasks: list[RunTask], resume: bool = True) -> SweepReport:
        """Run the tasks not finished yet (checked for memory and room to write first)."""
        if tasks:
            largest = max(tasks, key=lambda task: task.scenario.population.citizens)
            check_memory(largest.scenario, str(self.experiment.path))
        needed = sum(output_needed(task.scenario, report=False) for task in tasks)
        check_output_directory(self.results_dir.parent, needed)
        return _run_tasks(
            SweepJob(self.experiment, tasks, self.results_dir, self.executor, self.slots,
                     resume, self.progress, self.description)
        )  # fmt: skip


@contextmanager
def open_session(
    experiment: Experiment,
    out: Path = Path("results"),
    *,
    executor: Executor | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
) -> Iterator[Session]:
    """A Session on `<out>/<experiment name>/` (see `run_experiment` for the arguments)."""
    results_dir = Path(out).resolve() / layout.path_name(experiment.name)
    check_output_directory(Path(out), 0)
    if executor is not None:
        with locked_results(experiment, results_dir):
            yield Session(experiment, results_dir, executor, slots_of(executor),
                          "the given executor", progress)  # fmt: skip
        return
    with open_backend(workers, scheduler) as backend, locked_results(experiment, results_dir):
        yield Session(experiment, results_dir, backend.executor, backend.slots,
                      backend.description, progress)  # fmt: skip


def _run_tasks(job: SweepJob) -> SweepReport:
    """Skip the finished runs, drain the rest through the executor, rebuild the summary."""
    experiment, tasks, results_dir = job.experiment, job.tasks, job.results_dir
    progress = job.progress
    ledger = Ledger()
    done: set[str] = set()
    designs = {name: index for index, name in enumerate(experiment.design_names)}
    for task in tasks:
        ledger.expected[task.run_id] = task.scenario_sha256
        rank = designs.get(task.design, len(designs))  # a search's candidates come after
        ledger.order[task.run_id] = (rank, task.design, task.point, task.replicate)
        record = ledger.finished(task.run_id, results_dir) if job.resume else None
        if record is not None and record["status"] == "ok":
            try:
                refresh_outcomes(task, record)
            except Exception:  # its time series cannot be read: run it again
                continue
            done.add(task.run_id)
    pending = (task for task in tasks if task.run_id not in done)
    bar = tqdm(
        total=len(ledger.expected),
        initial=len(done),
        desc=experiment.name,
        unit="run",
        disable=not progress,
        file=sys.stderr,
        dynamic_ncols=True,
    )
    counts = {"ran": 0, "failed": 0}
    try:
        if progress:
            to_do = len(ledger.expected) - len(done)
            bar.write(f"{experiment.name}: {to_do} runs to do on {job.description}", sys.stderr)
        _drain(pending, job.executor, job.slots, bar, counts, experiment, results_dir, ledger)
    finally:
        bar.close()
        summary = write_summary(experiment, results_dir, ledger)
    return SweepReport(
        results_dir=results_dir,
        planned=len(ledger.expected),
        skipped=len(done),
        ran=counts["ran"],
        failed=counts["failed"],
        summary=summary,
    )


def _drain(
    pending: Iterator[RunTask],
    executor: Executor,
    slots: int,
    bar: tqdm,
    counts: dict[str, int],
    experiment: Experiment,
    results_dir: Path,
    ledger: Ledger,
) -> None:
    """Keep a bounded number of runs in flight until every pending run has finished."""
    in_flight: dict[Future, RunTask] = {}
    limit = 2 * slots + 1
    last_summary = time.monotonic()
    try:
        while True:
            while len(in_flight) < limit:
                task = next(pending, None)
                if task is None:
                    break
                in_flight[executor.submit(compute_run, task)] = task
            if not in_flight:
                return
            finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in finished:
                task = in_flight.pop(future)
                try:
                    record = store_run(task, future.result())
                except BrokenProcessPool as error:
                    raise RunFailure(
                        f"a worker process died ({error}); finished runs are kept: "
                        "run the command again to finish the rest"
                    ) from error
                except RunFailure:
                    raise
                except Exception as error:  # the worker itself failed, not the run
                    record = task.record(
                        "failed", f"{type(error).__name__}: {error}", _missing(task)
                    )
                    _write_failed(Path(task.run_dir), record)
                counts["ran"] += 1
                counts["failed"] += record["status"] != "ok"
                bar.set_postfix(failed=counts["failed"], refresh=False)
                bar.update(1)
            if time.monotonic() - last_summary > SUMMARY_EVERY_SECONDS:
                write_summary(experiment, results_dir, ledger)
                last_summary = time.monotonic()
    finally:
        for future in in_flight:
            future.cancel()
