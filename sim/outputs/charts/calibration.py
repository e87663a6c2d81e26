"""The calibration chart: simulated against published figures."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from sim.outputs.labels import human_number
from sim.outputs.style import BLACKLISTED, FONT, TEMPLATE, VIOLATING


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
