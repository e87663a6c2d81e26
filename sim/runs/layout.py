"""The results layout: the one place a result file's name is spelled.

<out>/<run-id>/                 one run: TIMESERIES, AGENTS, MANIFEST (and RUN_RECORD in sweeps;
                                SPELLS on request)
<out>/<experiment>/             one experiment: SUMMARY, EXPERIMENT_COPY, COMPARISON or
SENSITIVITY or SCREENING or DISCOVERY_* or FRONT (EVALUATIONS, ROBUSTNESS), REPORT, and one
                                run directory per run
<out>/<calibration>/            CALIBRATION_TABLE, CALIBRATION_HISTORY, CALIBRATION_FITTED
"""

from __future__ import annotations

import hashlib
import re

NAME_LIMIT = 64  # characters of a user's name kept in a path component

TIMESERIES = "timeseries.parquet"
AGENTS = "agents.parquet"
SPELLS = "list_spells.parquet"  # on request: every spell on the agencies' lists
MANIFEST = "manifest.json"
RUN_RECORD = "summary.json"
SUMMARY = "summary.parquet"
EXPERIMENT_COPY = "experiment.json"
COMPARISON = "comparison.parquet"
SENSITIVITY = "sensitivity.parquet"
SENSITIVITY_PAIRS = "sensitivity_second_order.parquet"
SCREENING = "screening.parquet"  # Morris mu*, sigma
DISCOVERY_TRAJECTORY = "discovery_trajectory.parquet"  # PRIM: coverage, density per box
DISCOVERY_BOX = "discovery_box.parquet"  # PRIM: the chosen box's limits, quasi-p-values
DISCOVERY_FACTS = "discovery.json"  # the cases of interest and the chosen box, in numbers
FRONT = "front.parquet"  # design search: the non-dominated candidates
EVALUATIONS = "evaluations.parquet"  # design search: every candidate's objectives
ROBUSTNESS = "robustness.parquet"  # design search: front designs across the uncertainties
REPORT = "report.html"
CHARTS = "charts"
CALIBRATION_TABLE = "calibration.parquet"
CALIBRATION_HISTORY = "history.parquet"
CALIBRATION_FITTED = "fitted.parquet"
LOCK = ".sweep.lock"  # held while a sweep writes the directory (runs.lock)


def path_name(text: str, fallback: str = "run") -> str:
    """A user's name as one safe path component, at most NAME_LIMIT characters.

    No separators or leading dots; a longer name keeps its start and a hash of the whole, so
    "File name too long" never reaches a user.
    """
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", text).lstrip(".") or fallback
    if len(name) <= NAME_LIMIT:
        return name
    digest = hashlib.sha256(text.encode()).hexdigest()[:10]
    return f"{name[: NAME_LIMIT - 11]}-{digest}"
