"""Charts of compliance and exclusion: one plotly figure builder per chart.

Every builder takes results tables (pandas DataFrames as the store and the experiments write
them) and returns a `plotly.graph_objects.Figure`. Each has a `*_data` companion that reduces
the tables to exactly the numbers drawn, so a reader (and the tests) can check a chart against
its table. Every trace carries `meta={"panel": ..., "series": ..., "role": ...}`.

One colour per concept in every chart, from the Okabe-Ito palette (colour-blind safe); designs
take Paul Tol's "bright" palette (also colour-blind safe), in a fixed order, baseline first.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy import stats

# Concepts (Okabe & Ito 2008, "Color Universal Design").
COMPLIANT = "#009E73"
VIOLATING = "#D55E00"
BLACKLISTED = "#000000"
REDLISTED = "#E69F00"
INVOLUNTARY = "#CC79A7"
FALSE_POSITIVE = "#56B4E9"
FIRST_ORDER = "#0072B2"
TOTAL_EFFECT = "#999999"

CONCEPT_COLOURS: dict[str, str] = {
    "compliant": COMPLIANT,
    "violating": VIOLATING,
    "blacklisted": BLACKLISTED,
    "red-listed": REDLISTED,
    "involuntary": INVOLUNTARY,
    "false positive": FALSE_POSITIVE,
    "first order": FIRST_ORDER,
    "total": TOTAL_EFFECT,
}

# Designs (Tol 2021, "bright" qualitative scheme), given out in order.
DESIGN_COLOURS: tuple[str, ...] = (
    "#4477AA",
    "#EE6677",
    "#228833",
    "#CCBB44",
    "#66CCEE",
    "#AA3377",
    "#BBBBBB",
)

# Continuous values (heatmaps): perceptually uniform and colour-blind safe.
HEATMAP_SCALE = "Cividis"

BAND_OPACITY = 0.2
BAND_QUANTILES = (0.05, 0.95)
FONT = dict(family="Arial, Helvetica, sans-serif", size=13)
TEMPLATE = "plotly_white"

# Time-series columns: (column, label, concept).
TIME_SERIES = {
    "compliance_rate": ("Compliant", "compliant"),
    "blacklisted_share": ("Blacklisted", "blacklisted"),
    "involuntary_listed_share": ("Blacklisted involuntarily (income shock)", "involuntary"),
    "false_positive_listed_share": ("Blacklisted on a wrong record", "false positive"),
    "redlisted_share": ("Red-listed (rewarded)", "red-listed"),
}


def design_colours(designs: Iterable[str]) -> dict[str, str]:
    """Colour of each design, in the order given (put the baseline first)."""
    unique = list(dict.fromkeys(designs))
    return {d: DESIGN_COLOURS[i % len(DESIGN_COLOURS)] for i, d in enumerate(unique)}


def rgba(colour: str, alpha: float) -> str:
    """A `#RRGGBB` colour made translucent, as a CSS colour string."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def with_listing_causes(timeseries: pd.DataFrame) -> pd.DataFrame:
    """Add involuntary and false-positive listings as shares of all citizens.

    The run's time series gives them as shares of the blacklisted; here they are multiplied by
    `blacklisted_share` so they sit on the same scale as it.
    """
    frame = timeseries.copy()
    if "involuntary_blacklisted_share" in frame:
        frame["involuntary_listed_share"] = (
            frame["involuntary_blacklisted_share"] * frame["blacklisted_share"]
        )
    if "false_positive_blacklisted_share" in frame:
        frame["false_positive_listed_share"] = (
            frame["false_positive_blacklisted_share"] * frame["blacklisted_share"]
        )
    return frame


def _style(figure: go.Figure, title: str, height: int) -> go.Figure:
    figure.update_layout(
        title=dict(text=title, x=0.01, xanchor="left"),
        template=TEMPLATE,
        font=FONT,
        height=height,
        hoverlabel=dict(namelength=-1),
        legend=dict(orientation="h", yanchor="top", y=-0.12, x=0.0),
        margin=dict(l=70, r=30, t=80, b=90),
    )
    return figure


def _band_stats(frame: pd.DataFrame, by: list[str], column: str) -> pd.DataFrame:
    """Mean and 5-95% range of `column` across runs, per `by` group."""
    grouped = frame.groupby(by, sort=True)[column]
    low, high = BAND_QUANTILES
    out = grouped.agg(
        mean="mean",
        low=lambda s: s.quantile(low),
        high=lambda s: s.quantile(high),
        runs="count",
    )
    return out.reset_index()


def _runs_and_groups(frame: pd.DataFrame, group: str | None) -> tuple[pd.DataFrame, str]:
    frame = frame.copy()
    if "run_id" not in frame:
        frame["run_id"] = "run"
    if group is None or group not in frame or frame[group].nunique() <= 1:
        frame["_group"] = ""
    else:
        frame["_group"] = frame[group].astype(str)
    return frame, "_group"


def over_time_data(
    timeseries: pd.DataFrame,
    panels: Sequence[tuple[str, Sequence[str]]],
    group: str | None = "design",
) -> pd.DataFrame:
    """Per panel, series and step: mean over runs and the 5-95% band.

    Args:
        timeseries: Stacked run time series with `step`, optional `run_id` and `group` columns.
        panels: (panel title, columns) pairs, drawn top to bottom.
        group: Column naming the design; with several designs, each design is one series.

    Returns:
        Columns panel, series, column, group, step, mean, low, high, runs.
    """
    frame, group_column = _runs_and_groups(timeseries, group)
    groups = list(dict.fromkeys(frame[group_column]))
    rows = []
    for title, columns in panels:
        for column in columns:
            if column not in frame:
                continue
            stats_ = _band_stats(frame, [group_column, "step"], column)
            for name in groups:
                part = stats_[stats_[group_column] == name].drop(columns=group_column)
                label = name or TIME_SERIES.get(column.split("__")[0], (column,))[0]
                rows.append(part.assign(panel=title, series=label, column=column, group=name))
    columns_out = ["panel", "series", "column", "group", "step", "mean", "low", "high", "runs"]
    if not rows:
        return pd.DataFrame(columns=columns_out)
    return pd.concat(rows, ignore_index=True)[columns_out]


def _series_colour(column: str, group: str, colours: dict[str, str]) -> str:
    if group:
        return colours[group]
    concept = TIME_SERIES.get(column.split("__")[0], (column, "compliant"))[1]
    return CONCEPT_COLOURS[concept]


def _line_panels(
    data: pd.DataFrame,
    titles: Sequence[str],
    title: str,
    rows: int,
    cols: int,
    y_title: str = "Share of citizens (%)",
    x_title: str = "Month since start",
    designs: Sequence[str] = (),
) -> go.Figure:
    """Draw mean lines with bands, one subplot per panel title (row-major)."""
    figure = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=list(titles),
        shared_xaxes=True,
        vertical_spacing=0.12 if rows > 1 else 0.0,
        horizontal_spacing=0.06,
    )
    colours = design_colours(designs or data["group"].unique())
    shown: set[str] = set()
    for index, panel in enumerate(titles):
        row, col = index // cols + 1, index % cols + 1
        part = data[data["panel"] == panel]
        for (series, column, group), line in part.groupby(
            ["series", "column", "group"], sort=False
        ):
            colour = _series_colour(column, group, colours)
            meta = {"panel": panel, "series": series, "column": column}
            if line["runs"].max() > 1:
                figure.add_trace(
                    go.Scatter(
                        x=np.concatenate([line["step"], line["step"][::-1]]),
                        y=np.concatenate([line["high"], line["low"][::-1]]),
                        fill="toself",
                        fillcolor=rgba(colour, BAND_OPACITY),
                        mode="lines",
                        line=dict(width=0),
                        hoverinfo="skip",
                        showlegend=False,
                        legendgroup=series,
                        name=f"{series} (5-95% of runs)",
                        meta={**meta, "role": "band"},
                    ),
                    row=row,
                    col=col,
                )
            figure.add_trace(
                go.Scatter(
                    x=line["step"],
                    y=line["mean"],
                    mode="lines",
                    line=dict(color=colour, width=2),
                    name=series,
                    legendgroup=series,
                    showlegend=series not in shown,
                    customdata=np.column_stack([line["low"], line["high"], line["runs"]]),
                    hovertemplate=(
                        f"<b>{series}</b><br>{panel}<br>Month %{{x}}: %{{y:.2%}}"
                        "<br>5-95% of runs: %{customdata[0]:.2%} to %{customdata[1]:.2%}"
                        "<br>runs: %{customdata[2]}<extra></extra>"
                    ),
                    meta={**meta, "role": "mean"},
                ),
                row=row,
                col=col,
            )
            shown.add(series)
    figure.update_yaxes(tickformat=".1~%", rangemode="tozero")
    for index, panel in enumerate(titles):  # compliance is near 1: zoom in on its changes
        columns = data.loc[data["panel"] == panel, "column"]
        if len(columns) and columns.str.startswith("compliance_rate").all():
            figure.update_yaxes(rangemode="normal", row=index // cols + 1, col=index % cols + 1)
    if data["group"].astype(bool).any():
        figure.update_layout(legend_title_text="Design")
    for row in range(1, rows + 1):
        figure.update_yaxes(title_text=y_title, row=row, col=1)
    for col in range(1, cols + 1):
        figure.update_xaxes(title_text=x_title, row=rows, col=col)
    return _style(figure, title, height=260 * rows + 170)


def over_time_panels(timeseries: pd.DataFrame, group: str | None = "design") -> list:
    """The panels of the compliance-and-exclusion chart for these runs."""
    several = group is not None and group in timeseries and timeseries[group].nunique() > 1
    if several:
        return [
            ("Compliance: citizens who broke no rule this month", ["compliance_rate"]),
            ("Exclusion: citizens on the blacklist", ["blacklisted_share"]),
            (
                "Involuntary exclusion: blacklisted after an income shock",
                ["involuntary_listed_share"],
            ),
        ]
    return [
        ("Compliance: citizens who broke no rule this month", ["compliance_rate"]),
        (
            "Exclusion: citizens on the blacklist, and why",
            ["blacklisted_share", "involuntary_listed_share", "false_positive_listed_share"],
        ),
        ("Rewards: citizens on the red list", ["redlisted_share"]),
    ]


def compliance_over_time(
    timeseries: pd.DataFrame, group: str | None = "design", designs: Sequence[str] = ()
) -> go.Figure:
    """Compliance and exclusion over time; bands span 5-95% of runs when there are several.

    Args:
        timeseries: One run's time series, or several stacked with a `run_id` column.
        group: Column naming the design; several designs are drawn as one line each.
        designs: Order of designs for colours (baseline first); default: order of appearance.
    """
    frame = with_listing_causes(timeseries)
    panels = over_time_panels(frame, group)
    data = over_time_data(frame, panels, group)
    runs = frame["run_id"].nunique() if "run_id" in frame else 1
    title = "Compliance and exclusion over time"
    if runs > 1:
        title += f" (lines: mean of {runs} runs; bands: 5-95% of runs)"
    return _line_panels(
        data, [p[0] for p in panels], title, rows=len(panels), cols=1, designs=designs
    )


# --- By city ---------------------------------------------------------------------------------

CITY_COLUMNS_PER_ROW = 4


def city_names(timeseries: pd.DataFrame) -> list[str]:
    """Cities in a time series, from its `compliance_rate__<city>` columns."""
    prefix = "compliance_rate__"
    return [c[len(prefix) :] for c in timeseries.columns if c.startswith(prefix)]


def by_city_panels(
    timeseries: pd.DataFrame, group: str | None = "design"
) -> tuple[list[tuple[str, list[str]]], int]:
    """Panels (row-major) of the by-city chart and its number of columns.

    Each block of rows holds up to four cities: compliance on top, exclusion below.
    """
    cities = city_names(timeseries)
    several = group is not None and group in timeseries and timeseries[group].nunique() > 1
    exclusion = ["blacklisted_share"] if several else ["blacklisted_share", "redlisted_share"]
    cols = min(len(cities), CITY_COLUMNS_PER_ROW) or 1
    panels: list[tuple[str, list[str]]] = []
    for start in range(0, len(cities), cols):
        block = cities[start : start + cols]
        block_titles = block + [""] * (cols - len(block))
        panels += [
            (f"{city}: compliance" if city else "", [f"compliance_rate__{city}"] if city else [])
            for city in block_titles
        ]
        panels += [
            (
                f"{city}: {'blacklisted' if several else 'blacklisted and red-listed'}"
                if city
                else "",
                [f"{c}__{city}" for c in exclusion] if city else [],
            )
            for city in block_titles
        ]
    return panels, cols


def by_city_over_time(
    timeseries: pd.DataFrame, group: str | None = "design", designs: Sequence[str] = ()
) -> go.Figure:
    """Small multiples: compliance and exclusion over time in each city (or pilot-zone member)."""
    panels, cols = by_city_panels(timeseries, group)
    data = over_time_data(timeseries, [p for p in panels if p[1]], group)
    rows = max(len(panels) // cols, 1)
    return _line_panels(
        data,
        [p[0] for p in panels],
        "Compliance and exclusion by city",
        rows=rows,
        cols=cols,
        designs=designs,
    )


# --- By income quintile ----------------------------------------------------------------------

QUINTILE_MEASURES: dict[str, tuple[str, str, str]] = {
    # measure: (panel title, y-axis title, concept)
    "blacklisted_share": ("Who is blacklisted", "% of the quintile's citizens", "blacklisted"),
    "involuntary_listed_share": (
        "Blacklisted involuntarily (income shock)",
        "% of the quintile's citizens",
        "involuntary",
    ),
    "false_positive_listed_share": (
        "Blacklisted on a wrong record (false positive)",
        "% of the quintile's citizens",
        "false positive",
    ),
    "reward_share": ("Who gets the rewards", "% of all reward value", "red-listed"),
}


def quintile_table(agents: pd.DataFrame) -> pd.DataFrame:
    """Per run and income quintile: who is listed (by cause) and the share of rewards received.

    Args:
        agents: Final agent states (`agents.parquet`), optionally stacked with `run_id` and a
            design column; firms are ignored.

    Returns:
        One row per run and quintile with the columns of `QUINTILE_MEASURES`.
    """
    citizens = agents[agents["kind"] == "citizen"].copy()
    if "run_id" not in citizens:
        citizens["run_id"] = "run"
    cause = citizens["listing_cause"].astype(str)
    listed = citizens["blacklisted"].astype(bool)
    citizens["blacklisted_share"] = listed.astype(float)
    citizens["involuntary_listed_share"] = (listed & (cause == "involuntary")).astype(float)
    citizens["false_positive_listed_share"] = (listed & (cause == "false_record")).astype(float)
    keys = [c for c in ("design", "run_id") if c in citizens] + ["income_quintile"]
    table = citizens.groupby(keys, sort=True, observed=True).agg(
        blacklisted_share=("blacklisted_share", "mean"),
        involuntary_listed_share=("involuntary_listed_share", "mean"),
        false_positive_listed_share=("false_positive_listed_share", "mean"),
        rewards_yuan=("rewards_yuan", "sum"),
    )
    table = table.reset_index()
    total = table.groupby("run_id")["rewards_yuan"].transform("sum")
    table["reward_share"] = np.where(total > 0, table["rewards_yuan"] / total.where(total > 0), 0.0)
    return table.rename(columns={"income_quintile": "quintile"})


def by_income_data(agents: pd.DataFrame, group: str | None = "design") -> pd.DataFrame:
    """Mean over runs (and the 5-95% range) of each quintile measure, per design.

    Args:
        agents: Final agent states (stacked `agents.parquet`), or their `quintile_table`.
        group: Column naming the design; with several designs, each design is one series.
    """
    table = agents if "reward_share" in agents else quintile_table(agents)
    table, group_column = _runs_and_groups(table, group)
    groups = list(dict.fromkeys(table[group_column]))
    rows = []
    for measure, (title, _, concept) in QUINTILE_MEASURES.items():
        stats_ = _band_stats(table, [group_column, "quintile"], measure)
        for name in groups:
            part = stats_[stats_[group_column] == name].drop(columns=group_column)
            label = name or concept.capitalize()
            rows.append(part.assign(panel=title, series=label, column=measure, group=name))
    columns = ["panel", "series", "column", "group", "quintile", "mean", "low", "high", "runs"]
    return pd.concat(rows, ignore_index=True)[columns]


def by_income_quintile(
    agents: pd.DataFrame, group: str | None = "design", designs: Sequence[str] = ()
) -> go.Figure:
    """Who is excluded and who gets the rewards, by income quintile, at the end of the run(s)."""
    data = by_income_data(agents, group)
    titles = [title for title, _, _ in QUINTILE_MEASURES.values()]
    figure = make_subplots(
        rows=2, cols=2, subplot_titles=titles, horizontal_spacing=0.1, vertical_spacing=0.2
    )
    colours = design_colours(designs or data["group"].unique())
    shown: set[str] = set()
    for index, (measure, (title, y_title, concept)) in enumerate(QUINTILE_MEASURES.items()):
        row, col = index // 2 + 1, index % 2 + 1
        part = data[data["column"] == measure]
        for (series, group), bars in part.groupby(["series", "group"], sort=False):
            colour = colours[group] if group else CONCEPT_COLOURS[concept]
            spread = bars["runs"].max() > 1
            figure.add_trace(
                go.Bar(
                    x=bars["quintile"],
                    y=bars["mean"],
                    name=series,
                    legendgroup=series,
                    showlegend=bool(group) and series not in shown,
                    marker_color=colour,
                    error_y=dict(
                        type="data",
                        symmetric=False,
                        array=bars["high"] - bars["mean"],
                        arrayminus=bars["mean"] - bars["low"],
                        visible=bool(spread),
                        color="#555555",
                    ),
                    customdata=np.column_stack([bars["low"], bars["high"], bars["runs"]]),
                    hovertemplate=(
                        f"<b>{series}</b><br>{title}<br>Income quintile %{{x}}: %{{y:.2%}}"
                        "<br>5-95% of runs: %{customdata[0]:.2%} to %{customdata[1]:.2%}"
                        "<br>runs: %{customdata[2]}<extra></extra>"
                    ),
                    meta={"panel": title, "series": series, "column": measure, "role": "mean"},
                ),
                row=row,
                col=col,
            )
            shown.add(series)
        figure.update_yaxes(title_text=y_title, tickformat=".1~%", row=row, col=col)
        figure.update_xaxes(
            title_text="Income quintile (1 = poorest fifth)", dtick=1, row=row, col=col
        )
    figure.add_hline(
        y=0.2,
        line=dict(color="#555555", dash="dot", width=1),
        annotation_text="equal share",
        annotation_position="top left",
        row=2,
        col=2,
    )
    return _style(
        figure, "Exclusion and rewards by income quintile (end of run)", height=760
    ).update_layout(barmode="group")


# --- Experiments: labels and confidence intervals --------------------------------------------

FACTOR_PREFIX = "factor."
OUTCOME_PREFIX = "outcome."
UNITS = {
    "months": "months",
    "yuan": "yuan",
    "people": "people",
    "points": "points",
    "steps": "months",
}
PERCENT_WORDS = ("share", "rate", "compliance", "probability", "coverage", "detectability")


def factor_columns(summary: pd.DataFrame) -> list[str]:
    """The `factor.<key>` columns of a summary table, in table order."""
    return [c for c in summary.columns if c.startswith(FACTOR_PREFIX)]


def outcome_columns(summary: pd.DataFrame) -> list[str]:
    """The `outcome.<name>` columns of a summary table, in table order."""
    return [c for c in summary.columns if c.startswith(OUTCOME_PREFIX)]


def is_percent(name: str, percent: Collection[str] = ()) -> bool:
    """Whether a factor or outcome is a share (drawn in per cent).

    Args:
        name: Column name (`factor.<key>`, `outcome.<name>`) or bare outcome name.
        percent: Names known to be shares (e.g. outcomes whose metric is a share), with or
            without the `outcome.` prefix; others are judged by their name.
    """
    if name in percent or name.removeprefix(OUTCOME_PREFIX) in percent:
        return True
    last = name.split(".")[-1]
    if any(last.endswith(unit) for unit in UNITS) or "time_to" in last:
        return False
    return any(word in last for word in PERCENT_WORDS)


def label(name: str, percent: Collection[str] = ()) -> str:
    """Plain words for a factor or outcome column, with its unit."""
    parts = name.removeprefix(FACTOR_PREFIX).removeprefix(OUTCOME_PREFIX).split(".")
    words = parts[-1].split("_")
    unit = UNITS.get(words[-1]) if len(words) > 1 else None
    if unit:
        words = words[:-1]
    text = " ".join(words).capitalize()
    if len(parts) > 1:
        text += f" ({'.'.join(parts[:-1])})"
    if unit:
        text += f", {unit}"
    elif is_percent(name, percent):
        text += ", %"
    return text


def number_format(name: str, percent: Collection[str] = ()) -> str:
    """d3 number format for a factor or outcome."""
    return ".1~%" if is_percent(name, percent) else ",.4~g"


def formatted(value: float, name: str, percent: Collection[str] = ()) -> str:
    """A factor's or outcome's value as text (per cent for shares)."""
    if value is None or not np.isfinite(value):
        return "n/a"
    return f"{value:.1%}" if is_percent(name, percent) else f"{value:,.4g}"


def mean_ci(values: pd.Series, level: float = 0.95) -> tuple[float, float, float, int]:
    """Mean and Student-t confidence interval of the values (NaNs dropped)."""
    values = values.dropna().to_numpy(dtype=np.float64)
    n = values.size
    if n == 0:
        return np.nan, np.nan, np.nan, 0
    mean = float(values.mean())
    if n == 1:
        return mean, np.nan, np.nan, 1
    half = stats.t.ppf(0.5 + level / 2, n - 1) * values.std(ddof=1) / np.sqrt(n)
    return mean, mean - half, mean + half, n


def finished(summary: pd.DataFrame) -> pd.DataFrame:
    """Rows of runs that finished (status "ok"), or all rows when there is no status."""
    if "status" not in summary:
        return summary
    return summary[summary["status"] == "ok"]


# --- Sweeps ----------------------------------------------------------------------------------

MAX_LEVELS = 12


def sweep_response_data(summary: pd.DataFrame, factor: str, outcome: str) -> pd.DataFrame:
    """Outcome against one factor: mean and 95% CI over runs at each factor value.

    With more than `MAX_LEVELS` distinct values (a sampled design), each run is one point.

    Returns:
        Columns value, mean, ci_low, ci_high, runs (sorted by value).
    """
    runs = finished(summary)[[factor, outcome]].dropna(subset=[factor])
    if runs[factor].nunique() > MAX_LEVELS:
        out = runs.rename(columns={factor: "value", outcome: "mean"}).assign(
            ci_low=np.nan, ci_high=np.nan, runs=1
        )
        return out.sort_values("value", kind="stable").reset_index(drop=True)
    rows = []
    for value, part in runs.groupby(factor, sort=True):
        mean, low, high, n = mean_ci(part[outcome])
        rows.append({"value": value, "mean": mean, "ci_low": low, "ci_high": high, "runs": n})
    return pd.DataFrame(rows, columns=["value", "mean", "ci_low", "ci_high", "runs"])


def sweep_response(
    summary: pd.DataFrame,
    factor: str,
    outcomes: Sequence[str] | None = None,
    percent: Collection[str] = (),
) -> go.Figure:
    """How each outcome responds to one factor (mean over the other factors and replications)."""
    outcomes = list(outcomes or outcome_columns(summary))
    cols = min(len(outcomes), 2)
    rows = -(-len(outcomes) // cols)
    figure = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[label(o, percent) for o in outcomes],
        horizontal_spacing=0.14,
        vertical_spacing=0.3 / rows if rows > 1 else 0.0,
    )
    colour = DESIGN_COLOURS[0]
    for index, outcome in enumerate(outcomes):
        row, col = index // cols + 1, index % cols + 1
        data = sweep_response_data(summary, factor, outcome)
        grouped = data["runs"].max() > 1 or len(data) <= MAX_LEVELS
        meta = {"panel": label(outcome, percent), "series": outcome, "column": factor}
        if grouped and data["ci_low"].notna().any():
            figure.add_trace(
                go.Scatter(
                    x=np.concatenate([data["value"], data["value"][::-1]]),
                    y=np.concatenate([data["ci_high"], data["ci_low"][::-1]]),
                    fill="toself",
                    fillcolor=rgba(colour, BAND_OPACITY),
                    mode="lines",
                    line=dict(width=0),
                    hoverinfo="skip",
                    showlegend=False,
                    name="95% confidence interval",
                    meta={**meta, "role": "band"},
                ),
                row=row,
                col=col,
            )
        y_format = number_format(outcome, percent)
        figure.add_trace(
            go.Scatter(
                x=data["value"],
                y=data["mean"],
                mode="lines+markers" if grouped else "markers",
                marker=dict(color=colour, size=7 if grouped else 5),
                line=dict(color=colour, width=2),
                name=label(outcome, percent),
                showlegend=False,
                customdata=np.column_stack([data["ci_low"], data["ci_high"], data["runs"]]),
                hovertemplate=(
                    f"{label(factor, percent)}: %{{x:{number_format(factor, percent)}}}"
                    f"<br>{label(outcome, percent)}: %{{y:{y_format}}}"
                    f"<br>95% CI: %{{customdata[0]:{y_format}}} to %{{customdata[1]:{y_format}}}"
                    "<br>runs: %{customdata[2]}<extra></extra>"
                ),
                meta={**meta, "role": "mean"},
            ),
            row=row,
            col=col,
        )
        figure.update_xaxes(
            title_text=label(factor, percent),
            tickformat=number_format(factor, percent),
            row=row,
            col=col,
        )
        unit = label(outcome, percent).split(", ")[-1] if ", " in label(outcome, percent) else ""
        y_title = "Mean of runs" if grouped else "Value in the run"
        figure.update_yaxes(
            title_text=f"{y_title} ({unit})" if unit else y_title,
            tickformat=y_format,
            row=row,
            col=col,
        )
    title = f"Response to {label(factor, percent).split(',')[0].lower()}"
    sampled = finished(summary)[factor].nunique() > MAX_LEVELS
    title += (
        " (each point: one run)"
        if sampled
        else " (mean of runs at each value, band: 95% confidence interval)"
    )
    return _style(figure, title, height=330 * rows + 150)


def sweep_heatmap_data(
    summary: pd.DataFrame, x_factor: str, y_factor: str, outcome: str
) -> pd.DataFrame:
    """Mean outcome on the grid of two factors: rows are `y_factor` values, columns `x_factor`."""
    runs = finished(summary)
    return (
        runs.pivot_table(
            index=y_factor, columns=x_factor, values=outcome, aggfunc="mean", dropna=False
        )
        .sort_index(axis=0)
        .sort_index(axis=1)
    )


def sweep_heatmap(
    summary: pd.DataFrame,
    x_factor: str,
    y_factor: str,
    outcome: str,
    percent: Collection[str] = (),
) -> go.Figure:
    """Mean outcome over the grid of two factors, as a heatmap."""
    grid = sweep_heatmap_data(summary, x_factor, y_factor, outcome)
    counts = (
        finished(summary)
        .pivot_table(index=y_factor, columns=x_factor, values=outcome, aggfunc="count")
        .reindex(index=grid.index, columns=grid.columns)
        .fillna(0)
    )
    z_format = number_format(outcome, percent)
    figure = go.Figure(
        go.Heatmap(
            x=[formatted(v, x_factor, percent) for v in grid.columns],
            y=[formatted(v, y_factor, percent) for v in grid.index],
            z=grid.to_numpy(),
            colorscale=HEATMAP_SCALE,
            colorbar=dict(title=dict(text=label(outcome, percent)), tickformat=z_format),
            customdata=counts.to_numpy(),
            texttemplate=f"%{{z:{z_format}}}",
            hovertemplate=(
                f"{label(x_factor, percent)}: %{{x}}<br>{label(y_factor, percent)}: %{{y}}"
                f"<br>{label(outcome, percent)}: %{{z:{z_format}}}"
                "<br>runs: %{customdata}<extra></extra>"
            ),
            meta={"panel": label(outcome, percent), "series": outcome, "role": "grid"},
        )
    )
    figure.update_xaxes(title_text=label(x_factor, percent), type="category")
    figure.update_yaxes(title_text=label(y_factor, percent), type="category")
    words = [label(name, percent).split(",")[0] for name in (outcome, x_factor, y_factor)]
    title = f"{words[0]} by {words[1].lower()} and {words[2].lower()} (mean of runs)"
    return _style(figure, title, height=520)


# --- Designs: trade-off and paired differences -----------------------------------------------


def design_order(summary: pd.DataFrame, baseline: str | None = None) -> list[str]:
    """Designs in table order, the baseline first."""
    designs = [d for d in dict.fromkeys(summary["design"].astype(str)) if d]
    if baseline in designs:
        designs.remove(baseline)
        designs.insert(0, baseline)
    return designs


def tradeoff_data(
    summary: pd.DataFrame,
    compliance: str,
    exclusion: str,
    baseline: str | None = None,
    comparison: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per design: compliance gained over the baseline and people excluded, with 95% CIs.

    Compliance gained is the paired difference from the baseline, replicate by replicate (the
    designs share random numbers); where a comparison table holds it, its numbers are used.
    The exclusion is the design's own level.

    Returns:
        Columns design, gained, gained_low, gained_high, excluded, excluded_low, excluded_high,
        runs.
    """
    runs = finished(summary)
    designs = design_order(runs, baseline)
    baseline = baseline if baseline in designs else designs[0]
    base = runs[runs["design"] == baseline].set_index("replicate")[compliance]
    compared = None
    if comparison is not None and len(comparison):
        compared = comparison[
            (comparison["outcome"].isin([compliance, compliance.removeprefix(OUTCOME_PREFIX)]))
            & (comparison["baseline"] == baseline)
        ].set_index("design")
    rows = []
    for design in designs:
        own = runs[runs["design"] == design]
        excluded, excluded_low, excluded_high, n = mean_ci(own[exclusion])
        if design == baseline:
            gained, gained_low, gained_high = 0.0, np.nan, np.nan
        elif compared is not None and design in compared.index:
            row = compared.loc[design]
            gained, gained_low, gained_high = (
                float(row["mean_difference"]),
                float(row["ci_low"]),
                float(row["ci_high"]),
            )
        else:
            paired = own.set_index("replicate")[compliance] - base
            gained, gained_low, gained_high, _ = mean_ci(paired)
        rows.append(
            {
                "design": design,
                "gained": gained,
                "gained_low": gained_low,
                "gained_high": gained_high,
                "excluded": excluded,
                "excluded_low": excluded_low,
                "excluded_high": excluded_high,
                "runs": n,
            }
        )
    return pd.DataFrame(rows)


def tradeoff(
    summary: pd.DataFrame,
    compliance: str,
    exclusion: str,
    baseline: str | None = None,
    comparison: pd.DataFrame | None = None,
    percent: Collection[str] = (),
) -> go.Figure:
    """Compliance gained against people excluded: one point per design, with 95% CIs."""
    data = tradeoff_data(summary, compliance, exclusion, baseline, comparison)
    colours = design_colours(data["design"])
    baseline_name = data["design"].iloc[0]
    x_format, y_format = number_format(exclusion, percent), number_format(compliance, percent)
    figure = go.Figure()
    for row in data.itertuples(index=False):
        figure.add_trace(
            go.Scatter(
                x=[row.excluded],
                y=[row.gained],
                mode="markers+text",
                text=[row.design],
                textposition="top center",
                marker=dict(color=colours[row.design], size=13, line=dict(color="white", width=1)),
                error_x=dict(
                    type="data",
                    symmetric=False,
                    array=[row.excluded_high - row.excluded],
                    arrayminus=[row.excluded - row.excluded_low],
                    color=colours[row.design],
                ),
                error_y=dict(
                    type="data",
                    symmetric=False,
                    array=[row.gained_high - row.gained],
                    arrayminus=[row.gained - row.gained_low],
                    color=colours[row.design],
                ),
                name=row.design,
                hovertemplate=(
                    f"<b>{row.design}</b><br>{label(exclusion, percent)}: %{{x:{x_format}}} "
                    f"(95% CI {formatted(row.excluded_low, exclusion, percent)} to "
                    f"{formatted(row.excluded_high, exclusion, percent)})"
                    f"<br>{label(compliance, percent)} gained over {baseline_name}: "
                    f"%{{y:{y_format}}}"
                    f"<br>runs: {row.runs}<extra></extra>"
                ),
                meta={"panel": "tradeoff", "series": row.design, "role": "design"},
            )
        )
    figure.add_hline(y=0, line=dict(color="#555555", dash="dot", width=1))
    figure.update_xaxes(title_text=label(exclusion, percent), tickformat=x_format)
    gained_unit = " (percentage points)" if is_percent(compliance, percent) else ""
    figure.update_yaxes(
        title_text=f"{label(compliance, percent).split(',')[0]} gained over "
        f"{baseline_name}{gained_unit}",
        tickformat=y_format,
    )
    title = "Trade-off: compliance gained against people excluded (95% confidence intervals)"
    return _style(figure, title, height=560)


def comparison_forest(
    comparison: pd.DataFrame, designs: Sequence[str] = (), percent: Collection[str] = ()
) -> go.Figure:
    """Paired differences of each outcome from the baseline design, with 95% CIs (forest plot)."""
    outcomes = list(dict.fromkeys(comparison["outcome"]))
    baselines = sorted(set(comparison["baseline"]))
    order = list(designs) or baselines + [
        d for d in dict.fromkeys(comparison["design"]) if d not in baselines
    ]
    colours = design_colours(order)
    rows, cols = len(outcomes), 1
    panel_px, gap_px, margins_px = max(150, 45 * len(order)), 110, 170
    height = rows * panel_px + (rows - 1) * gap_px + margins_px
    figure = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[label(o, percent).split(",")[0] for o in outcomes],
        vertical_spacing=gap_px / (height - margins_px) if rows > 1 else 0.0,
    )
    shown: set[str] = set()
    for index, outcome in enumerate(outcomes):
        row, col = index // cols + 1, index % cols + 1
        part = comparison[comparison["outcome"] == outcome]
        x_format = number_format(outcome, percent)
        for item in part.itertuples(index=False):
            name = f"{item.design} vs {item.baseline}"
            figure.add_trace(
                go.Scatter(
                    x=[item.mean_difference],
                    y=[name],
                    mode="markers",
                    marker=dict(color=colours.get(item.design, DESIGN_COLOURS[0]), size=11),
                    error_x=dict(
                        type="data",
                        symmetric=False,
                        array=[item.ci_high - item.mean_difference],
                        arrayminus=[item.mean_difference - item.ci_low],
                        color=colours.get(item.design, DESIGN_COLOURS[0]),
                        thickness=2,
                    ),
                    name=item.design,
                    legendgroup=item.design,
                    showlegend=item.design not in shown,
                    hovertemplate=(
                        f"<b>{name}</b><br>{label(outcome, percent)}: difference %{{x:{x_format}}}"
                        f"<br>95% CI {formatted(item.ci_low, outcome, percent)} to "
                        f"{formatted(item.ci_high, outcome, percent)}"
                        f"<br>pairs of runs: {item.n_pairs}<extra></extra>"
                    ),
                    meta={"panel": outcome, "series": item.design, "role": "difference"},
                ),
                row=row,
                col=col,
            )
            shown.add(item.design)
        figure.add_vline(x=0, line=dict(color="#555555", dash="dot", width=1), row=row, col=col)
        words = label(outcome, percent).split(", ")
        unit = "percentage points" if is_percent(outcome, percent) else words[-1]
        unit = unit if len(words) > 1 else ""
        figure.update_yaxes(title_text="Design", row=row, col=col)
        figure.update_xaxes(
            title_text=f"Difference from the baseline ({unit})" if unit else "Difference",
            tickformat=x_format,
            row=row,
            col=col,
        )
    title = "Differences between designs, paired by replicate (95% confidence intervals)"
    return _style(figure, title, height=height)


def sensitivity_bars(sensitivity: pd.DataFrame, percent: Collection[str] = ()) -> go.Figure:
    """Sobol indices of each outcome to each factor: first order and total, with 95% CIs.

    One panel per outcome, factors down the side; estimates can stray below 0 or above 1 by
    sampling error, which the intervals show.
    """
    outcomes = list(dict.fromkeys(sensitivity["outcome"]))
    factor_count = sensitivity.groupby("outcome").size().max()
    rows = len(outcomes)
    panel_px, gap_px, margins_px = max(160, 50 * factor_count), 90, 190
    height = rows * panel_px + (rows - 1) * gap_px + margins_px
    figure = make_subplots(
        rows=rows,
        cols=1,
        subplot_titles=[f"Variance of {label(o).split(',')[0].lower()}" for o in outcomes],
        vertical_spacing=gap_px / (height - margins_px) if rows > 1 else 0.0,
    )
    for index, outcome in enumerate(outcomes):
        row = index + 1
        part = sensitivity[sensitivity["outcome"] == outcome]
        factors = [label(f, percent).split(",")[0] for f in part["factor"]]
        for kind, name, colour in (
            ("first_order", "First order (the factor alone)", FIRST_ORDER),
            ("total", "Total (with its interactions)", TOTAL_EFFECT),
        ):
            figure.add_trace(
                go.Bar(
                    x=part[kind],
                    y=factors,
                    orientation="h",
                    name=name,
                    legendgroup=kind,
                    showlegend=index == 0,
                    marker_color=colour,
                    error_x=dict(
                        type="data",
                        symmetric=False,
                        array=part[f"{kind}_ci_high"] - part[kind],
                        arrayminus=part[kind] - part[f"{kind}_ci_low"],
                        color="#333333",
                    ),
                    customdata=np.column_stack(
                        [part[f"{kind}_ci_low"], part[f"{kind}_ci_high"], part["factor"]]
                    ),
                    hovertemplate=(
                        f"<b>%{{customdata[2]}}</b><br>{name} index of {label(outcome, percent)}: "
                        "%{x:.3f}<br>95% CI %{customdata[0]:.3f} to %{customdata[1]:.3f}"
                        "<extra></extra>"
                    ),
                    meta={"panel": outcome, "series": kind, "role": "index"},
                ),
                row=row,
                col=1,
            )
        figure.update_xaxes(title_text="Sobol index (share of variance)", row=row, col=1)
        figure.update_yaxes(title_text="Factor", autorange="reversed", row=row, col=1)
    title = "Sensitivity: share of each outcome's variance due to each factor (Sobol indices)"
    return _style(figure, title, height=height).update_layout(barmode="group")
