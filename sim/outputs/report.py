"""Reports: a self-contained HTML page of charts (and PNG/SVG files) for a run or an experiment.

    from sim.outputs.report import write_report
    written = write_report("results/deterrence", formats=("html", "png"))

The report detects what a directory holds: a run (`manifest.json`) or an experiment
(`summary.parquet`, optionally `comparison.parquet` and `sensitivity.parquet`), and draws the
charts that apply. The HTML embeds plotly.js, so it opens offline. Images go through kaleido,
which drives the system Chromium; it never downloads a browser.
"""

from __future__ import annotations

import html
import json
import os
import shutil
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pyarrow.parquet as pq
from plotly.offline import get_plotlyjs

from sim.errors import ScenarioError
from sim.outputs import charts, labels
from sim.runs import layout

FORMATS = ("html", "png", "svg")
IMAGE_WIDTH = 1000
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
NO_BROWSER_HINT = (
    "PNG/SVG images need Chromium: install it with `apt-get install chromium` "
    "(or set BROWSER_PATH to a Chrome/Chromium executable) and run `creditsim report` again"
)
MAX_GROUPS_OVER_TIME = 6
AGENT_COLUMNS = ["kind", "income_quintile", "blacklisted", "listing_cause", "rewards_yuan"]
EXCLUSION_METRICS = ("blacklisted_share", "blacklisted_people", "flight_banned", "train_banned")


@dataclass(frozen=True)
class Chart:
    """One chart of a report: a file-name stem and its figure."""

    name: str
    figure: go.Figure


@dataclass
class Report:
    """What a report shows: a title, sentences of summary and charts."""

    title: str
    source: Path
    summary: list[str]
    charts: list[Chart] = field(default_factory=list)


@dataclass
class WrittenReport:
    """Files a report was written to, and a message when images could not be made."""

    html: Path | None
    images: list[Path]
    message: str | None = None


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
        path = run_dir / layout.TIMESERIES
        frame = pd.read_parquet(path, columns=_timeseries_columns(path))
        series.append(frame.assign(run_id=run_dir.name, design=design))
        agents = pd.read_parquet(run_dir / layout.AGENTS, columns=AGENT_COLUMNS)
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


# --- Words -----------------------------------------------------------------------------------


def _plain(name: str) -> str:
    return labels.label(name).split(",")[0].lower()


def shares(definitions: dict[str, Any]) -> set[str]:
    """Outcomes (from experiment.json) whose metric is a share, drawn in per cent."""
    return {
        name
        for name, outcome in definitions.items()
        if outcome.get("statistic") != "time_to_threshold"
        and labels.is_percent(str(outcome.get("metric", "")).split("__")[0])
    }


def run_summary(
    manifest: dict[str, Any], timeseries: pd.DataFrame, quintiles: pd.DataFrame
) -> list[str]:
    """Headline numbers of one run, in sentences."""
    scenario = manifest.get("scenario", {})
    simulation = scenario.get("simulation", {})
    cities = charts.city_names(timeseries)
    first, last = timeseries.iloc[0], timeseries.iloc[-1]
    start_year = simulation.get("start_year")
    months = int(last["step"])
    sentences = [
        f"Scenario {simulation.get('name', '?')}: {manifest.get('citizens', 0):,} citizen agents "
        f"in {len(cities)} {'city' if len(cities) == 1 else 'cities'} over {months} months"
        + (f" from {start_year}" if start_year else "")
        + f", seed {manifest.get('seed')}.",
        f"Compliance (citizens who broke no rule in the month) went from "
        f"{labels.percent(first['compliance_rate'])} in month {int(first['step'])} to "
        f"{labels.percent(last['compliance_rate'])} in month {months}.",
    ]
    listed = last["blacklisted_share"]
    sentence = (
        f"At the end {labels.percent(listed)} of citizens were blacklisted "
        f"({labels.people(last.get('blacklisted_people', np.nan))} people)"
    )
    if listed > 0:
        sentence += (
            f"; of these, {labels.percent(last['involuntary_blacklisted_share'])} were listed "
            f"after an income shock left them unable to pay (involuntary) and "
            f"{labels.percent(last['false_positive_blacklisted_share'])} on a wrong record"
        )
    sentences.append(sentence + ".")
    if last.get("flight_banned", 0) > 0 or last.get("train_banned", 0) > 0:
        sentences.append(
            f"{labels.people(last['flight_banned'])} people were barred from flights and "
            f"{labels.people(last['train_banned'])} from high-speed trains at the end."
        )
    rewards = quintiles.groupby("quintile")["reward_share"].mean()
    if len(rewards) and quintiles["rewards_yuan"].sum() > 0:
        sentences.append(
            f"{labels.percent(last['redlisted_share'])} of citizens were red-listed; over the "
            f"run the poorest fifth received {labels.percent(rewards.iloc[0])} of all reward "
            f"value and the richest fifth {labels.percent(rewards.iloc[-1])}."
        )
    else:
        sentences.append(f"{labels.percent(last['redlisted_share'])} of citizens were red-listed.")
    if len(cities) > 1:
        final = {city: last[f"compliance_rate__{city}"] for city in cities}
        best, worst = max(final, key=final.get), min(final, key=final.get)
        sentences.append(
            f"Compliance at the end was highest in {best} ({labels.percent(final[best])}) and "
            f"lowest in {worst} ({labels.percent(final[worst])})."
        )
    return sentences


def _pick_outcome(
    outcomes: list[str], definitions: dict[str, Any], metrics: Sequence[str], words: Sequence[str]
) -> str | None:
    """The first outcome measuring one of `metrics` (from experiment.json), else by name."""
    for metric in metrics:
        for outcome in outcomes:
            name = outcome.removeprefix(labels.OUTCOME_PREFIX)
            if str(definitions.get(name, {}).get("metric", "")).split("__")[0] == metric:
                return outcome
    for word in words:
        for outcome in outcomes:
            if word in outcome:
                return outcome
    return None


def headline_outcomes(
    outcomes: list[str], definitions: dict[str, Any]
) -> tuple[str | None, str | None]:
    """The compliance outcome and the exclusion outcome of an experiment (None if absent)."""
    return (
        _pick_outcome(outcomes, definitions, ("compliance_rate",), ("compliance",)),
        _pick_outcome(outcomes, definitions, EXCLUSION_METRICS, ("blacklist", "exclu", "banned")),
    )


def experiment_summary(
    summary: pd.DataFrame,
    comparison: pd.DataFrame | None,
    sensitivity: pd.DataFrame | None,
    definitions: dict[str, Any],
    percent: Collection[str] = (),
) -> list[str]:
    """Headline numbers of an experiment, in sentences."""
    ok = charts.finished(summary)
    failed = len(summary) - len(ok)
    name = summary["experiment"].iloc[0] if "experiment" in summary and len(summary) else "?"
    designs = charts.design_order(summary)
    factors = labels.factor_columns(summary)
    sentence = f"Experiment {name}: {len(summary)} runs, {len(ok)} finished"
    sentence += f", {failed} failed (see the error column of summary.parquet)" if failed else ""
    if ok.empty:
        return [sentence + "; with no finished run there is nothing to chart."]
    if designs:
        replicates = ok.groupby("design").size()
        low, high = replicates.min(), replicates.max()
        sentence += f"; {len(designs)} designs ({', '.join(designs)})"
        sentence += f", {low if low == high else f'{low}-{high}'} finished replicates each"
    if factors:
        points = ok["point"].nunique() if "point" in ok else len(ok)
        sentence += f"; {points} points of {len(factors)} factors ("
        sentence += ", ".join(_plain(f) for f in factors) + ")"
    sentences = [sentence + "."]
    if comparison is not None and len(comparison):
        outcomes = list(dict.fromkeys(comparison["outcome"]))
        chosen = headline_outcomes([f"{labels.OUTCOME_PREFIX}{o}" for o in outcomes], definitions)
        shown = [o.removeprefix(labels.OUTCOME_PREFIX) for o in chosen if o] or outcomes[:2]
        for row in comparison[comparison["outcome"].isin(shown)].itertuples(index=False):
            significant = row.ci_low > 0 or row.ci_high < 0
            unit = " percentage points" if labels.is_percent(row.outcome, percent) else ""
            sentences.append(
                f"{row.design} against {row.baseline}: {_plain(row.outcome)} "
                f"{labels.difference(row.mean_difference, row.outcome, percent)}{unit} "
                f"(95% CI {labels.difference(row.ci_low, row.outcome, percent)} to "
                f"{labels.difference(row.ci_high, row.outcome, percent)}, {row.n_pairs} pairs)"
                + ("." if significant else "; the interval includes zero.")
            )
        if len(shown) < len(outcomes):
            sentences.append(
                f"The chart of differences below shows all {len(outcomes)} outcomes "
                "(comparison.parquet holds the numbers)."
            )
    elif factors:
        for outcome in labels.outcome_columns(ok)[:4]:
            means = ok.groupby(factors, dropna=False)[outcome].mean().dropna()
            if means.empty:
                continue
            more_is_better = definitions.get(outcome.removeprefix(labels.OUTCOME_PREFIX), {}).get(
                "more_is_better"
            )
            where = means.idxmax() if more_is_better is not False else means.idxmin()
            where = where if isinstance(where, tuple) else (where,)
            at = ", ".join(
                f"{_plain(f)} = {labels.formatted(v, f, percent)}"
                for f, v in zip(factors, where, strict=True)
            )
            best = "highest" if more_is_better is not False else "lowest"
            sentences.append(
                f"{labels.label(outcome).split(',')[0]} ranged from "
                f"{labels.formatted(means.min(), outcome, percent)} to "
                f"{labels.formatted(means.max(), outcome, percent)} across points; {best} at {at}."
            )
    if sensitivity is not None and len(sensitivity):
        for outcome, part in sensitivity.groupby("outcome", sort=False):
            top = part.loc[part["total"].idxmax()]
            sentences.append(
                f"{labels.label(outcome).split(',')[0]} depends most on {_plain(top['factor'])}: "
                f"total Sobol index {top['total']:.2f} (95% CI {top['total_ci_low']:.2f} to "
                f"{top['total_ci_high']:.2f}), first order {top['first_order']:.2f}."
            )
    return sentences


# --- Building reports ------------------------------------------------------------------------


def run_report(run_dir: Path) -> Report:
    """The report of one run: time series, cities, income quintiles."""
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
    return report


def _point_labels(summary: pd.DataFrame, factors: list[str]) -> pd.Series:
    return summary[factors].apply(
        lambda row: ", ".join(f"{_plain(f)}={v}" for f, v in row.items()), axis=1
    )


def experiment_report(experiment_dir: Path) -> Report:
    """The report of an experiment: designs, sweeps, comparisons and sensitivity that apply."""
    experiment_dir = Path(experiment_dir)
    summary = pd.read_parquet(experiment_dir / layout.SUMMARY)
    comparison = _read_optional(experiment_dir / layout.COMPARISON)
    sensitivity = _read_optional(experiment_dir / layout.SENSITIVITY)
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
                        charts.sweep_heatmap(summary, grid[0], grid[1], outcome, percent),
                    )
                )
    if sensitivity is not None and len(sensitivity):
        report.charts.append(Chart("sensitivity", charts.sensitivity_bars(sensitivity, percent)))
    return report


def build_report(path: Path) -> Report:
    """The report of a run or experiment directory, whichever it is."""
    path = Path(path)
    return run_report(path) if results_kind(path) == "run" else experiment_report(path)


# --- Writing ---------------------------------------------------------------------------------

STYLE = """
body { font-family: Arial, Helvetica, sans-serif; margin: 2em auto; max-width: 1100px;
       color: #222; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
.meta { color: #666; font-size: 0.9em; margin-top: 0; }
.summary { background: #f5f5f5; border-left: 4px solid #0072B2; padding: 0.6em 1.2em; }
.summary li { margin: 0.35em 0; line-height: 1.4; }
nav { margin: 1em 0; line-height: 1.8; }
nav a { margin-right: 1em; }
section.chart { margin: 2em 0; }
"""


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page (plotly.js embedded once)."""
    config = {"displaylogo": False, "responsive": True}
    sections = []
    for chart in report.charts:
        div = pio.to_html(
            chart.figure,
            full_html=False,
            include_plotlyjs=False,
            div_id=f"chart-{chart.name}",
            config=config,
        )
        sections.append(f'<section class="chart" id="{chart.name}">{div}</section>')
    items = "".join(f"<li>{html.escape(s)}</li>" for s in report.summary)
    contents = " ".join(
        f'<a href="#{c.name}">{html.escape(c.figure.layout.title.text or c.name).split(" (")[0]}'
        "</a>"
        for c in report.charts
    )
    created = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(report.title)}</title>\n<style>{STYLE}</style>\n"
        f"<script>{get_plotlyjs()}</script>\n</head>\n<body>\n"
        f"<h1>{html.escape(report.title)}</h1>\n"
        f'<p class="meta">From {html.escape(str(report.source))}; '
        f"made {created} by creditsim.</p>\n"
        f'<section class="summary"><h2>Summary</h2><ul>{items}</ul></section>\n'
        f"<nav>{contents}</nav>\n" + "\n".join(sections) + "\n</body>\n</html>\n"
    )


def find_browser() -> str | None:
    """A Chrome/Chromium executable for kaleido: BROWSER_PATH, else one on PATH."""
    given = os.environ.get("BROWSER_PATH")
    if given and Path(given).is_file():
        return given
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def export_images(report: Report, out_dir: Path, formats: Sequence[str]) -> list[Path]:
    """Write every chart as PNG/SVG through kaleido and the system Chromium.

    Raises:
        RuntimeError: No Chromium was found (the message says how to install it).
    """
    browser = find_browser()
    if browser is None:
        raise RuntimeError(NO_BROWSER_HINT)
    out_dir.mkdir(parents=True, exist_ok=True)
    figures, paths = [], []
    for chart in report.charts:
        for image_format in formats:
            figures.append(chart.figure)
            paths.append(out_dir / f"{chart.name}.{image_format}")
    if not figures:
        return []
    previous = os.environ.get("BROWSER_PATH")
    os.environ["BROWSER_PATH"] = browser  # where kaleido looks first
    try:
        heights = [figure.layout.height for figure in figures]
        pio.write_images(figures, paths, width=IMAGE_WIDTH, height=heights)
    finally:
        if previous is None:
            os.environ.pop("BROWSER_PATH", None)
        else:
            os.environ["BROWSER_PATH"] = previous
    return paths


def parse_formats(text: str | Sequence[str]) -> tuple[str, ...]:
    """Formats from `html,png,svg` (any order, any subset); ScenarioError for unknown ones."""
    items = text.split(",") if isinstance(text, str) else list(text)
    formats = tuple(dict.fromkeys(item.strip().lower() for item in items if item.strip()))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ScenarioError(
            f"--format: {', '.join(unknown) or 'nothing'} is not a report format; "
            f"allowed: {', '.join(FORMATS)} (comma-separated)"
        )
    return formats


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
