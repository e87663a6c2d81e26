"""One colour per concept and the house layout, shared by every chart, the reports and the app.

Concepts take the Okabe-Ito palette (colour-blind safe); designs take Paul Tol's "bright"
palette (also colour-blind safe), in a fixed order, baseline first.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import plotly.graph_objects as go

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


def design_colours(designs: Iterable[str]) -> dict[str, str]:
    """Colour of each design, in the order given (put the baseline first)."""
    unique = list(dict.fromkeys(designs))
    return {d: DESIGN_COLOURS[i % len(DESIGN_COLOURS)] for i, d in enumerate(unique)}


def rgba(colour: str, alpha: float) -> str:
    """A `#RRGGBB` colour made translucent, as a CSS colour string."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def styled(figure: go.Figure, title: str, height: int) -> go.Figure:
    """The house layout: title at the left, white template, legend below the plot."""
    figure.update_layout(
        title=dict(text=title, x=0.01, xanchor="left"),
        template=TEMPLATE,
        font=FONT,
        height=height,
        hoverlabel=dict(namelength=-1),
        legend=dict(orientation="h", yanchor="top", y=-0.12, x=0.0),
        margin=dict(l=70, r=30, t=80, b=90),
    )
    # Axes a person reads: "800,000", never "8e+5" (also where a chart sets no tickformat).
    figure.update_xaxes(exponentformat="none", separatethousands=True)
    figure.update_yaxes(exponentformat="none", separatethousands=True)
    return figure
