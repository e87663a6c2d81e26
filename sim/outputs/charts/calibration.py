"""The calibration chart: simulated against published figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sim.outputs.labels import human_number
from sim.outputs.style import BLACKLISTED, FIRST_ORDER, FONT, TEMPLATE, TOTAL_EFFECT, VIOLATING


def calibration_chart(table: pd.DataFrame) -> go.Figure:
    """Simulated (mean, 95% CI) against published figure, as a share of the figure."""
    ratio = table["simulated_mean"] / table["published"]
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=ratio,
            y=table["target"],
            mode="markers",
            name="simulated / published",
            marker=dict(color=VIOLATING, size=10),
            error_x=dict(
                type="data",
                symmetric=False,
                array=(table["ci_high"] - table["simulated_mean"]) / table["published"],
                arrayminus=(table["simulated_mean"] - table["ci_low"]) / table["published"],
            ),
            text=[
                f"{target}: published {human_number(p)}, simulated {human_number(s)}"
                for target, p, s in zip(
                    table["target"], table["published"], table["simulated_mean"], strict=True
                )
            ],
            hoverinfo="text",
        )
    )
    figure.add_vline(x=1.0, line=dict(color=BLACKLISTED, dash="dot"))
    figure.update_layout(
        title="Calibrated national scenario against the published figures",
        xaxis_title="simulated / published (1 = exact; bars: 95% CI over replications)",
        yaxis_title="",
        template=TEMPLATE,
        font=FONT,
        width=820,
        height=420,
        showlegend=False,
    )
    return figure


SAMPLE_COLOURS = {"in-sample": VIOLATING, "out-of-sample": FIRST_ORDER, "check": TOTAL_EFFECT}


def predictive_chart(table: pd.DataFrame, interval: float) -> go.Figure:
    """Posterior predictive median and interval of every target, as a share of the figure."""
    figure = go.Figure()
    for sample, colour in SAMPLE_COLOURS.items():
        rows = table[table["sample"] == sample]
        if rows.empty:
            continue
        figure.add_trace(
            go.Scatter(
                x=rows["predicted_median"] / rows["observed"],
                y=rows["target"],
                mode="markers",
                name=sample,
                marker=dict(color=colour, size=10),
                error_x=dict(
                    type="data",
                    symmetric=False,
                    array=(rows["interval_high"] - rows["predicted_median"]) / rows["observed"],
                    arrayminus=(rows["predicted_median"] - rows["interval_low"]) / rows["observed"],
                ),
                text=[
                    f"{r.target}: observed {human_number(r.observed)}, predicted "
                    f"{human_number(r.predicted_median)} ({human_number(r.interval_low)} .. "
                    f"{human_number(r.interval_high)})"
                    for r in rows.itertuples()
                ],
                hoverinfo="text",
            )
        )
    figure.add_vline(x=1.0, line=dict(color=BLACKLISTED, dash="dot"))
    figure.update_layout(
        title="Posterior predictive against the published figures",
        xaxis_title=f"predicted / published (1 = exact; bars: {interval:.0%} predictive interval)",
        xaxis_type="log",
        template=TEMPLATE,
        font=FONT,
        width=900,
        height=460,
        legend=dict(orientation="h", y=-0.2),
    )
    return figure


def _axis_values(particles: pd.DataFrame, parameters: pd.DataFrame, name: str) -> pd.Series:
    log = parameters.set_index("parameter").loc[name, "prior"] == "log-uniform"
    return np.log10(particles[name]) if log else particles[name]


def _axis_label(parameters: pd.DataFrame, name: str) -> str:
    log = parameters.set_index("parameter").loc[name, "prior"] == "log-uniform"
    return f"log10 {name}" if log else name


def posterior_marginals(particles: pd.DataFrame, parameters: pd.DataFrame) -> go.Figure:
    """Weighted marginal posterior of each parameter over its whole prior range."""
    from plotly.subplots import make_subplots

    names = list(parameters["parameter"])
    columns = 4
    rows = -(-len(names) // columns)
    figure = make_subplots(rows=rows, cols=columns, subplot_titles=names)
    for i, row in enumerate(parameters.itertuples()):
        values = _axis_values(particles, parameters, row.parameter)
        low, high = row.prior_low, row.prior_high
        if row.prior == "log-uniform":
            low, high = np.log10(low), np.log10(high)
        figure.add_trace(
            go.Histogram(
                x=values,
                y=particles["weight"],
                histfunc="sum",
                xbins=dict(start=low, end=high, size=(high - low) / 20),
                marker=dict(color=FIRST_ORDER),
                showlegend=False,
            ),
            row=i // columns + 1,
            col=i % columns + 1,
        )
        figure.update_xaxes(
            range=[low, high],
            title_text=_axis_label(parameters, row.parameter),
            row=i // columns + 1,
            col=i % columns + 1,
        )
    figure.update_layout(
        title="Marginal posteriors (x axis: the whole prior range; flat = not pinned down)",
        template=TEMPLATE,
        font=FONT,
        width=1100,
        height=300 * rows,
        bargap=0.05,
    )
    return figure


def posterior_pairs(particles: pd.DataFrame, parameters: pd.DataFrame) -> go.Figure:
    """Pair plot of the posterior particles (colour: weight), log-scale parameters as log10."""
    names = list(parameters["parameter"])
    figure = go.Figure(
        go.Splom(
            dimensions=[
                dict(
                    label=_axis_label(parameters, n),
                    values=_axis_values(particles, parameters, n),
                )
                for n in names
            ],
            marker=dict(
                color=particles["weight"],
                colorscale="Viridis",
                size=4,
                showscale=True,
                colorbar=dict(title="weight"),
            ),
            diagonal_visible=False,
            showupperhalf=False,
        )
    )
    figure.update_layout(
        title="Posterior pairs (ridges show parameters the data trade against each other)",
        template=TEMPLATE,
        font={**FONT, "size": 9},
        width=1100,
        height=1100,
    )
    return figure
