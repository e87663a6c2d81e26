"""Charts of compliance and exclusion: one plotly figure builder per chart.

Every builder takes results tables (pandas DataFrames as the store and the experiments write
them) and returns a `plotly.graph_objects.Figure`. Each has a `*_data` companion that reduces
the tables to exactly the numbers drawn, so a reader (and the tests) can check a chart against
its table. Every trace carries `meta={"panel": ..., "series": ..., "role": ...}`.

One colour per concept in every chart, from the Okabe-Ito palette (colour-blind safe); designs
take Paul Tol's "bright" palette (also colour-blind safe), in a fixed order, baseline first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

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
                label = name if name else TIME_SERIES.get(column, (column,))[0]
                rows.append(part.assign(panel=title, series=label, column=column, group=name))
    columns_out = ["panel", "series", "column", "group", "step", "mean", "low", "high", "runs"]
    if not rows:
        return pd.DataFrame(columns=columns_out)
    return pd.concat(rows, ignore_index=True)[columns_out]


def _series_colour(column: str, group: str, colours: dict[str, str]) -> str:
    if group:
        return colours[group]
    concept = TIME_SERIES.get(column, (column, "compliant"))[1]
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
            "Exclusion and rewards: citizens on each list",
            [
                "blacklisted_share",
                "involuntary_listed_share",
                "false_positive_listed_share",
                "redlisted_share",
            ],
        ),
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
