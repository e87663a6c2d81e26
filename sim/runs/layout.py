"""The results layout: the one place a result file's name is spelled.

<out>/<run-id>/                 one run: TIMESERIES, AGENTS, MANIFEST (and RUN_RECORD in sweeps)
<out>/<experiment>/             one experiment: SUMMARY, EXPERIMENT_COPY, COMPARISON or
SENSITIVITY, REPORT, and one run directory per run
<out>/<calibration>/            CALIBRATION_TABLE, CALIBRATION_HISTORY, CALIBRATION_FITTED
"""

from __future__ import annotations

TIMESERIES = "timeseries.parquet"
AGENTS = "agents.parquet"
MANIFEST = "manifest.json"
RUN_RECORD = "summary.json"
SUMMARY = "summary.parquet"
EXPERIMENT_COPY = "experiment.json"
COMPARISON = "comparison.parquet"
SENSITIVITY = "sensitivity.parquet"
REPORT = "report.html"
CHARTS = "charts"
CALIBRATION_TABLE = "calibration.parquet"
CALIBRATION_HISTORY = "history.parquet"
CALIBRATION_FITTED = "fitted.parquet"
