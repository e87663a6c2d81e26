"""The live charts as plain plotly.js JSON, built from a session snapshot."""

from __future__ import annotations

from typing import Any

import pandas as pd

from sim.app.classroom import SAMPLE_COLUMNS, Snapshot
from sim.app.texts import FIRM_COLOUR, STATE_WORDS
from sim.outputs.style import (
    BLACKLISTED,
    COMPLIANT,
    FALSE_POSITIVE,
    INVOLUNTARY,
    REDLISTED,
    VIOLATING,
)

STATE_COLOURS = {
    "compliant": COMPLIANT,
    "violating": VIOLATING,
    "blacklisted": BLACKLISTED,
    "redlisted": REDLISTED,
}
CAUSE_SYMBOLS = {"chosen": "square", "involuntary": "diamond", "false_record": "x"}


# Figures are plain plotly.js JSON: building validated `go.Figure` objects took most of the
# time of a step (a named template alone quadrupled it).

Figure = dict[str, Any]

AXIS = {"gridcolor": "#EBF0F8", "zeroline": False, "linecolor": "#C8D4E3", "automargin": True}


def _layout(title: str, y_title: str, height: int = 290, percent: bool = True) -> Figure:
    return {
        "title": {"text": title, "x": 0.01, "font": {"size": 14}},
        "font": {"family": "Arial, Helvetica, sans-serif", "size": 12, "color": "#2a3f5f"},
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "height": height,
        "autosize": True,
        "margin": {"l": 55, "r": 10, "t": 40, "b": 30},
        "legend": {"orientation": "h", "y": -0.18, "x": 0},
        "xaxis": dict(AXIS),
        "yaxis": {
            **AXIS,
            "title": {"text": y_title},
            "tickformat": "~%" if percent else "",
            "rangemode": "tozero",
        },
        "uirevision": "keep",
    }


def _values(series: pd.Series) -> list[float | None]:
    """A column as a JSON-safe list (NaN becomes a gap)."""
    return [None if value != value else value for value in series.tolist()]


def line_figure(
    snapshot: Snapshot,
    title: str,
    lines: dict[str, tuple[str, str]],
    y_title: str,
    of: pd.Series | None = None,
) -> Figure:
    """Lines over months, one per column: {column: (label, colour)}; policy changes marked.

    With `of` (the head count each share is of, month by month), the hover gives the head
    count beside the share ("100% (1 of 1)"), so a share of very few people reads as such.
    """
    frame = snapshot.timeseries
    steps = frame["step"].tolist() if "step" in frame else []
    data = []
    for column, (label, colour) in lines.items():
        trace = {
            "type": "scatter",
            "mode": "lines",
            "name": label,
            "x": steps,
            "y": _values(frame[column]) if column in frame else [],
            "line": {"color": colour, "width": 2.5},
            "hovertemplate": f"{label}<br>month %{{x}}: %{{y:.1%}}<extra></extra>",
        }
        if of is not None and column in frame:
            counts = [
                f"{round(share * total):,} of {round(total):,}"
                for share, total in zip(frame[column].fillna(0.0), of, strict=True)
            ]
            trace["customdata"] = counts
            trace["hovertemplate"] = (
                f"{label}<br>month %{{x}}: %{{y:.1%}} (%{{customdata}})<extra></extra>"
            )
        data.append(trace)
    layout = _layout(title, y_title)
    layout["xaxis"]["range"] = [0, snapshot.months]
    layout["shapes"] = [
        {
            "type": "line",
            "x0": month,
            "x1": month,
            "yref": "paper",
            "y0": 0,
            "y1": 1,
            "line": {"dash": "dot", "color": "#555555", "width": 1},
        }
        for month, _ in snapshot.marks
    ]
    # Shares span 0-100% in every update: with uirevision kept, an update without a range
    # could keep plotly's empty-plot range (-100%..400%) from an earlier draw.
    layout["yaxis"]["range"] = [0, 1]
    layout["yaxis"]["autorange"] = False
    rows = mark_rows(snapshot.marks, snapshot.months)
    layout["annotations"] = [
        {
            "x": month,
            "y": 1 - MARK_ROW_HEIGHT * row,
            "yref": "paper",
            "yanchor": "top",
            "text": text,
            "showarrow": False,
            "xanchor": "left",
            "font": {"size": 10, "color": "#555555"},
            "bgcolor": "rgba(255,255,255,0.8)",
        }
        for (month, text), row in zip(snapshot.marks, rows, strict=True)
    ]
    return {"data": data, "layout": layout}


MARK_ROW_HEIGHT = 0.08  # of the plot's height: one line of 10-px text
MARK_CHAR_PX = 6.0  # width of one character of a mark's label
PLOT_WIDTH_PX = 480.0  # the narrowest plot area the page gives a chart


def mark_rows(marks: tuple[tuple[int, str], ...], months: int) -> list[int]:
    """A text row for each policy-change label so that no two labels overlap.

    A label takes len(text) x MARK_CHAR_PX pixels from its month to the right, on a plot of
    at least PLOT_WIDTH_PX over `months`; each goes to the highest row where it clears the
    end of the label before it in that row.
    """
    per_month = PLOT_WIDTH_PX / max(months, 1)
    ends: list[float] = []  # right edge (px) of the last label in each row
    rows = []
    for month, text in marks:
        start = month * per_month
        row = next((r for r, end in enumerate(ends) if end <= start), len(ends))
        if row == len(ends):
            ends.append(0.0)
        ends[row] = start + len(text) * MARK_CHAR_PX
        rows.append(row)
    return rows


def blacklisted_agents(snapshot: Snapshot) -> pd.Series:
    """Blacklisted citizen agents month by month (the head count behind the causes' shares)."""
    frame = snapshot.timeseries
    if "blacklisted_share" not in frame:
        return pd.Series(dtype=float)
    return frame["blacklisted_share"] * snapshot.citizens


def income_figure(snapshot: Snapshot) -> Figure:
    """This month, by income quintile: blacklisted, listed for poverty, red-listed."""
    frame = snapshot.timeseries
    latest = frame.iloc[-1] if len(frame) else pd.Series(dtype=float)
    bars = {
        "blacklisted_share": ("blacklisted", BLACKLISTED),
        "involuntary_blacklisted_share": ("listed for poverty", INVOLUNTARY),
        "redlisted_share": ("red-listed", REDLISTED),
    }
    quintiles = ["Q1 poorest", "Q2", "Q3", "Q4", "Q5 richest"]
    data = [
        {
            "type": "bar",
            "name": label,
            "x": quintiles,
            "y": [float(latest.get(f"{column}__q{q}", 0.0)) for q in range(1, 6)],
            "marker": {"color": colour},
            "hovertemplate": f"{label}<br>%{{x}}: %{{y:.1%}}<extra></extra>",
        }
        for column, (label, colour) in bars.items()
    ]
    layout = _layout("Who is listed, by income group (this month)", "share of the group")
    layout["barmode"] = "group"
    return {"data": data, "layout": layout}


def sample_layout(
    cities: tuple[str, ...], order: tuple[str, ...]
) -> tuple[list[int], list[int], list[tuple[str, int, int]]]:
    """Grid positions of the sampled citizens, one block of rows per city, and block labels.

    Returns x and y per citizen (y counts down from 0) and, per city with anyone in the
    sample, (label, y of its label row, head count). Cities come in `order`, then any other.
    """
    names = list(order) + sorted(set(cities) - set(order))
    x, y = [0] * len(cities), [0] * len(cities)
    blocks = []
    row = 0
    for name in names:
        members = [i for i, city in enumerate(cities) if city == name]
        if not members:
            continue
        blocks.append((name, -row, len(members)))
        row += 1  # the label's row
        for k, i in enumerate(members):
            x[i], y[i] = k % SAMPLE_COLUMNS, -(row + k // SAMPLE_COLUMNS)
        row += -(-len(members) // SAMPLE_COLUMNS)
    return x, y, blocks


def population_figure(snapshot: Snapshot) -> Figure:
    """The sampled citizens as a grid coloured by state, one labelled block per city.

    Within a block citizens keep their order (by income at the start).
    """
    states = snapshot.sample_states
    cities = snapshot.sample_cities or ("",) * len(states)
    x, y, blocks = sample_layout(cities, snapshot.city_names)
    data = []
    for state, colour in STATE_COLOURS.items():
        rows = [i for i, s in enumerate(states) if s == state]
        symbols = [
            CAUSE_SYMBOLS.get(snapshot.sample_causes[i], "circle")
            if state == "blacklisted"
            else "circle"
            for i in rows
        ]
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": f"{STATE_WORDS[state]} ({len(rows)})",
                "x": [x[i] for i in rows],
                "y": [y[i] for i in rows],
                "marker": {"color": colour, "size": 14, "symbol": symbols},
                "text": [snapshot.sample_hover[i] for i in rows],
                "hoverinfo": "text",
            }
        )
    title = f"{len(states)} citizens picked at random, grouped by city"
    height = max(330, 90 + 17 * (1 - min((b[1] for b in blocks), default=0) + len(blocks)))
    layout = _layout(title, "", height=height, percent=False)
    layout["legend"]["y"] = -0.02
    layout["xaxis"] = {"visible": False, "range": [-0.7, SAMPLE_COLUMNS - 0.3]}
    layout["yaxis"] = {"visible": False, "scaleanchor": "x"}
    layout["annotations"] = [
        {
            "text": f"<b>{name}</b>: {count} of the {len(states)}" if name else "",
            "x": -0.5,
            "y": top,
            "xanchor": "left",
            "yanchor": "middle",
            "showarrow": False,
            "font": {"size": 12},
        }
        for name, top, count in blocks
    ]
    return {"data": data, "layout": layout}


LIST_PEOPLE = "list_people__"


def lists_figure(snapshot: Snapshot) -> Figure:
    """This month, every list side by side: people on it (blacklists dark, red lists gold).

    Before the first month every list is shown, at 0, so the structure is seen at once.
    """
    names = list(snapshot.list_names)
    last = snapshot.timeseries.iloc[-1] if len(snapshot.timeseries) else None
    counts = [float(last[f"{LIST_PEOPLE}{n}"]) if last is not None else 0.0 for n in names]
    firms = [float(last[f"list_firms__{n}"]) if last is not None else 0.0 for n in names]
    # horizontal bars are drawn bottom-up: red lists at the bottom, the largest blacklist on top
    order = sorted(range(len(names)), key=lambda i: (names[i] not in snapshot.red_lists, counts[i]))
    labels = [names[i].replace("_", " ") for i in order]
    values = [counts[i] for i in order]
    text = [
        f"firms only: {firms[i]:,.0f} firms"
        if names[i] in snapshot.firm_lists
        else (f"{counts[i]:,.0f}" if counts[i] > 0 else "nobody")
        for i in order
    ]
    colours = [REDLISTED if names[i] in snapshot.red_lists else BLACKLISTED for i in order]
    layout = _layout(
        "The lists side by side: people on each this month",
        "",
        height=max(290, 22 * len(names) + 90),
        percent=False,
    )
    layout["xaxis"] = {
        **AXIS,
        "rangemode": "tozero",
        "separatethousands": True,
        "exponentformat": "none",
        "title": {"text": "people"},
    }
    layout["yaxis"] = {**AXIS, "automargin": True}
    layout["margin"] = {"l": 10, "r": 60, "t": 40, "b": 30}
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "x": values,
            "y": labels,
            "marker": {"color": colours},
            "text": text,
            "textposition": "outside",
            "cliponaxis": False,
            "hovertemplate": "<b>%{y}</b><br>%{text}<extra></extra>",
            "showlegend": False,
        }
    ]
    return {"data": data, "layout": layout}


def figures(snapshot: Snapshot) -> dict[str, Figure]:
    """Every chart of the page, by name (`lists` only when the scenario has lists)."""
    extra = {"lists": lists_figure(snapshot)} if snapshot.list_names else {}
    return extra | {
        "compliance": line_figure(
            snapshot,
            "Compliance: who broke no rule this month",
            {
                "compliance_rate": ("citizens", COMPLIANT),
                "firm_compliance_rate": ("firms", FIRM_COLOUR),
            },
            "share",
        ),
        "exclusion": line_figure(
            snapshot,
            "Exclusion and reward: who is on a list",
            {
                "blacklisted_share": ("blacklisted", BLACKLISTED),
                "redlisted_share": ("red-listed", REDLISTED),
            },
            "share of citizens",
        ),
        "causes": line_figure(
            snapshot,
            "Listed without choosing to break a rule",
            {
                "involuntary_blacklisted_share": ("listed for poverty", INVOLUNTARY),
                "false_positive_blacklisted_share": ("listed by mistake", FALSE_POSITIVE),
            },
            "share of the blacklisted",
            of=blacklisted_agents(snapshot),
        ),
        "income": income_figure(snapshot),
        "legitimacy": line_figure(
            snapshot,
            "Trust: legitimacy, awareness, promises kept",
            {
                "legitimacy": ("legitimacy", COMPLIANT),
                "aware_share": ("know the scheme applies to them", FALSE_POSITIVE),
                "promise_keeping_rate": ("departments' promises kept", REDLISTED),
            },
            "share",
        ),
        "population": population_figure(snapshot),
    }
