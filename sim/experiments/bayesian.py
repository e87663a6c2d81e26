"""Bayesian calibration by ABC-SMC (pyabc): posterior, predictive intervals and checks.

The in-sample targets (`sample = "in"`) are fitted: a particle's distance is the square root
of the weighted sum of its squared relative errors (a bound costs nothing when met), one run
a particle (and one per counterfactual variant), each from seed keys derived from its
parameter values. Priors are uniform on each parameter's range (on its logarithm with
`log_scale`). The ABC database is written to disk, so an interrupted calibration resumes
where it stopped. After sampling, three checks run on the sweeps' executors:

- posterior predictive: `predictive_draws` particles drawn by weight, each run once with
  fresh seeds; every target (in-sample, out-of-sample and checks) gets its median and
  `interval` predictive interval;
- seeds: the posterior median at `fresh_seeds` fresh seeds (errors over seeds);
- population size: the posterior median at `scale_factor` times the citizens against the
  fitted size, `scale_seeds` seeds each (the same results within seed noise?).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import ScenarioError
from sim.experiments.calibration import Calibration, _measure_targets
from sim.experiments.executors import InlineExecutor
from sim.model.version import MODEL_VERSION
from sim.runs.runner import simulate

SEED_STREAM = {"fit": 1, "predictive": 2, "seeds": 3, "scale": 4}
DATABASE = "abc.db"
FINGERPRINT = "abc_settings.json"


def _import_pyabc():
    try:
        import pyabc
    except ImportError:
        raise ScenarioError(
            "method = 'abc' needs pyabc: python3 -m uv sync --extra calibration "
            "(or pip install 'creditsim[calibration]')"
        ) from None
    return pyabc


def natural_values(calibration: Calibration, sampled: dict[str, float]) -> dict[str, float]:
    """Parameter values in the scenario's units (log-scale ones are sampled as log10)."""
    parameters = calibration.spec.parameters
    return {
        name: 10.0 ** float(sampled[name]) if parameters[name].log_scale else float(sampled[name])
        for name in parameters
    }


def sampled_values(calibration: Calibration, natural: dict[str, float]) -> dict[str, float]:
    """The inverse of natural_values."""
    parameters = calibration.spec.parameters
    return {
        name: math.log10(natural[name]) if parameters[name].log_scale else natural[name]
        for name in parameters
    }


def parameter_key(values: dict[str, float]) -> int:
    """A 32-bit seed key from parameter values (the same values give the same runs)."""
    text = json.dumps({k: float(v) for k, v in sorted(values.items())})
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")


def run_targets(
    calibration: Calibration,
    values: dict[str, float],
    keys: tuple[int, ...],
    names: tuple[str, ...],
    overrides: dict[str, Any] | None = None,
) -> dict[str, float]:
    """The named targets' statistics from one run per variant, each run to its last step."""
    settings = calibration.spec.calibration
    variants: dict[str, list[str]] = {}
    for name in names:
        target = calibration.spec.targets[name]
        variants.setdefault(json.dumps(target.overrides, sort_keys=True), []).append(name)
    measured: dict[str, float] = {}
    for key, group in variants.items():
        last = max(calibration.spec.targets[name].last_step() for name in group)
        variant = {**json.loads(key), **(overrides or {}), "simulation.steps": last}
        scenario = calibration.scenario(values, True, variant)
        timeseries = simulate(scenario, seed=settings.seed, keys=keys).timeseries
        for row in _measure_targets(calibration, group, 0, timeseries):
            measured[row["target"]] = row["simulated"]
    return measured


@dataclass(frozen=True)
class ParticleModel:
    """pyabc's model: a particle's in-sample statistics (picklable for worker processes)."""

    calibration: Calibration
    names: tuple[str, ...]

    def __call__(self, sampled: dict[str, float]) -> dict[str, float]:
        """Run the particle; its seed keys come from its values."""
        values = natural_values(self.calibration, dict(sampled))
        keys = (SEED_STREAM["fit"], parameter_key(values))
        return run_targets(self.calibration, values, keys, self.names)


@dataclass(frozen=True)
class RelativeDistance:
    """sqrt(sum of weight x squared relative error) over the in-sample targets."""

    calibration: Calibration
    names: tuple[str, ...]

    def __call__(self, simulated: dict[str, float], observed: dict[str, float]) -> float:
        """The distance of one particle's statistics from the published figures."""
        targets = self.calibration.spec.targets
        total = sum(
            targets[name].weight * targets[name].miss(float(simulated[name])) ** 2
            for name in self.names
        )
        return math.sqrt(total)


def in_sample(calibration: Calibration) -> tuple[str, ...]:
    """Names of the fitted targets."""
    return tuple(n for n, t in calibration.spec.targets.items() if t.sample == "in")


def prior(calibration: Calibration):
    """Uniform priors on each range (on log10 of the value for log-scale parameters)."""
    pyabc = _import_pyabc()
    rvs = {}
    for name, parameter in calibration.spec.parameters.items():
        low, high = parameter.low, parameter.high
        if parameter.log_scale:
            low, high = math.log10(low), math.log10(high)
        rvs[name] = pyabc.RV("uniform", low, high - low)
    return pyabc.Distribution(**rvs)


def fingerprint(calibration: Calibration) -> dict[str, Any]:
    """What a resumed calibration must share with the one that wrote the database."""
    spec = calibration.spec
    return {
        "model_version": MODEL_VERSION,
        "scenario": calibration.scenario_data,
        "overrides": spec.calibration.overrides,
        "seed": spec.calibration.seed,
        "population_size": spec.calibration.abc.population_size,
        "parameters": {n: p.model_dump() for n, p in spec.parameters.items()},
        "targets": {n: t.model_dump() for n, t in spec.targets.items() if t.sample == "in"},
    }


@dataclass(frozen=True)
class Posterior:
    """The last generation's particles (scenario units) with weights, and the generations."""

    particles: pd.DataFrame  # one column per parameter, plus "weight"
    generations: pd.DataFrame  # t, epsilon, particles, samples
    simulations: int
    resumed_from: int  # generations already in the database at the start (0: a new run)
    sampling_seconds: float  # over every invocation that built the database


def sample_posterior(
    calibration: Calibration,
    directory: Path,
    executor: Executor,
    slots: int,
    fresh: bool = False,
    progress: bool = True,
) -> Posterior:
    """Run (or resume) ABC-SMC with its database in `directory` (progress: a line a generation)."""
    pyabc = _import_pyabc()
    for logger in ("ABC", "Sampler", "Epsilon", "Distance", "Acceptor", "History"):
        logging.getLogger(logger).setLevel(logging.WARNING)
    logging.getLogger("ABC").setLevel(logging.INFO if progress else logging.WARNING)
    settings = calibration.spec.calibration.abc
    directory.mkdir(parents=True, exist_ok=True)
    database, stamp = directory / DATABASE, directory / FINGERPRINT
    wanted = json.loads(json.dumps(fingerprint(calibration), default=str))
    if fresh:
        database.unlink(missing_ok=True)
        stamp.unlink(missing_ok=True)
    if database.exists():
        if not stamp.exists() or json.loads(stamp.read_text()) != wanted:
            raise ScenarioError(
                f"{database}: an ABC database from other settings (model version, scenario, "
                "parameters, in-sample targets or population size differ); pass --fresh to "
                "start again (the old database is deleted) or choose another --out"
            )
    names = in_sample(calibration)
    if isinstance(executor, InlineExecutor):
        sampler = pyabc.sampler.SingleCoreSampler()
    else:  # a pool or a cluster, even of one slot: the particles run where the runs run
        sampler = pyabc.sampler.ConcurrentFutureSampler(
            executor, client_max_jobs=max(2 * slots, 2), batch_size=1
        )
    abc = pyabc.ABCSMC(
        ParticleModel(calibration, names),
        prior(calibration),
        RelativeDistance(calibration, names),
        population_size=settings.population_size,
        sampler=sampler,
    )
    url = f"sqlite:///{database.resolve()}"
    done = 0
    if database.exists():
        run_id = max(pyabc.History(url).all_runs(), key=lambda run: run.id).id
        history = abc.load(url, run_id)
        done = history.max_t + 1
    else:
        stamp.write_text(json.dumps(wanted, indent=1))
        history = abc.new(url, {name: calibration.spec.targets[name].value for name in names})
    remaining = settings.max_generations - done
    started = time.perf_counter()
    if remaining > 0:
        history = abc.run(
            minimum_epsilon=settings.min_epsilon,
            max_nr_populations=remaining,
            max_walltime=timedelta(minutes=settings.max_walltime_minutes),
        )
    seconds = _add_sampling_time(directory, time.perf_counter() - started, fresh=done == 0)
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    particles = pd.DataFrame([natural_values(calibration, row) for row in frame.to_dict("records")])
    particles["weight"] = np.asarray(weights) / np.sum(weights)
    populations = history.get_all_populations()
    generations = populations.loc[populations["t"] >= 0, ["t", "epsilon", "samples"]].copy()
    generations["particles"] = [
        int(history.get_nr_particles_per_population().get(t, 0)) for t in generations["t"]
    ]
    return Posterior(
        particles=particles.reset_index(drop=True),
        generations=generations.reset_index(drop=True),
        simulations=int(history.total_nr_simulations),
        resumed_from=done,
        sampling_seconds=seconds,
    )


def _add_sampling_time(directory: Path, seconds: float, fresh: bool) -> float:
    """Sampling time over every invocation that built this database (seconds)."""
    path = directory / "sampling_seconds.json"
    before = 0.0 if fresh or not path.exists() else float(json.loads(path.read_text()))
    path.write_text(json.dumps(before + seconds))
    return before + seconds


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, q: list[float]) -> np.ndarray:
    """Quantiles of a weighted sample (inverse of the weighted empirical CDF)."""
    return np.quantile(values, q, weights=weights, method="inverted_cdf")


def posterior_median(calibration: Calibration, posterior: Posterior) -> dict[str, float]:
    """Each parameter's weighted marginal median."""
    weights = posterior.particles["weight"].to_numpy()
    return {
        name: float(weighted_quantiles(posterior.particles[name].to_numpy(), weights, [0.5])[0])
        for name in calibration.spec.parameters
    }


def summarise_posterior(
    calibration: Calibration, posterior: Posterior, interval: float
) -> pd.DataFrame:
    """Per parameter: prior range, posterior median and interval, and how much it narrowed.

    `narrowing` is 1 - (posterior interval width / prior's same-mass width), both measured
    on the sampling scale (log10 for log-scale parameters): near 0 means the data do not pin
    the parameter down, near 1 that they do.
    """
    weights = posterior.particles["weight"].to_numpy()
    tail = (1.0 - interval) / 2
    rows = []
    for name, parameter in calibration.spec.parameters.items():
        values = posterior.particles[name].to_numpy()
        low, median, high = weighted_quantiles(values, weights, [tail, 0.5, 1 - tail])
        scale = np.log10 if parameter.log_scale else (lambda x: x)
        width = float(scale(high) - scale(low))
        prior_width = float(scale(parameter.high) - scale(parameter.low)) * interval
        rows.append(
            {
                "parameter": name,
                "key": parameter.key,
                "prior_low": parameter.low,
                "prior_high": parameter.high,
                "prior": "log-uniform" if parameter.log_scale else "uniform",
                "median": float(median),
                "low": float(low),
                "high": float(high),
                "narrowing": 1.0 - width / prior_width,
                "description": parameter.description,
            }
        )
    return pd.DataFrame(rows)


def _run_all(
    executor: Executor,
    tasks: list[tuple[dict[str, float], tuple[int, ...], dict[str, Any]]],
    calibration: Calibration,
    names: tuple[str, ...],
    label: str,
    progress: bool,
) -> list[dict[str, float]]:
    """Run tasks on the executor, results in task order, with a progress bar."""
    from tqdm.auto import tqdm

    futures = [
        executor.submit(run_targets, calibration, values, keys, names, overrides)
        for values, keys, overrides in tasks
    ]
    results = []
    for future in tqdm(futures, desc=label, unit="run", disable=not progress):
        results.append(future.result())
    return results


def predictive(
    calibration: Calibration,
    posterior: Posterior,
    executor: Executor,
    progress: bool = True,
) -> pd.DataFrame:
    """Posterior predictive runs: rows draw x target, with the draw's parameter values."""
    settings = calibration.spec.calibration
    rng = np.random.default_rng([settings.seed, SEED_STREAM["predictive"]])
    particles = posterior.particles
    chosen = rng.choice(
        len(particles), size=settings.abc.predictive_draws, p=particles["weight"].to_numpy()
    )
    names = tuple(calibration.spec.targets)
    draws = [
        {name: float(particles.iloc[i][name]) for name in calibration.spec.parameters}
        for i in chosen
    ]
    tasks = [(values, (SEED_STREAM["predictive"], k), {}) for k, values in enumerate(draws)]
    results = _run_all(executor, tasks, calibration, names, "predictive", progress)
    rows = [
        {"draw": k, "target": name, "simulated": value, **draws[k]}
        for k, result in enumerate(results)
        for name, value in result.items()
    ]
    return pd.DataFrame(rows)


def seed_runs(
    calibration: Calibration, median: dict[str, float], executor: Executor, progress: bool = True
) -> pd.DataFrame:
    """The posterior median at fresh seeds: rows seed x target."""
    names = tuple(calibration.spec.targets)
    count = calibration.spec.calibration.abc.fresh_seeds
    tasks = [(median, (SEED_STREAM["seeds"], r), {}) for r in range(count)]
    results = _run_all(executor, tasks, calibration, names, "fresh seeds", progress)
    return pd.DataFrame(
        [
            {"seed": r, "target": name, "simulated": value}
            for r, result in enumerate(results)
            for name, value in result.items()
        ]
    )


def scale_runs(
    calibration: Calibration, median: dict[str, float], executor: Executor, progress: bool = True
) -> pd.DataFrame:
    """The posterior median at the fitted size and `scale_factor` times it: rows size x seed."""
    abc = calibration.spec.calibration.abc
    citizens = calibration.scenario(median).population.citizens
    names = tuple(calibration.spec.targets)
    tasks = []
    for factor in (1, abc.scale_factor):
        for r in range(abc.scale_seeds):
            overrides = {"population.citizens": citizens * factor}
            tasks.append((median, (SEED_STREAM["scale"], r), overrides))
    results = _run_all(executor, tasks, calibration, names, "population size", progress)
    rows = []
    for (_, keys, overrides), result in zip(tasks, results, strict=True):
        for name, value in result.items():
            rows.append(
                {
                    "citizens": overrides["population.citizens"],
                    "seed": keys[1],
                    "target": name,
                    "simulated": value,
                }
            )
    return pd.DataFrame(rows)


def target_table(
    calibration: Calibration,
    predicted: pd.DataFrame,
    seeds: pd.DataFrame,
    interval: float,
) -> pd.DataFrame:
    """Per target: observed, predictive median and interval, inside or not, seed errors."""
    tail = (1.0 - interval) / 2
    rows = []
    for name, target in calibration.spec.targets.items():
        values = predicted.loc[predicted["target"] == name, "simulated"].to_numpy()
        low, median, high = np.quantile(values, [tail, 0.5, 1 - tail])
        at_seeds = seeds.loc[seeds["target"] == name, "simulated"].to_numpy()
        errors = (at_seeds - target.value) / target.value
        if target.bound == "at_least":
            inside = bool(high >= target.value)
        elif target.bound == "at_most":
            inside = bool(low <= target.value)
        else:
            inside = bool(low <= target.value <= high)
        rows.append(
            {
                "target": name,
                "unit": target.unit,
                "sample": {"in": "in-sample", "out": "out-of-sample", "check": "check"}[
                    target.sample
                ],
                "bound": target.bound,
                "observed": target.value,
                "predicted_median": float(median),
                "interval_low": float(low),
                "interval_high": float(high),
                "inside": inside,
                "median_error": float((median - target.value) / target.value),
                "seed_error_mean": float(errors.mean()),
                "seed_error_low": float(errors.min()),
                "seed_error_high": float(errors.max()),
                "source": target.source,
            }
        )
    return pd.DataFrame(rows)


def scale_table(calibration: Calibration, scaled: pd.DataFrame) -> pd.DataFrame:
    """Per target: mean at each size, the difference and its standard error (seed noise)."""
    rows = []
    sizes = sorted(scaled["citizens"].unique())
    small, large = sizes[0], sizes[-1]
    for name in calibration.spec.targets:
        a = scaled.loc[(scaled["target"] == name) & (scaled["citizens"] == small), "simulated"]
        b = scaled.loc[(scaled["target"] == name) & (scaled["citizens"] == large), "simulated"]
        difference = float(b.mean() - a.mean())
        error = float(math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b)))
        rows.append(
            {
                "target": name,
                "citizens_fitted": int(small),
                "citizens_larger": int(large),
                "mean_fitted": float(a.mean()),
                "mean_larger": float(b.mean()),
                "difference": difference,
                "standard_error": error,
                "within_noise": bool(abs(difference) <= 2 * error)
                if error > 0
                else difference == 0,
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class BayesianResult:
    """Everything a Bayesian calibration produces."""

    posterior: Posterior
    parameters: pd.DataFrame
    median: dict[str, float]
    predicted: pd.DataFrame
    seeds: pd.DataFrame
    scaled: pd.DataFrame
    table: pd.DataFrame
    scale: pd.DataFrame
    seconds: float


def calibrate_bayesian(
    calibration: Calibration,
    directory: Path,
    executor: Executor,
    slots: int,
    progress: bool = True,
    fresh: bool = False,
) -> BayesianResult:
    """Sample the posterior (or resume), then the predictive, seed and size checks."""
    started = time.perf_counter()
    abc = calibration.spec.calibration.abc
    posterior = sample_posterior(calibration, directory, executor, slots, fresh, progress)
    median = posterior_median(calibration, posterior)
    predicted = predictive(calibration, posterior, executor, progress)
    seeds = seed_runs(calibration, median, executor, progress)
    scaled = scale_runs(calibration, median, executor, progress)
    return BayesianResult(
        posterior=posterior,
        parameters=summarise_posterior(calibration, posterior, abc.interval),
        median=median,
        predicted=predicted,
        seeds=seeds,
        scaled=scaled,
        table=target_table(calibration, predicted, seeds, abc.interval),
        scale=scale_table(calibration, scaled),
        seconds=time.perf_counter() - started,
    )


def write_bayesian_outputs(
    calibration: Calibration, result: BayesianResult, directory: Path, cores: str
) -> Path:
    """Write the posterior, the checks, the tables and a manifest beside the ABC database."""
    directory.mkdir(parents=True, exist_ok=True)
    tables = {
        "posterior.parquet": result.posterior.particles,
        "generations.parquet": result.posterior.generations,
        "parameters.parquet": result.parameters,
        "predictive.parquet": result.predicted,
        "seeds.parquet": result.seeds,
        "scale.parquet": result.scaled,
        "calibration.parquet": result.table,
        "scale_check.parquet": result.scale,
    }
    for name, frame in tables.items():
        partial = directory / f".{name}.partial"
        frame.to_parquet(partial, index=False)
        partial.replace(directory / name)
    settings = calibration.spec.calibration
    manifest = {
        "calibration": str(calibration.path),
        "scenario": str(calibration.scenario_path),
        "model_version": MODEL_VERSION,
        "method": "abc-smc (pyabc)",
        "settings": settings.model_dump(),
        "posterior_median": result.median,
        "simulations": result.posterior.simulations,
        "generations": len(result.posterior.generations),
        "final_epsilon": float(result.posterior.generations["epsilon"].iloc[-1]),
        "resumed_from_generation": result.posterior.resumed_from,
        "sampling_seconds": result.posterior.sampling_seconds,
        "total_seconds": result.seconds,
        "executor": cores,
    }
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=1, default=str))
    return directory
