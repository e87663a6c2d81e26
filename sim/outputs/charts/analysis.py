"""Charts of decision analysis: PRIM's peeling trajectory and box, the design-search front."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sim.outputs.analysis_text import SIGNIFICANT_QP
from sim.outputs.labels import is_percent, label, number_format, p_value, plain_number
from sim.outputs.style import BLACKLISTED, DESIGN_COLOURS, FIRST_ORDER, TOTAL_EFFECT, rgba
from sim.outputs.style import styled as _style


def peeling_trajectory(trajectory: pd.DataFrame, description: str = "") -> go.Figure:
    """PRIM's trade-off: each box peeled, its coverage (x) against its density (y).

    Colour is the number of factors the box restricts; the chosen box is ringed.
    """
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=trajectory["coverage"],
            y=trajectory["density"],
            mode="lines+markers",
            line=dict(color=TOTAL_EFFECT, width=1),
            marker=dict(
                size=8,
                color=trajectory["restricted"],
                colorscale="Cividis",
                colorbar=dict(title="factors<br>restricted", dtick=1),
            ),
            customdata=np.column_stack(
                [trajectory["box"], trajectory["restricted"], trajectory["mass"]]
            ),
            hovertemplate=(
                "box %{customdata[0]}: coverage %{x:.0%}, density %{y:.0%}<br>"
                "%{customdata[1]} factors restricted, %{customdata[2]:.0%} of all points"
                "<extra></extra>"
            ),
            name="boxes peeled",
            meta={"panel": "trajectory", "role": "box"},
        )
    )
    chosen = trajectory[trajectory["chosen"]]
    figure.add_trace(
        go.Scatter(
            x=chosen["coverage"],
            y=chosen["density"],
            mode="markers+text",
            marker=dict(size=18, color="rgba(0,0,0,0)", line=dict(color=BLACKLISTED, width=2)),
            text=[f"chosen box {int(b)}" for b in chosen["box"]],
            textposition="bottom left",
            name="chosen box",
            hoverinfo="skip",
            meta={"panel": "trajectory", "role": "chosen"},
        )
    )
    figure.update_xaxes(
        title_text="coverage: share of all cases of interest inside the box (more is better →)",
        tickformat=".0%",
        range=[0, 1.05],
    )
    figure.update_yaxes(
        title_text="density: share of the box that are cases (more is better ↑)",
        tickformat=".0%",
        range=[0, 1.05],
    )
    title = "Scenario discovery (PRIM): each box trades coverage for density"
    if description:
        title += f"<br><sup>cases of interest: {description}</sup>"
    return _style(figure, title, height=520)


def box_limits(limits: pd.DataFrame) -> go.Figure:
    """The chosen box: each restricted factor's limits within the range sampled (0-100%).

    Grey is the range sampled, blue the box; the label gives the limits in the factor's
    units and the quasi-p-value (above 0.05: the restriction may be noise).
    """
    restricted = limits[limits["restricted"]].reset_index(drop=True)
    numeric = restricted[restricted["levels"] == ""]
    categorical = restricted[restricted["levels"] != ""]
    figure = go.Figure()
    names = [label(f).split(",")[0] for f in numeric["factor"]]
    span = (numeric["sampled_high"] - numeric["sampled_low"]).replace(0, np.nan)
    start = ((numeric["low"] - numeric["sampled_low"]) / span).fillna(0.0)
    width = ((numeric["high"] - numeric["low"]) / span).fillna(1.0)
    figure.add_trace(
        go.Bar(
            y=names,
            x=[1.0] * len(names),
            orientation="h",
            marker=dict(color=rgba("#999999", 0.3)),
            name="range sampled",
            hoverinfo="skip",
            meta={"panel": "box", "role": "sampled"},
        )
    )
    texts = []
    for row in numeric.itertuples():
        qp = _qp(row.qp_low, row.qp_high)
        note = "" if qp <= SIGNIFICANT_QP else " (may be noise)"
        texts.append(f"{plain_number(row.low)} to {plain_number(row.high)}; qp {p_value(qp)}{note}")
    figure.add_trace(
        go.Bar(
            y=names,
            x=width,
            base=start,
            orientation="h",
            marker=dict(color=FIRST_ORDER),
            text=texts,
            textposition="outside",
            name="box",
            hovertemplate="%{y}: %{text}<extra></extra>",
            meta={"panel": "box", "role": "box"},
        )
    )
    for row in categorical.itertuples():
        qp = _qp(row.qp_low, row.qp_high)
        figure.add_annotation(
            text=f"{row.factor}: {{{row.levels}}} of {{{row.sampled_levels}}}; qp {p_value(qp)}",
            xref="paper",
            yref="paper",
            x=0,
            y=-0.25,
            showarrow=False,
            align="left",
        )
    figure.update_xaxes(
        title_text="position within the range sampled", tickformat=".0%", range=[0, 1.6]
    )
    title = "The conditions of the chosen box"
    if restricted.empty:
        title += ": no factor restricted (the cases are spread over the whole space)"
    figure = _style(figure, title, height=max(320, 160 + 60 * len(names)))
    figure.update_layout(barmode="overlay", legend=dict(y=1.02, yanchor="bottom", x=0.6))
    return figure


def _qp(low: float, high: float) -> float:
    values = [q for q in (low, high) if q is not None and np.isfinite(q)]
    return min(values) if values else float("nan")


def front_scatter(
    evaluations: pd.DataFrame,
    objectives: list[str],
    more_is_better: dict[str, bool],
    percent: Collection[str] = (),
) -> go.Figure:
    """Every candidate on the first two objectives: the front in colour, the rest grey.

    The front holds the candidates not beaten on every objective; a third objective, if any,
    shows in the hover.
    """
    x_name, y_name = objectives[0], objectives[1]
    figure = go.Figure()
    for on_front, colour, name in ((False, TOTAL_EFFECT, "dominated"), (True, DESIGN_COLOURS[0],
                                   "front: not beaten on every objective")):  # fmt: skip
        part = evaluations[evaluations["on_front"] == on_front]
        extra = objectives[2:]
        hover = "<br>".join(
            f"{label(o, percent).split(',')[0]} "
            f"%{{customdata[{i + 1}]:{number_format(o, percent)}}}"
            for i, o in enumerate(extra)
        )
        figure.add_trace(
            go.Scatter(
                x=part[x_name],
                y=part[y_name],
                mode="markers",
                marker=_front_marker(part, on_front, colour, objectives, percent),
                name=name,
                customdata=np.column_stack([part["candidate"], *(part[o] for o in extra)])
                if len(part)
                else None,
                hovertemplate="<b>%{customdata[0]}</b><br>"
                + f"%{{x:{number_format(x_name, percent)}}}, "
                + f"%{{y:{number_format(y_name, percent)}}}"
                + (f"<br>{hover}" if hover else "")
                + "<extra></extra>",
                meta={"panel": "front", "role": "front" if on_front else "dominated"},
            )
        )
    for axis, name in (("x", x_name), ("y", y_name)):
        arrow = (
            ("→" if axis == "x" else "↑") if more_is_better[name] else ("←" if axis == "x" else "↓")
        )
        title = f"{label(name, percent)} (better {arrow})"
        update = figure.update_xaxes if axis == "x" else figure.update_yaxes
        update(title_text=title, tickformat=number_format(name, percent))
    title = "Design search (NSGA-II): the front of designs no other beats on every objective"
    if len(objectives) > 2:
        third = label(objectives[2], percent).split(",")[0].lower()
        title += (
            f"<br><sup>colour: {third}; a front design that looks beaten here is better on it</sup>"
        )
    return _style(figure, title, height=540)


def _front_marker(
    part: pd.DataFrame, on_front: bool, colour: str, objectives: list[str],
    percent: Collection[str],
) -> dict:  # fmt: skip
    """Front markers coloured by the third objective (if any), the others plain grey."""
    if not on_front or len(objectives) < 3:
        return dict(size=10 if on_front else 7, color=colour)
    third = objectives[2]
    scale = 100.0 if is_percent(third, percent) else 1.0
    return dict(
        size=11,
        color=part[third].to_numpy(np.float64) * scale,
        colorscale="Cividis",
        line=dict(color="white", width=1),
        colorbar=dict(title=label(third, percent).split(",")[0] + (" (%)" if scale > 1 else "")),
    )


def front_parallel(
    front: pd.DataFrame, objectives: list[str], percent: Collection[str] = ()
) -> go.Figure:
    """The front designs as lines across their levers and objectives (parallel coordinates)."""
    levers = [c for c in front.columns if c.startswith("lever.")]
    dimensions = []
    for column in levers + objectives:
        values = front[column]
        if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
            codes, levels = pd.factorize(values.astype(str), sort=True)
            dimensions.append(
                dict(
                    label=label(column.removeprefix("lever.")).split(",")[0],
                    values=codes,
                    tickvals=list(range(len(levels))),
                    ticktext=list(levels),
                )
            )
            continue
        scale = 100.0 if is_percent(column, percent) and column in objectives else 1.0
        name = label(column.removeprefix("lever."), percent).split(",")[0]
        dimensions.append(
            dict(
                label=name + (" (%)" if scale == 100.0 else ""),
                values=values.to_numpy(np.float64) * scale,
            )
        )
    colour = front[objectives[0]].to_numpy(np.float64) if len(front) else []
    figure = go.Figure(
        go.Parcoords(
            line=dict(color=colour, colorscale="Cividis", showscale=True),
            dimensions=dimensions,
            meta={"panel": "parallel", "role": "front"},
        )
    )
    title = "The front designs: levers (left) and what they achieve (right)"
    figure = _style(figure, title, height=500)
    figure.update_layout(margin=dict(l=110, r=60, t=130, b=50))
    return figure


def robustness_ranges(
    robustness: pd.DataFrame, objectives: list[str], percent: Collection[str] = ()
) -> go.Figure:
    """Each front design, per objective: its value in the search and its worst case.

    One panel per objective, one row per design (ordered by its largest regret on the first
    objective, smallest at the top); a dot for the search's value, a cross for the worst over
    the uncertainty ensemble, a line between them: a long line is a fragile design.
    """
    from plotly.subplots import make_subplots

    order = (
        robustness[robustness["objective"] == objectives[0]]
        .sort_values("max_regret", ascending=False)["candidate"]
        .tolist()
    )
    figure = make_subplots(
        rows=1,
        cols=len(objectives),
        shared_yaxes=True,
        subplot_titles=[label(o, percent).split(",")[0] for o in objectives],
        horizontal_spacing=0.04,
    )
    for column, name in enumerate(objectives, start=1):
        part = robustness[robustness["objective"] == name].set_index("candidate").loc[order]
        scale = 100.0 if is_percent(name, percent) else 1.0
        base, worst = part["base"] * scale, part["worst"] * scale
        for candidate, b, w in zip(order, base, worst, strict=True):
            figure.add_trace(
                go.Scatter(x=[b, w], y=[candidate, candidate], mode="lines",
                           line=dict(color=TOTAL_EFFECT, width=2), showlegend=False,
                           hoverinfo="skip"),
                row=1, col=column,
            )  # fmt: skip
        for values, symbol, role, colour in ((base, "circle", "search", FIRST_ORDER),
                                              (worst, "x", "worst", BLACKLISTED)):  # fmt: skip
            figure.add_trace(
                go.Scatter(
                    x=values, y=order, mode="markers",
                    marker=dict(symbol=symbol, size=9, color=colour),
                    name="in the search" if role == "search" else "worst over the ensemble",
                    showlegend=column == 1,
                    customdata=part["max_regret"] * scale,
                    hovertemplate="%{y}: %{x:,.4~r}<br>largest regret %{customdata:,.3~r}"
                    "<extra></extra>",
                    meta={"panel": name, "role": role},
                ),
                row=1, col=column,
            )  # fmt: skip
        unit = " (%)" if scale > 1 else ""
        figure.update_xaxes(title_text=label(name, percent).split(",")[0] + unit, row=1,
                            col=column)  # fmt: skip
    title = "Robustness: each front design in the search and at its worst over the uncertainties"
    return _style(figure, title, height=max(380, 140 + 22 * len(order)))
