"""Reports: a self-contained HTML page of charts (and PNG/SVG files) for a run or an experiment.

    from sim.outputs.report import write_report
    written = write_report("results/deterrence", formats=("html", "png"))

The report detects what a directory holds: a run (`manifest.json`) or an experiment
(`summary.parquet`, optionally `comparison.parquet` and `sensitivity.parquet`), and draws the
charts that apply. The HTML embeds plotly.js, so it opens offline. Images go through kaleido,
which drives the system Chromium; it never downloads a browser.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from sim.errors import ScenarioError
from sim.outputs import charts, labels
from sim.outputs.analysis_text import box_rows, front_rows
from sim.outputs.comparison_text import comparison_rows
from sim.outputs.document import Chart, Report, Table, WrittenReport
from sim.outputs.html import render_html
from sim.outputs.images import NO_BROWSER_HINT, export_images, parse_formats
from sim.outputs.summaries import (
    experiment_summary,
    headline_outcomes,
    plain_name,
    run_summary,
    shares,
)
from sim.runs import layout
from sim.runs.read import read_agents, read_timeseries

MAX_GROUPS_OVER_TIME = 6
AGENT_COLUMNS = ["kind", "income_quintile", "blacklisted", "listing_cause", "rewards_yuan"]


# --- Reading results -------------------------------------------------------------------------


def results_kind(path: Path) -> str:
    """What a results directory holds: "run" or "experiment" (ScenarioError if neither)."""
    path = Path(path)
    if not path.exists():
        raise ScenarioError(f"{path}: no such directory")
    if not path.is_dir():
        raise ScenarioError(f"{path}: not a directory; give a run or experiment results directory")
    if (path / layout.SUMMARY).is_file():
        return "experiment"
    if (path / layout.MANIFEST).is_file():
        return "run"
    raise ScenarioError(
        f"{path}: no manifest.json (a run) or summary.parquet (an experiment) found; "
        "give a directory written by `creditsim run`, `sweep`, `compare` or `sensitivity`"
    )


def _timeseries_columns(path: Path) -> list[str]:
    names = pq.read_schema(path).names
    wanted = set(charts.TIME_SERIES) | {
        "step",
        "involuntary_blacklisted_share",
        "false_positive_blacklisted_share",
        "blacklisted_people",
        "flight_banned",
        "train_banned",
    }
    return [n for n in names if n in wanted or "__" in n]


def read_runs(
    run_dirs: Iterable[Path], designs: Sequence[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stacked time series and per-quintile agent tables of runs, tagged with run and design.

    Agent tables are reduced run by run (`charts.quintile_table`), so memory stays small.
    """
    run_dirs = list(run_dirs)
    designs = list(designs) if designs is not None else [""] * len(run_dirs)
    series, quintiles = [], []
    for run_dir, design in zip(run_dirs, designs, strict=True):
        columns = _timeseries_columns(run_dir / layout.TIMESERIES)
        frame = read_timeseries(run_dir, columns)
        series.append(frame.assign(run_id=run_dir.name, design=design))
        agents = read_agents(run_dir, AGENT_COLUMNS)
        agents = agents.assign(run_id=run_dir.name, design=design)
        quintiles.append(charts.quintile_table(agents))
    return pd.concat(series, ignore_index=True), pd.concat(quintiles, ignore_index=True)


def _read_optional(path: Path) -> pd.DataFrame | None:
    return pd.read_parquet(path) if path.is_file() else None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


# --- Building reports ------------------------------------------------------------------------


def run_report(run_dir: Path) -> Report:
    """The report of one run: time series, cities, income quintiles (and lists, if any)."""
    run_dir = Path(run_dir)
    manifest = _read_json(run_dir / layout.MANIFEST)
    timeseries, quintiles = read_runs([run_dir])
    report = Report(
        title=f"Run {manifest.get('run_id', run_dir.name)}",
        source=run_dir,
        summary=run_summary(manifest, timeseries, quintiles),
    )
    report.charts.append(Chart("over_time", charts.compliance_over_time(timeseries)))
    if len(charts.city_names(timeseries)) > 1:
        report.charts.append(Chart("by_city", charts.by_city_over_time(timeseries)))
    report.charts.append(Chart("by_income", charts.by_income_quintile(quintiles)))
    if charts.list_names(timeseries):
        lists = manifest.get("scenario", {}).get("lists", {})
        report.charts.append(Chart("lists", charts.lists_side_by_side(timeseries, lists)))
        report.charts.append(Chart("restrictions", charts.restrictions_by_sanction(timeseries)))
    return report


def _point_labels(summary: pd.DataFrame, factors: list[str]) -> pd.Series:
    return summary[factors].apply(
        lambda row: ", ".join(f"{plain_name(f)}={v}" for f, v in row.items()), axis=1
    )


def experiment_report(experiment_dir: Path) -> Report:
    """The report of an experiment: designs, sweeps, comparisons and sensitivity that apply."""
    experiment_dir = Path(experiment_dir)
    summary = pd.read_parquet(experiment_dir / layout.SUMMARY)
    comparison = _read_optional(experiment_dir / layout.COMPARISON)
    sensitivity = _read_optional(experiment_dir / layout.SENSITIVITY)
    screening = _read_optional(experiment_dir / layout.SCREENING)
    pairs = _read_optional(experiment_dir / layout.SENSITIVITY_PAIRS)
    spec = _read_json(experiment_dir / layout.EXPERIMENT_COPY).get("experiment", {})
    definitions = spec.get("outcomes", {})
    percent = shares(definitions)
    if "design" not in summary:
        summary = summary.assign(design="")
    summary["design"] = summary["design"].fillna("").astype(str)
    baseline = (spec.get("compare") or {}).get("baseline")
    if baseline is None and comparison is not None and len(comparison):
        baseline = str(comparison["baseline"].iloc[0])
    designs = charts.design_order(summary, baseline)
    ok = charts.finished(summary)
    factors = labels.factor_columns(summary)
    outcomes = labels.outcome_columns(summary)
    name = summary["experiment"].iloc[0] if "experiment" in summary and len(summary) else ""
    if (experiment_dir / layout.FRONT).is_file():
        return search_report(experiment_dir, name, spec, percent)
    report = Report(
        title=f"Experiment {name or experiment_dir.name}",
        source=experiment_dir,
        summary=experiment_summary(summary, comparison, sensitivity, definitions, percent),
    )

    if ok.empty:
        return report
    run_dirs = [experiment_dir / run for run in ok["run_id"]]
    present = [d.is_dir() for d in run_dirs]
    if any(present):
        run_designs = ok["design"].to_numpy()
        if not designs and factors and ok["point"].nunique() <= MAX_GROUPS_OVER_TIME:
            run_designs = _point_labels(ok, factors).to_numpy()
        chosen = [i for i, here in enumerate(present) if here]
        timeseries, quintiles = read_runs([run_dirs[i] for i in chosen], run_designs[chosen])
        order = designs or list(dict.fromkeys(run_designs))
        report.charts.append(
            Chart("over_time", charts.compliance_over_time(timeseries, designs=order))
        )
        if len(charts.city_names(timeseries)) > 1:
            report.charts.append(
                Chart("by_city", charts.by_city_over_time(timeseries, designs=order))
            )
        report.charts.append(
            Chart("by_income", charts.by_income_quintile(quintiles, designs=order))
        )

    compliance, exclusion = headline_outcomes(outcomes, definitions)
    if len(designs) > 1 and compliance and exclusion:
        report.charts.append(
            Chart(
                "tradeoff",
                charts.tradeoff(summary, compliance, exclusion, designs[0], comparison, percent),
            )
        )
    if comparison is not None and len(comparison):
        if "verdict" in comparison.columns:
            report.tables.append(
                Table(
                    "comparison_table",
                    f"Each design against {comparison['baseline'].iloc[0]} (paired, 95% intervals)",
                    comparison_rows(comparison, percent),
                )
            )
        report.charts.append(
            Chart("comparison", charts.comparison_forest(comparison, designs, percent))
        )
    varied = [f for f in factors if ok[f].nunique() > 1]
    if varied and outcomes and len(designs) <= 1:
        for factor in varied:
            stem = factor.removeprefix(labels.FACTOR_PREFIX).replace(".", "_")
            report.charts.append(
                Chart(f"response_{stem}", charts.sweep_response(summary, factor, outcomes, percent))
            )
        grid = [f for f in varied if ok[f].nunique() <= charts.MAX_LEVELS]
        if len(grid) >= 2:
            for outcome in [o for o in (compliance, exclusion) if o] or outcomes[:2]:
                stem = outcome.removeprefix(labels.OUTCOME_PREFIX)
                report.charts.append(
                    Chart(
                        f"heatmap_{stem}",
                        charts.sweep_heatmap(
                            summary,
                            grid[0],
                            grid[1],
                            outcome,
                            percent,
                            _more_is_better(definitions, outcome),
                        ),
                    )
                )
    if sensitivity is not None and len(sensitivity):
        report.charts.append(Chart("sensitivity", charts.sensitivity_bars(sensitivity, percent)))
    if pairs is not None and len(pairs):
        report.charts.append(Chart("pairs", charts.second_order_matrix(pairs, percent)))
    if screening is not None and len(screening):
        report.charts.append(Chart("screening", charts.morris_screening(screening, percent)))
    trajectory = _read_optional(experiment_dir / layout.DISCOVERY_TRAJECTORY)
    limits = _read_optional(experiment_dir / layout.DISCOVERY_BOX)
    if trajectory is not None and limits is not None and len(trajectory):
        facts = _read_json(experiment_dir / layout.DISCOVERY_FACTS)
        report.summary.append(discovery_sentence(facts, limits))
        description = str(facts.get("description", ""))
        report.charts.append(
            Chart("discovery_trajectory", charts.peeling_trajectory(trajectory, description))
        )
        report.charts.append(Chart("discovery_box", charts.box_limits(limits)))
        report.tables.append(
            Table("discovery_table", "The chosen box: conditions and how sure", box_rows(limits))
        )
    return report


def _more_is_better(definitions: dict[str, Any], column: str) -> bool | None:
    """An outcome column's direction from the experiment's definitions (None if unknown)."""
    definition = definitions.get(column.removeprefix(labels.OUTCOME_PREFIX), {})
    value = definition.get("more_is_better")
    return None if value is None else bool(value)


def discovery_sentence(facts: dict[str, Any], limits: pd.DataFrame) -> str:
    """The chosen PRIM box in one sentence: how many cases, which conditions, how sure."""
    restricted = limits[limits["restricted"]]
    conditions = []
    for row in restricted.itertuples(index=False):
        if row.levels:
            conditions.append(f"{plain_name(row.factor)} in {{{row.levels}}}")
        else:
            low, high = labels.plain_number(row.low), labels.plain_number(row.high)
            conditions.append(f"{plain_name(row.factor)} from {low} to {high}")
    where = "; ".join(conditions) if conditions else "no condition stands out"
    return (
        f"Scenario discovery: {facts.get('cases', '?')} of {facts.get('points', '?')} points "
        f"have {facts.get('description', 'the outcome of interest')}. The chosen box ({where}) "
        f"holds {labels.percent(float(facts.get('coverage', float('nan'))))} of them, and "
        f"{labels.percent(float(facts.get('density', float('nan'))))} of the points inside it "
        "are such cases."
    )


def search_report(
    experiment_dir: Path, name: str, spec: dict[str, Any], percent: Iterable[str]
) -> Report:
    """The report of a design search: the front against every candidate, and its levers."""
    evaluations = pd.read_parquet(experiment_dir / layout.EVALUATIONS)
    front = pd.read_parquet(experiment_dir / layout.FRONT)
    robustness = _read_optional(experiment_dir / layout.ROBUSTNESS)
    definitions = spec.get("outcomes", {})
    objectives = (spec.get("optimise") or {}).get("objectives") or list(definitions)
    better = {o: bool(definitions.get(o, {}).get("more_is_better", True)) for o in objectives}
    percent = set(percent)
    sentences = [
        f"Design search {name}: {len(evaluations)} candidate designs evaluated over "
        f"{int(evaluations['generation'].max()) + 1 if len(evaluations) else 0} generations; "
        f"{len(front)} are on the front (no other candidate is at least as good on every "
        f"objective and better on one)."
    ]
    if robustness is not None and len(robustness):
        for objective in objectives:
            part = robustness[robustness["objective"] == objective]
            if part.empty:
                continue
            best = part.sort_values("max_regret").iloc[0]
            sentences.append(
                f"Across {int(best['points'])} conditions of the uncertainty ensemble, the front "
                f"design with the least regret on {plain_name(objective)} is {best['candidate']} "
                f"(worst case {labels.formatted(best['worst'], objective, percent)})."
            )
    report = Report(title=f"Design search {name}", source=experiment_dir, summary=sentences)
    report.tables.append(
        Table(
            "front_table",
            "The front: designs no other beats on every objective",
            front_rows(front, objectives, percent),
        )
    )
    report.charts.append(
        Chart("front", charts.front_scatter(evaluations, objectives, better, percent))
    )
    if len(front):
        report.charts.append(
            Chart("front_parallel", charts.front_parallel(front, objectives, percent))
        )
    if robustness is not None and len(robustness):
        report.charts.append(
            Chart("robustness", charts.robustness_ranges(robustness, objectives, percent))
        )
    return report


def build_report(path: Path) -> Report:
    """The report of a run or experiment directory, whichever it is."""
    path = Path(path)
    return run_report(path) if results_kind(path) == "run" else experiment_report(path)


# --- Writing ---------------------------------------------------------------------------------


def write_report(path: Path, formats: str | Sequence[str] = ("html",)) -> WrittenReport:
    """Write `report.html` and `charts/<chart>.<png|svg>` into a run or experiment directory.

    The HTML is always written. When images are asked for but no Chromium is found (or it
    fails), the HTML is still written and `message` says how to get the images.
    """
    path = Path(path)
    formats = parse_formats(formats)
    report = build_report(path)
    html_path = path / layout.REPORT
    staging = path / f".report.html.{os.getpid()}.tmp"
    staging.write_text(render_html(report), encoding="utf-8")
    os.replace(staging, html_path)
    images = [f for f in formats if f != "html"]
    if not images:
        return WrittenReport(html=html_path, images=[])
    try:
        written = export_images(report, path / "charts", images)
    except RuntimeError as problem:
        return WrittenReport(html=html_path, images=[], message=str(problem))
    except Exception as problem:  # kaleido or Chromium failed: keep the HTML, say why
        return WrittenReport(
            html=html_path,
            images=[],
            message=f"images not written ({type(problem).__name__}: {problem}); " + NO_BROWSER_HINT,
        )
    return WrittenReport(html=html_path, images=written)


def report(
    result: Any, formats: str | Sequence[str] = ("html",), out: str | Path = "results"
) -> WrittenReport:
    """Write the report of a result held in Python, or of a results directory.

    `result` may be a `RunResult` (saved to `<out>/<run-id>/` first, unless already saved
    there), any experiment result (`run_experiment`, `compare_experiment`,
    `sensitivity_experiment`, `discover_experiment`, `optimise_experiment`), or a path.
    """
    if isinstance(result, str | Path):
        return write_report(Path(result), formats)
    directory = getattr(result, "results_dir", None)
    if directory is None and hasattr(result, "sweep"):
        directory = result.sweep.results_dir
    if directory is None and hasattr(result, "save"):
        from sim.runs.runner import run_id

        model = result.model
        existing = Path(out) / run_id(model.config, result.seed, result.keys)
        directory = existing if (existing / layout.MANIFEST).is_file() else result.save(out)
    if directory is None:
        raise TypeError(f"report: cannot report a {type(result).__name__}")
    return write_report(Path(directory), formats)
