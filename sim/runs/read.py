"""The reading side of the results store: a run's manifest and a sweep run's record."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from sim.runs import layout


def read_manifest(run_dir: Path) -> dict[str, Any]:
    """The manifest of a finished run."""
    return json.loads((Path(run_dir) / layout.MANIFEST).read_text())


def read_record(run_dir: Path) -> dict[str, Any] | None:
    """A sweep run's stored summary row, or None if the run has not finished."""
    try:
        return json.loads((Path(run_dir) / layout.RUN_RECORD).read_text())
    except (FileNotFoundError, NotADirectoryError, json.JSONDecodeError):
        return None


def read_timeseries(run_dir: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """A finished run's time series (one row per month), optionally only some columns."""
    return pd.read_parquet(Path(run_dir) / layout.TIMESERIES, columns=columns)


def read_agents(run_dir: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """A finished run's final agent states (one row per agent), optionally only some columns."""
    return pd.read_parquet(Path(run_dir) / layout.AGENTS, columns=columns)
