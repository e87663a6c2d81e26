"""Charts of one or more runs' time series and agents: over time, by city, by income."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.outputs.labels import plain_number
from sim.outputs.style import (
    BAND_OPACITY,
    BAND_QUANTILES,
    CONCEPT_COLOURS,
    design_colours,
    rgba,
)
from sim.outputs.style import styled as _style

# Time-series columns: (column, label, concept).
TIME_SERIES = {
    "compliance_rate": ("Compliant", "compliant"),
    "blacklisted_share": ("Blacklisted", "blacklisted"),
    "involuntary_listed_share": ("Blacklisted involuntarily (income shock)", "involuntary"),
    "false_positive_listed_share": ("Blacklisted on a wrong record", "false positive"),
    "redlisted_share": ("Red-listed (rewarded)", "red-listed"),
}


def band_trace(
    x: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    colour: str,
    name: str,
    meta: dict,
    legendgroup: str | None = None,
) -> go.Scatter:
    """A filled band between `low` and `high` over `x` (an interval or a spread of runs)."""
    return go.Scatter(
        x=np.concatenate([x, x[::-1]]),
        y=np.concatenate([high, low[::-1]]),
        fill="toself",
        fillcolor=rgba(colour, BAND_OPACITY),
        mode="lines",
        line=dict(width=0),
        hoverinfo="skip",
        showlegend=False,
        legendgroup=legendgroup,
        name=name,
        meta={**meta, "role": "band"},
    )


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
    share_rows: bool = False,
) -> go.Figure:
    """Draw mean lines with bands, one subplot per panel title (row-major).

    With `share_rows`, the panels of a row (the same measure in several cities) get one
    y-range, so their heights compare; a panel with nothing in it says so.
    """
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
                band = band_trace(
                    line["step"], line["low"], line["high"], colour,
                    f"{series} (5-95% of runs)", meta, legendgroup=series,
                )  # fmt: skip
                figure.add_trace(band, row=row, col=col)
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
    if share_rows:
        _share_row_axes(figure, data, titles, rows, cols)
    if data["group"].astype(bool).any():
        figure.update_layout(legend_title_text="Design")
    for row in range(1, rows + 1):
        figure.update_yaxes(title_text=y_title, row=row, col=1)
    for col in range(1, cols + 1):
        figure.update_xaxes(title_text=x_title, row=rows, col=col)
    return _style(figure, title, height=260 * rows + 170)


def _share_row_axes(
    figure: go.Figure, data: pd.DataFrame, titles: Sequence[str], rows: int, cols: int
) -> None:
    """One y-range per row of panels; "nobody listed" in a panel whose values are all 0."""
    for row in range(rows):
        panels = [t for t in titles[row * cols : (row + 1) * cols] if t]
        part = data[data["panel"].isin(panels)]
        if part.empty:
            continue
        low = float(part[["mean", "low"]].min().min())
        high = float(part[["mean", "high"]].max().max())
        compliance = part["column"].str.startswith("compliance_rate").all()
        if compliance:
            pad = max((high - low) * 0.1, 0.005)
            span = [max(low - pad, 0.0), min(high + pad, 1.0)]
        else:
            span = [0.0, high * 1.1 if high > 0 else 0.01]
        for col in range(cols):
            figure.update_yaxes(range=span, row=row + 1, col=col + 1)
        for col, panel in enumerate(titles[row * cols : (row + 1) * cols]):
            values = data.loc[data["panel"] == panel, "mean"]
            if panel and len(values) and not compliance and float(values.abs().max()) == 0.0:
                axis = row * cols + col + 1
                suffix = "" if axis == 1 else str(axis)
                figure.add_annotation(
                    text="nobody listed",
                    xref=f"x{suffix} domain",
                    yref=f"y{suffix} domain",
                    x=0.5,
                    y=0.5,
                    showarrow=False,
                    font=dict(size=12, color="#555555"),
                )


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


QUINTILE_GROUPS = frozenset(f"q{k}" for k in range(1, 6))


def city_names(timeseries: pd.DataFrame) -> list[str]:
    """Cities in a time series, from its `population_share__<city>` columns.

    Only cities have one; quintiles, behaviours and lists share the `__` separator. A table
    without them (a hand-made one) names its cities by `compliance_rate__<city>`, quintiles
    (`q1` .. `q5`) left out.
    """
    for prefix in ("population_share__", "compliance_rate__"):
        names = [c[len(prefix) :] for c in timeseries.columns if c.startswith(prefix)]
        if names:
            return [n for n in names if n not in QUINTILE_GROUPS]
    return []


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
            (
                f"{city}: compliance (axis zoomed)" if city else "",
                [f"compliance_rate__{city}"] if city else [],
            )
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
        share_rows=True,
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
        One row per run and quintile with the columns of `QUINTILE_MEASURES`, the number of
        citizens (agents) in the quintile and, for each share, `<measure>_count`: the head count
        behind it.
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
        citizens=("blacklisted_share", "size"),
        blacklisted_share_count=("blacklisted_share", "sum"),
        involuntary_listed_share_count=("involuntary_listed_share", "sum"),
        false_positive_listed_share_count=("false_positive_listed_share", "sum"),
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
        counted = f"{measure}_count"
        if counted in table and "citizens" in table:
            heads = table.groupby([group_column, "quintile"], sort=False)[[counted, "citizens"]]
            stats_ = stats_.merge(
                heads.mean().rename(columns={counted: "count"}).reset_index(),
                on=[group_column, "quintile"],
                how="left",
            )
        else:
            stats_ = stats_.assign(count=np.nan, citizens=np.nan)
        for name in groups:
            part = stats_[stats_[group_column] == name].drop(columns=group_column)
            label = name or concept.capitalize()
            rows.append(part.assign(panel=title, series=label, column=measure, group=name))
    columns = ["panel", "series", "column", "group", "quintile", "mean", "low", "high", "runs",
               "count", "citizens"]  # fmt: skip
    return pd.concat(rows, ignore_index=True)[columns]


def _heads(bars: pd.DataFrame) -> list[str]:
    """The head count behind each bar's share, e.g. " (3 of 1,000 citizens a run)"."""
    texts = []
    for count, citizens, runs in zip(bars["count"], bars["citizens"], bars["runs"], strict=True):
        if not (np.isfinite(count) and np.isfinite(citizens)):
            texts.append("")
            continue
        each = " a run" if runs > 1 else ""
        texts.append(f" ({plain_number(count)} of {plain_number(citizens)} citizens{each})")
    return texts


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
                    customdata=np.column_stack(
                        [bars["low"], bars["high"], bars["runs"], _heads(bars)]
                    ),
                    hovertemplate=(
                        f"<b>{series}</b><br>{title}<br>Income quintile %{{x}}: %{{y:.2%}}"
                        "%{customdata[3]}"
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
