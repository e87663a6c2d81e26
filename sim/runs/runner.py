"""Running a scenario: the Python API behind `creditsim run`.

from sim import load_scenario, simulate
result = simulate(load_scenario("scenarios/hangzhou.toml", {"population.citizens": 5000}))
result.timeseries            # pandas DataFrame, one row per step
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from tqdm.auto import tqdm

from sim.errors import ScenarioError
from sim.model.model import CreditModel
from sim.model.version import MODEL_VERSION
from sim.runs import layout
from sim.runs.store import agents_table, package_versions, spells_table, write_run
from sim.seeding import make_generator

if TYPE_CHECKING:
    import pandas as pd

    from sim.scenario.schema import Scenario


@dataclass
class RunResult:
    """A finished simulation in memory."""

    model: CreditModel
    seed: int
    keys: tuple[int, ...]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def timeseries(self) -> pd.DataFrame:
        """One row per step (see docs/output.md)."""
        return self.model.timeseries()

    def spells(self) -> pa.Table:
        """Every spell on the agencies' lists (run with `spells=True` for the ended ones)."""
        rules, steps = self.model.rules, self.model.config.simulation.steps
        return pa.concat_tables(
            [
                spells_table(population, rules, steps)
                for population in self.model.populations.values()
            ]
        )

    def save(self, out: str | Path = "results", spells: bool = False) -> Path:
        """Write this run to `<out>/<run-id>/` as `creditsim run` does; returns the directory.

        The same files as `run_to_disk` (time series, agents, manifest; with `spells` the spell
        log of the lists, complete only if simulated with `spells=True`), written atomically.
        """
        return save_result(self, Path(out), spells=spells)

    def agents(self) -> pa.Table:
        """Final state of every agent, kind by kind (citizens first, then firms)."""
        rules = self.model.rules
        return pa.concat_tables(
            [
                agents_table(population, rules.city_names)
                for population in self.model.populations.values()
            ]
        )


def simulate(
    scenario: Scenario,
    seed: int | None = None,
    keys: tuple[int, ...] = (),
    progress: bool = False,
    spells: bool = False,
) -> RunResult:
    """Build the model from a seed (and design/replicate keys) and run every step.

    With `spells`, every list spell is logged as it ends (`RunResult.spells()`).
    """
    seed = scenario.simulation.seed if seed is None else seed
    started = time.perf_counter()
    model = CreditModel(scenario, rng=make_generator(seed, *keys), log_spells=spells)
    built = time.perf_counter()
    steps = range(scenario.simulation.steps)
    for _ in tqdm(
        steps,
        desc=scenario.simulation.name,
        unit="step",
        disable=not progress,
        file=sys.stderr,
        leave=False,
    ):
        model.step()
    finished = time.perf_counter()
    timings = {"setup_seconds": built - started, "run_seconds": finished - built}
    return RunResult(model=model, seed=seed, keys=tuple(keys), timings=timings)


def run_id(scenario: Scenario, seed: int, keys: tuple[int, ...] = ()) -> str:
    """Deterministic run directory name: scenario name, seed, keys and scenario hash."""
    key_text = "".join(f"-k{k}" for k in keys)
    name = layout.path_name(scenario.simulation.name)
    return f"{name}-s{seed}{key_text}-{scenario.digest()[:10]}"


def manifest(result: RunResult, identifier: str, extra: dict[str, Any] | None = None) -> dict:
    """What a run needs to be reproduced: scenario as run, hash, seeds, versions, timings."""
    scenario = result.model.config
    return {
        "run_id": identifier,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "model_version": MODEL_VERSION,
        "seed": result.seed,
        "seed_keys": list(result.keys),
        "scenario_sha256": scenario.digest(),
        "scenario": scenario.model_dump(mode="json"),
        "steps": scenario.simulation.steps,
        "citizens": result.model.citizens.size,
        "firms": result.model.firms.size,
        "python": sys.version.split()[0],
        "packages": package_versions(),
        "timings": result.timings,
        **(extra or {}),
    }


def run_to_disk(
    scenario: Scenario,
    out: Path,
    seed: int | None = None,
    keys: tuple[int, ...] = (),
    progress: bool = False,
    extra_manifest: dict[str, Any] | None = None,
    spells: bool = False,
    run_keys: dict[str, Any] | None = None,
) -> Path:
    """Simulate and write `<out>/<run-id>/` atomically; returns the run directory.

    With `spells`, the run directory also gets list_spells.parquet (docs/output.md);
    `run_keys` (experiment, design, point, replicate, seed) label its time-series rows
    (default: a lone run's).

    Raises:
        ScenarioError: the results could not be written (nothing half-written is left).
    """
    result = simulate(scenario, seed=seed, keys=keys, progress=progress, spells=spells)
    return save_result(result, out, extra_manifest, spells=spells, run_keys=run_keys)


def save_result(
    result: RunResult,
    out: Path,
    extra_manifest: dict[str, Any] | None = None,
    spells: bool = False,
    run_keys: dict[str, Any] | None = None,
) -> Path:
    """Write a finished simulation to `<out>/<run-id>/` atomically (see `run_to_disk`)."""
    scenario = result.model.config
    identifier = run_id(scenario, result.seed, result.keys)
    started = time.perf_counter()
    timeseries = result.timeseries
    agents = result.agents()
    result.timings["collect_seconds"] = time.perf_counter() - started
    try:
        return write_run(
            Path(out) / identifier,
            timeseries,
            agents,
            manifest(result, identifier, extra_manifest),
            spells=result.spells() if spells else None,
            run_keys=None if run_keys is None else {**run_keys, "run_id": identifier},
        )
    except OSError as error:
        raise ScenarioError(
            f"--out {out}: cannot write the run ({error.strerror or error}); nothing was kept"
        ) from None
