"""The reading side of the results store: a run's manifest and a sweep run's record."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

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


OLD_QUINTILE = re.compile(r"^(.+?)_q([1-5])$")
OLD_DOTTED = re.compile(r"^(opportunities|acts|act_rate|band_share)\.(.+)$")


def renamed_column(name: str) -> str:
    """A time-series column's name since model 1.11 (one separator, `__`), given any name.

    `compliance_rate_q1` -> `compliance_rate__q1`, `act_rate.debt_default` ->
    `act_rate__debt_default`; a current name is returned as it is.
    """
    dotted = OLD_DOTTED.match(name)
    if dotted:
        return f"{dotted.group(1)}__{dotted.group(2)}"
    quintile = OLD_QUINTILE.match(name)
    if quintile and not quintile.group(1).endswith("_"):
        return f"{quintile.group(1)}__q{quintile.group(2)}"
    return name


def read_timeseries(run_dir: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """A finished run's time series (one row per month), optionally only some columns.

    A run written before model 1.11 is read with the current column names.
    """
    path = Path(run_dir) / layout.TIMESERIES
    mapping = {
        old: new for old in pq.read_schema(path).names if (new := renamed_column(old)) != old
    }
    if columns is not None and mapping:
        back = {new: old for old, new in mapping.items()}
        columns = [back.get(column, column) for column in columns]
    frame = pd.read_parquet(path, columns=columns)
    return frame.rename(columns=mapping) if mapping else frame


def read_agents(run_dir: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """A finished run's final agent states (one row per agent), optionally only some columns."""
    return pd.read_parquet(Path(run_dir) / layout.AGENTS, columns=columns)
