"""Timed runs, each meant to run in a fresh process so that sizes do not share memory or caches.

Every function returns a plain dict: wall and CPU seconds for setup and for the steps, the
agent-steps done, and the process's peak resident memory (VmHWM) at the end.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from benchmarks.per_agent_mesa import CoreRuleModel
from benchmarks.scenarios import FULL_MODELS, ROOT, core_rule_scenario, full_model_scenario
from sim.experiments.experiment_file import Experiment, load_experiment
from sim.experiments.sweep import run_experiment
from sim.model.model import CreditModel
from sim.seeding import make_generator

SWEEP_EXPERIMENT = ROOT / "experiments" / "benchmark.toml"
SMALL_SWEEP_EXPERIMENT = ROOT / "experiments" / "benchmark_small.toml"


def _status_kib(field: str) -> float | None:
    """A memory field of /proc/self/status in KiB (None off Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return float(line.split()[1])
    except OSError:
        return None
    return None


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (MB)."""
    peak = _status_kib("VmHWM")
    if peak is None:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024


def rss_mb() -> float:
    """Resident memory of this process now (MB)."""
    current = _status_kib("VmRSS")
    return (current if current is not None else 0.0) / 1024


class Stopwatch:
    """Wall and CPU time of a section."""

    def __enter__(self) -> Stopwatch:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def _timed_model(
    build: Callable[[], Any], steps: int, agents: Callable[[Any], int]
) -> dict[str, float]:
    """Build a model, step it, and return timings, agent-steps and memory."""
    baseline = rss_mb()
    with Stopwatch() as setup:
        model = build()
    with Stopwatch() as run:
        for _ in range(steps):
            model.step()
    n_agents = agents(model)
    return {
        "agents": n_agents,
        "steps": steps,
        "agent_steps": n_agents * steps,
        "setup_seconds": setup.wall,
        "setup_cpu_seconds": setup.cpu,
        "run_seconds": run.wall,
        "run_cpu_seconds": run.cpu,
        "agent_steps_per_second": n_agents * steps / run.wall,
        "agent_steps_per_cpu_second": n_agents * steps / max(run.cpu, 1e-9),
        "rss_before_model_mb": baseline,
        "peak_rss_mb": peak_rss_mb(),
    }


def full_model(
    citizens: int, steps: int, name: str = FULL_MODELS[0], seed: int = 1
) -> dict[str, float]:
    """A full-model scenario (benchmarks.scenarios.FULL_MODELS): citizens + 5% firms."""
    scenario = full_model_scenario(citizens, steps, name)
    result = _timed_model(
        lambda: CreditModel(scenario, rng=make_generator(seed)),
        steps,
        lambda model: model.citizens.size + model.firms.size,
    )
    return {"scenario": name, "citizens": citizens, **result}


def vectorised_core_rule(citizens: int, steps: int, seed: int = 1) -> dict[str, float]:
    """The array model restricted to the core rule (no firms, one behaviour, one city)."""
    scenario = core_rule_scenario(citizens, steps)
    result = _timed_model(
        lambda: CreditModel(scenario, rng=make_generator(seed)),
        steps,
        lambda model: model.citizens.size + model.firms.size,
    )
    return {"citizens": citizens, **result}


def per_agent_core_rule(citizens: int, steps: int, seed: int = 1) -> dict[str, float]:
    """The plain per-agent Mesa model of the core rule."""
    scenario = core_rule_scenario(citizens, steps)
    result = _timed_model(
        lambda: CoreRuleModel(scenario, seed=seed), steps, lambda model: len(model.agents)
    )
    return {"citizens": citizens, **result}


THREAD_LIMITS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@contextmanager
def single_threaded_children() -> Iterator[None]:
    """Processes spawned inside start their numerical libraries with one thread each.

    The figures are for one core per run (and one per sweep worker); a library's own thread
    pool would otherwise spread a run over every core.
    """
    saved = {name: os.environ.get(name) for name in THREAD_LIMITS}
    os.environ.update(dict.fromkeys(THREAD_LIMITS, "1"))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def in_fresh_process(function: Callable[..., dict], *args: Any) -> dict:
    """Run `function(*args)` in a new spawned, single-threaded interpreter; return its result."""
    with (
        single_threaded_children(),
        ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool,
    ):
        return pool.submit(function, *args).result()


def sweep_experiment(
    runs: int | None = None,
    citizens: int | None = None,
    steps: int | None = None,
    path: Path = SWEEP_EXPERIMENT,
) -> Experiment:
    """A benchmark sweep (experiments/benchmark.toml), smaller where given (None: as is)."""
    experiment = load_experiment(path)
    spec = experiment.spec
    overrides = dict(spec.overrides)
    if citizens is not None:
        overrides["population.citizens"] = citizens
    if steps is not None:
        overrides["simulation.steps"] = steps
    header = spec.experiment
    if runs is not None:
        header = header.model_copy(update={"replications": runs})
    return replace(
        experiment, spec=spec.model_copy(update={"experiment": header, "overrides": overrides})
    )


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process (Linux /proc; 0 elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _worker_pid(pause_seconds: float) -> int:
    time.sleep(pause_seconds)
    return os.getpid()


def sweep(
    workers: int,
    runs: int | None = None,
    citizens: int | None = None,
    steps: int | None = None,
    path: Path = SWEEP_EXPERIMENT,
) -> dict[str, Any]:
    """Time the benchmark sweep (sim.experiments.sweep.run_experiment) on a spawn pool of `workers`.

    The workers are started before the clock, so the time is the runs' (each written to a
    temporary results directory as a real sweep writes it), not interpreter start-up.
    `cores_used` is the workers' CPU time over the wall time: on a shared machine, the
    speed-up two workers can show is bounded by the cores they actually got.
    """
    experiment = sweep_experiment(runs, citizens, steps, path)
    scenario = experiment.scenario("", {})
    with (
        single_threaded_children(),
        ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool,
        tempfile.TemporaryDirectory(prefix="benchmark-sweep-") as out,
    ):
        started: set[int] = set()
        for _ in range(50):
            started |= set(pool.map(_worker_pid, [0.2] * workers))
            if len(started) >= workers:
                break
        cpu_before = sum(process_cpu_seconds(pid) for pid in started)
        with Stopwatch() as clock:
            report = run_experiment(
                experiment, Path(out), executor=pool, resume=False, progress=False
            )
        worker_cpu = sum(process_cpu_seconds(pid) for pid in started) - cpu_before
    if report.failed:
        errors = report.summary.loc[report.summary["status"] != "ok", "error"]
        raise RuntimeError(f"{report.failed} benchmark sweep runs failed: {errors.iloc[0]}")
    return {
        "workers": workers,
        "runs": report.ran,
        "citizens": scenario.population.citizens,
        "firms": round(scenario.population.citizens * scenario.population.firms_per_citizen),
        "steps": scenario.simulation.steps,
        "seconds": clock.wall,
        "runs_per_hour": report.ran / clock.wall * 3600.0,
        "worker_cpu_seconds": worker_cpu,
        "cores_used": worker_cpu / clock.wall,
        "mean_compliance_rate": float(report.summary["outcome.compliance"].mean()),
    }


def command_start(arguments: list[str], repeats: int = 3) -> dict[str, Any]:
    """Wall time of `creditsim <arguments>` from process start to exit, fastest of `repeats`."""
    command = [str(Path(sys.executable).with_name("creditsim")), *arguments]
    times = []
    for _ in range(repeats):
        with Stopwatch() as clock:
            subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
        times.append(clock.wall)
    return {"command": " ".join(["creditsim", *arguments]), "seconds": min(times), "all": times}
