"""Results store: one directory per run, written atomically.

`<out>/<run-id>/` holds `timeseries.parquet` (one row per step), `agents.parquet` (final
state of every agent) and `manifest.json`. Everything is written into a hidden temporary
directory beside it and renamed into place at the end, so a run that fails leaves nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.model.population import LISTING_CAUSES, Population

PACKAGES = ("creditsim", "mesa", "numpy", "scipy", "pandas", "pyarrow", "pydantic")


def package_versions() -> dict[str, str]:
    """Versions of the packages a run depends on."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def agents_table(population: Population, city_names: tuple[str, ...]) -> pa.Table:
    """Final state of every agent of one population as an Arrow table."""
    columns: dict[str, Any] = {
        "kind": pa.array(np.full(population.size, population.actor)),
        "row": np.arange(population.size),
        "city": pa.DictionaryArray.from_arrays(
            population.city.astype(np.int32), pa.array(city_names)
        ),
        "income_yuan": population.income,
        "score": population.score,
        "blacklisted": population.blacklisted,
        "listing_permanent": population.listing_permanent,
        "listing_cause": pa.DictionaryArray.from_arrays(
            population.listing_cause.astype(np.int32), pa.array(LISTING_CAUSES)
        ),
        "times_listed": population.times_listed,
        "months_listed": population.months_listed,
        "redlisted": population.redlisted,
        "rewards_yuan": population.rewards_yuan,
        "sanction_cost_yuan": population.sanction_cost_yuan,
        "fines_yuan": population.fines_yuan,
        "perceived_detection": population.perceived_detection.mean(axis=1)
        if population.perceived_detection.shape[1]
        else np.zeros(population.size, dtype=np.float32),
        "debtor": population.debtor,
        "income_quintile": getattr(population, "income_quintile", None),
        "employer": getattr(population, "employer", None),
    }
    if columns["income_quintile"] is None:
        columns["income_quintile"] = np.zeros(population.size, dtype=np.int64)
        columns["employer"] = np.full(population.size, -1, dtype=np.int64)
    else:
        columns["income_quintile"] = columns["income_quintile"] + 1
    return pa.table(columns)


@contextmanager
def atomic_directory(final: Path) -> Iterator[Path]:
    """Yield a hidden staging directory beside `final`; on success it replaces `final` whole.

    On any error (or interrupt) the staging directory is removed and `final` is untouched.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
    staging.chmod(0o755)
    try:
        yield staging
        if final.exists():
            retired = final.with_name(f".{final.name}.old-{os.getpid()}")
            os.replace(final, retired)
            os.replace(staging, final)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def write_run(
    run_dir: Path,
    timeseries: pd.DataFrame,
    agents: pa.Table,
    manifest: dict[str, Any],
    extra: Callable[[Path], None] | None = None,
) -> Path:
    """Write a run's files atomically into `run_dir` (replacing an older one)."""
    with atomic_directory(run_dir) as staging:
        pq.write_table(
            pa.Table.from_pandas(timeseries, preserve_index=False), staging / "timeseries.parquet"
        )
        pq.write_table(agents, staging / "agents.parquet")
        if extra is not None:
            extra(staging)
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
    return Path(run_dir)


def read_manifest(run_dir: Path) -> dict[str, Any]:
    """The manifest of a finished run."""
    return json.loads((Path(run_dir) / "manifest.json").read_text())
