"""Results store: one directory per run, written atomically.

`<out>/<run-id>/` holds `timeseries.parquet` (one row per step), `agents.parquet` (final
state of every agent), `manifest.json`, and on request `list_spells.parquet` (every
membership of the agencies' lists over the run). Everything is written into a hidden temporary
directory beside it and renamed into place at the end, so a run that fails leaves nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.model.events import SCORE_TRIGGER
from sim.model.population import AGENT_ARRAYS, LISTING_CAUSES, AgentArray, Population
from sim.runs import layout

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    import pandas as pd

    from sim.model.rules import RuleTables

PACKAGES = ("creditsim", "mesa", "numpy", "scipy", "pandas", "pyarrow", "pydantic")


def package_versions() -> dict[str, str]:
    """Versions of the packages a run depends on (looked up once per process)."""
    return dict(_package_versions())


@lru_cache(maxsize=1)
def _package_versions() -> tuple[tuple[str, str], ...]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return tuple(versions.items())


def _encoded(array: AgentArray, values: np.ndarray, city_names: tuple[str, ...]) -> Any:
    """One agents.parquet column from a population's array (see AgentArray.encoding)."""
    if array.encoding == "city":
        return pa.DictionaryArray.from_arrays(values.astype(np.int32), pa.array(city_names))
    if array.encoding == "cause":
        return pa.DictionaryArray.from_arrays(values.astype(np.int32), pa.array(LISTING_CAUSES))
    if array.encoding == "mean":
        return values.mean(axis=1) if values.shape[1] else np.zeros(values.shape[0], np.float32)
    if array.encoding == "one_based":
        return values + 1
    return values


def agents_table(population: Population, city_names: tuple[str, ...]) -> pa.Table:
    """Final state of every agent of one population as an Arrow table (AGENT_ARRAYS order)."""
    columns: dict[str, Any] = {
        "kind": pa.array(np.full(population.size, population.actor)),
        "row": np.arange(population.size),
    }
    for array in AGENT_ARRAYS:
        if array.column is None:
            continue
        if array.kinds and population.actor not in array.kinds:
            columns[array.column] = np.full(population.size, array.absent, dtype=array.column_dtype)
        else:
            values = _encoded(array, getattr(population, array.name), city_names)
            if array.written is not None:
                values = values.astype(array.written)
            columns[array.column] = values
    return pa.table(columns)


SPELL_COLUMNS = (
    ("kind", "The actor kind: `citizen` or `firm`.", "string"),
    ("row", "The agent's row in its population (as in agents.parquet).", "int64"),
    ("list", "The list (a name of `[lists.*]`).", "string"),
    ("listing_city", "The city that made the listing.", "string"),
    ("behaviour", "The behaviour that triggered it, or `score` (a score threshold).", "string"),
    ("cause", "`chosen`, `involuntary` or `false_record` (as `listing_cause`).", "string"),
    ("start_month", "Month the listing began (0-based).", "int32"),
    ("end_month", "Month it ended, or the run's length if it is still in force.", "int32"),
    ("months", "end_month - start_month: months on the list.", "int32"),
    (
        "ended",
        "How it ended: `expired`, `paid`, `repaired`, `corrected`, `not_clean` (a red "
        "list left on blacklisting), `no_longer_eligible` (a red list by score), or `listed` "
        "(still in force at the end).",
        "string",
    ),
    ("reoffences", "Re-offences recorded while listed (each extends the listing).", "int16"),
)


def spells_table(population: Population, rules: RuleTables, steps: int) -> pa.Table:
    """Every list spell of one population over the run, ended or still in force."""
    parts = [*population.spells.log, population.spells.open_log(steps)]
    merged = {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
    behaviour_names = np.array([*rules.behaviour_names, "score", "wrong_record"])
    behaviour = merged["behaviour"].astype(np.int64)
    behaviour = np.where(behaviour == SCORE_TRIGGER, len(rules.behaviour_names), behaviour)
    behaviour = np.where(behaviour < 0, len(rules.behaviour_names) + 1, behaviour)
    return pa.table(
        {
            "kind": pa.array(np.full(merged["agent"].size, population.actor)),
            "row": merged["agent"],
            "list": np.array(rules.lists.names, dtype=object)[merged["list"].astype(np.int64)]
            if rules.lists.size
            else np.empty(0, dtype=object),
            "listing_city": np.array(rules.city_names, dtype=object)[
                merged["city"].astype(np.int64)
            ],
            "behaviour": behaviour_names[behaviour],
            "cause": np.array(LISTING_CAUSES)[merged["cause"].astype(np.int64)],
            "start_month": merged["start"].astype(np.int32),
            "end_month": merged["end"].astype(np.int32),
            "months": (merged["end"] - merged["start"]).astype(np.int32),
            "ended": merged["how"].astype(str),
            "reoffences": merged["level"].astype(np.int16),
        }
    )


def spells_reference() -> str:
    """The list_spells.parquet column table of docs/output.md."""
    rows = [f"| `{name}` | {meaning} | {unit} |" for name, meaning, unit in SPELL_COLUMNS]
    return "\n".join(["| column | meaning | type / unit |", "|---|---|---|", *rows]) + "\n"


def write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """Write one file through a hidden staging file beside it, then replace it whole.

    `write` gets the staging path; a reader never sees a half-written file, and a killed
    writer leaves only the hidden `.<name>.<pid>.tmp` that a sweep's cleanup removes.
    """
    path = Path(path)
    staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(staging)
        os.replace(staging, path)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise


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


RUN_KEYS = (
    ("run_id", "The run's directory name (sweeps: [design-]p<point>-r<replicate>).", "string"),
    ("experiment", "The experiment's name; empty for a lone `creditsim run`.", "string"),
    ("design", "The design of a compare experiment; empty otherwise.", "string"),
    ("point", "The design point of a sweep (0-based); -1 for a lone run.", "int64"),
    ("replicate", "The replicate of the point (0-based); -1 for a lone run.", "int64"),
    ("seed", "The master seed of the run.", "int64"),
)


def lone_run_keys(run_id: str, seed: int) -> dict[str, Any]:
    """The run keys of a run outside any experiment."""
    return {
        "run_id": run_id,
        "experiment": "",
        "design": "",
        "point": -1,
        "replicate": -1,
        "seed": seed,
    }


def keyed(timeseries: pd.DataFrame, run_keys: dict[str, Any]) -> pa.Table:
    """The time series with the run's keys as its first columns (one value per row)."""
    table = pa.Table.from_pandas(timeseries, preserve_index=False)
    for position, (name, _, kind) in enumerate(RUN_KEYS):
        value = run_keys[name]
        column = pa.array(
            [value] * table.num_rows, type=pa.string() if kind == "string" else pa.int64()
        )
        table = table.add_column(position, name, column)
    return table


def write_run(
    run_dir: Path,
    timeseries: pd.DataFrame,
    agents: pa.Table,
    manifest: dict[str, Any],
    extra: Callable[[Path], None] | None = None,
    spells: pa.Table | None = None,
    run_keys: dict[str, Any] | None = None,
) -> Path:
    """Write a run's files atomically into `run_dir` (replacing an older one).

    Every time-series row on disk carries the run's keys (RUN_KEYS; a lone run's when
    `run_keys` is not given), so a glob over a sweep keeps which run each row came from.
    """
    keys = run_keys or lone_run_keys(Path(run_dir).name, int(manifest.get("seed", 0)))
    with atomic_directory(run_dir) as staging:
        pq.write_table(keyed(timeseries, keys), staging / layout.TIMESERIES)
        pq.write_table(agents, staging / layout.AGENTS)
        if spells is not None:
            pq.write_table(spells, staging / layout.SPELLS)
        if extra is not None:
            extra(staging)
        (staging / layout.MANIFEST).write_text(json.dumps(manifest, indent=2, default=str))
    return Path(run_dir)


AGENTS_KEY_ROWS = (
    ("kind", "The actor kind: `citizen` or `firm`.", "string"),
    (
        "row",
        "The agent's row in its population (index of its arrays; `model.citizen(row)` / "
        "`model.firm(row)` views it).",
        "int64",
    ),
)


def agents_reference() -> str:
    """The agents.parquet table of docs/output.md, rendered from AGENT_ARRAYS."""
    rows = list(AGENTS_KEY_ROWS)
    rows += [(a.column, a.meaning, a.unit) for a in AGENT_ARRAYS if a.column is not None]
    lines = ["| column | meaning | type / unit |", "|---|---|---|"]
    lines += [f"| `{column}` | {meaning} | {unit} |" for column, meaning, unit in rows]
    return "\n".join(lines) + "\n"
