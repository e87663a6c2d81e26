"""Charts of the agencies' lists of a run: every list side by side, and what they restrict."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.outputs.labels import people
from sim.outputs.style import CONCEPT_COLOURS
from sim.outputs.style import styled as _style

PEOPLE = "list_people__"
FIRMS = "list_firms__"
RESTRICTED = "restricted_people__"


def list_names(timeseries: pd.DataFrame) -> list[str]:
    """Lists of a time series, from its `list_people__<list>` columns (none: no lists)."""
    return [c[len(PEOPLE) :] for c in timeseries.columns if c.startswith(PEOPLE)]


def lists_table(timeseries: pd.DataFrame) -> pd.DataFrame:
    """One row per list at the end of the run: people and firms on it, listed over the run.

    With several runs (a `run` column), the mean over runs.
    """
    names = list_names(timeseries)
    frame = timeseries
    if "run" in frame:
        frame = frame[frame["step"] == frame["step"].max()].groupby("step").mean(numeric_only=True)
    last = frame.iloc[-1]
    total = (
        timeseries.groupby("run").sum(numeric_only=True).mean()
        if "run" in timeseries
        else (timeseries.sum(numeric_only=True))
    )
    rows = [
        {
            "list": name,
            "people": float(last[f"{PEOPLE}{name}"]),
            "firms": float(last[f"{FIRMS}{name}"]),
            "listed_over_run": float(total.get(f"list_new__{name}", 0.0)),
        }
        for name in names
    ]
    return pd.DataFrame(rows, columns=["list", "people", "firms", "listed_over_run"])


def lists_side_by_side(timeseries: pd.DataFrame, specs: dict[str, dict] | None = None) -> go.Figure:
    """Every list side by side at the end of the run: people (citizens) and firms on each.

    `specs` are the scenario's `[lists]` tables (for their kind and subjects). Blacklists come
    first, largest on top, then red lists in the red-list colour; a list nobody is on says
    "nobody" rather than vanishing, and a panel a list cannot reach (a citizens-only list in
    the firms panel) says "not for firms".
    """
    specs = specs or {}
    table = lists_table(timeseries)
    table["red"] = [specs.get(n, {}).get("kind") == "redlist" for n in table["list"]]
    table["subjects"] = [specs.get(n, {}).get("subjects", "both") for n in table["list"]]
    table = table.sort_values(["red", "people"], ascending=[False, True], kind="stable")
    figure = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        subplot_titles=("People on the list (citizens, scaled)", "Firms on the list (agents)"),
        horizontal_spacing=0.12,
    )
    colours = [
        CONCEPT_COLOURS["red-listed"] if red else CONCEPT_COLOURS["blacklisted"]
        for red in table["red"]
    ]
    labels = [name.replace("_", " ") for name in table["list"]]
    for col, column, who in ((1, "people", "citizen"), (2, "firms", "firm")):
        values = table[column]
        reachable = [subjects in (who, "both") for subjects in table["subjects"]]
        text = [
            (people(v) if v > 0 else "nobody") if ok else f"not for {who}s"
            for v, ok in zip(values, reachable, strict=True)
        ]
        figure.add_trace(
            go.Bar(
                x=values,
                y=labels,
                orientation="h",
                marker_color=colours,
                text=text,
                textposition="outside",
                cliponaxis=False,
                showlegend=False,
                hovertemplate="<b>%{y}</b><br>%{text}<extra></extra>",
                meta={"panel": column},
            ),
            row=1,
            col=col,
        )
        top = float(values.max()) if len(values) else 0.0
        figure.update_xaxes(range=[0, (top or 1.0) * 1.35], row=1, col=col)
    height = max(360, 26 * len(table) + 160)
    return _style(figure, "The lists side by side (end of run)", height=height)


def restrictions_by_sanction(timeseries: pd.DataFrame) -> go.Figure:
    """People bearing each sanction at the end of the run (once each, however many lists)."""
    columns = [c for c in timeseries.columns if c.startswith(RESTRICTED)]
    last = timeseries[timeseries["step"] == timeseries["step"].max()][columns].mean()
    last = last.sort_values(kind="stable")
    labels = [c[len(RESTRICTED) :].replace("_", " ") for c in last.index]
    figure = go.Figure(
        go.Bar(
            x=last.values,
            y=labels,
            orientation="h",
            marker_color=CONCEPT_COLOURS["blacklisted"],
            text=[people(v) if v > 0 else "nobody" for v in last.values],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="<b>%{y}</b><br>%{text}<extra></extra>",
        )
    )
    figure.update_xaxes(title_text="people bearing it", rangemode="tozero")
    return _style(
        figure, "Restrictions by sanction (end of run)", height=max(320, 28 * len(labels) + 140)
    )
