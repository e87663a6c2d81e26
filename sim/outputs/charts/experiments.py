"""Charts of experiments: sweep responses and heatmaps, trade-offs, comparisons, Sobol bars."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.outputs.charts.runs import band_trace
from sim.outputs.labels import (
    OUTCOME_PREFIX,
    formatted,
    is_percent,
    label,
    number_format,
    outcome_columns,
    plain_number,
)
from sim.outputs.style import (
    DESIGN_COLOURS,
    FIRST_ORDER,
    HEATMAP_SCALE,
    TOTAL_EFFECT,
    design_colours,
)
from sim.outputs.style import styled as _style
from sim.stats import mean_interval


def mean_ci(values: pd.Series, level: float = 0.95) -> tuple[float, float, float, int]:
    """Mean and Student-t confidence interval of the values (NaNs dropped)."""
    values = values.dropna().to_numpy(dtype=np.float64)
    return (*mean_interval(values, level), int(values.size))


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
            band = band_trace(
                data["value"], data["ci_low"], data["ci_high"], colour,
                "95% confidence interval", meta,
            )  # fmt: skip
            figure.add_trace(band, row=row, col=col)
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


def sweep_heatmap_noise(
    summary: pd.DataFrame, x_factor: str, y_factor: str, outcome: str
) -> pd.DataFrame:
    """95% half-width of each cell's mean (t over its runs; NaN with fewer than 2 runs)."""
    runs = finished(summary)
    grid = sweep_heatmap_data(summary, x_factor, y_factor, outcome)
    half = runs.groupby([y_factor, x_factor])[outcome].apply(_half_width)
    return half.unstack(x_factor).reindex(index=grid.index, columns=grid.columns)


def _half_width(values: pd.Series) -> float:
    _, low, high = mean_interval(values.to_numpy(dtype=np.float64))
    return (high - low) / 2


def sweep_heatmap(
    summary: pd.DataFrame,
    x_factor: str,
    y_factor: str,
    outcome: str,
    percent: Collection[str] = (),
    more_is_better: bool | None = None,
) -> go.Figure:
    """Mean outcome over the grid of two factors, as a heatmap, with its replicate noise.

    Each cell shows its mean and 95% half-width; with a direction, cells that cannot be told
    from the best cell (their intervals overlap) are marked "≈ best". When the whole grid
    spans less than the noise, the colour scale is widened to the noise, so colour does not
    show differences the runs cannot tell apart.
    """
    grid = sweep_heatmap_data(summary, x_factor, y_factor, outcome)
    noise = sweep_heatmap_noise(summary, x_factor, y_factor, outcome)
    counts = (
        finished(summary)
        .pivot_table(index=y_factor, columns=x_factor, values=outcome, aggfunc="count")
        .reindex(index=grid.index, columns=grid.columns)
        .fillna(0)
    )
    z = grid.to_numpy(dtype=np.float64)
    half = noise.to_numpy(dtype=np.float64)
    typical = float(np.nanmedian(half)) if np.isfinite(half).any() else float("nan")
    spread = float(np.nanmax(z) - np.nanmin(z)) if np.isfinite(z).any() else 0.0
    colour_range: dict = {}
    within_noise = np.isfinite(typical) and spread < 2 * typical
    if within_noise:
        centre = float(np.nanmean(z))
        colour_range = dict(zmin=centre - typical, zmax=centre + typical)
    near_best = np.zeros(z.shape, dtype=bool)
    if more_is_better is not None and np.isfinite(z).any():
        best = np.unravel_index(np.nanargmax(z if more_is_better else -z), z.shape)
        gap = np.abs(z - z[best])
        near_best = gap <= np.nan_to_num(half, nan=0.0) + np.nan_to_num(half[best], nan=0.0)
        near_best &= np.isfinite(half)
    text = [
        [
            _cell_text(z[i, j], half[i, j], near_best[i, j], outcome, percent)
            for j in range(z.shape[1])
        ]
        for i in range(z.shape[0])
    ]
    z_format = number_format(outcome, percent)
    figure = go.Figure(
        go.Heatmap(
            x=[formatted(v, x_factor, percent) for v in grid.columns],
            y=[formatted(v, y_factor, percent) for v in grid.index],
            z=z,
            text=text,
            colorscale=HEATMAP_SCALE,
            colorbar=dict(title=dict(text=label(outcome, percent)), tickformat=z_format),
            customdata=counts.to_numpy(),
            texttemplate="%{text}",
            hovertemplate=(
                f"{label(x_factor, percent)}: %{{x}}<br>{label(y_factor, percent)}: %{{y}}"
                f"<br>{label(outcome, percent)}: %{{text}}"
                "<br>runs: %{customdata}<extra></extra>"
            ),
            meta={"panel": label(outcome, percent), "series": outcome, "role": "grid"},
            **colour_range,
        )
    )
    figure.update_xaxes(title_text=label(x_factor, percent), type="category")
    figure.update_yaxes(title_text=label(y_factor, percent), type="category")
    words = [label(name, percent).split(",")[0] for name in (outcome, x_factor, y_factor)]
    title = f"{words[0]} by {words[1].lower()} and {words[2].lower()} (mean of runs ± 95% CI)"
    if within_noise:
        title += (
            "<br><sup>every cell is within replicate noise: "
            "the colours show no real difference</sup>"
        )
    elif near_best.sum() > 1:
        title += f"<br><sup>≈ best: {int(near_best.sum())} cells cannot be told from the best</sup>"
    return _style(figure, title, height=540)


def _cell_text(
    value: float, half: float, near_best: bool, outcome: str, percent: Collection[str]
) -> str:
    """A heatmap cell: mean, its 95% half-width (points for shares) and the ≈ best mark."""
    if not np.isfinite(value):
        return ""
    text = formatted(value, outcome, percent)
    if np.isfinite(half):
        share = is_percent(outcome, percent)
        text += f"<br>± {half * 100:.1f} pp" if share else f"<br>± {plain_number(half)}"
    return text + ("<br>≈ best" if near_best else "")


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


LABEL_POSITIONS = ("top center", "bottom center", "middle right", "middle left",
                   "top right", "bottom left", "top left", "bottom right")  # fmt: skip
LABEL_OFFSETS = {  # where each position puts a label, in axis fractions, roughly
    "top center": (0.0, 0.05), "bottom center": (0.0, -0.05), "middle right": (0.1, 0.0),
    "middle left": (-0.1, 0.0), "top right": (0.08, 0.05), "bottom left": (-0.08, -0.05),
    "top left": (-0.08, 0.05), "bottom right": (0.08, -0.05),
}  # fmt: skip


def label_positions(x: Sequence[float], y: Sequence[float]) -> list[str]:
    """A text position per point so that labels of nearby points do not print on each other.

    Each label, highest point first, takes the first position whose spot (in fractions of
    the axis ranges) is clear of the labels already placed; far-apart points keep
    "top center".
    """
    xs, ys = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    span_x = float(np.ptp(xs)) or 1.0
    span_y = float(np.ptp(ys)) or 1.0
    placed: list[tuple[float, float]] = []
    positions = [LABEL_POSITIONS[0]] * len(xs)
    unit_x, unit_y = (xs - xs.min()) / span_x, (ys - ys.min()) / span_y
    for index in np.argsort(-unit_y, kind="stable"):  # highest first: it takes the top
        px, py = unit_x[index], unit_y[index]
        chosen, spot = LABEL_POSITIONS[0], (px, py + LABEL_OFFSETS[LABEL_POSITIONS[0]][1])
        for position in LABEL_POSITIONS:
            dx, dy = LABEL_OFFSETS[position]
            candidate = (px + dx, py + dy)
            if all(abs(candidate[0] - qx) > 0.12 or abs(candidate[1] - qy) > 0.06
                   for qx, qy in placed):  # fmt: skip
                chosen, spot = position, candidate
                break
        placed.append(spot)
        positions[index] = chosen
    return positions


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
    positions = label_positions(data["excluded"], data["gained"])
    for row, position in zip(data.itertuples(index=False), positions, strict=True):
        figure.add_trace(
            go.Scatter(
                x=[row.excluded],
                y=[row.gained],
                mode="markers+text",
                text=[row.design],
                textposition=position,
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
    figure.update_xaxes(
        title_text=f"{label(exclusion, percent)} (fewer is better: left)", tickformat=x_format
    )
    gained_unit = " (percentage points)" if is_percent(compliance, percent) else ""
    figure.update_yaxes(
        title_text=f"{label(compliance, percent).split(',')[0]} gained over "
        f"{baseline_name}{gained_unit} (more is better: up)",
        tickformat=y_format,
    )
    figure.add_annotation(
        xref="paper",
        yref="paper",
        x=0.01,
        y=0.99,
        xanchor="left",
        yanchor="top",
        text="<b>better</b>: up and to the left",
        showarrow=False,
        font=dict(color="#2a7f3f"),
        name="better",
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

    One panel per outcome, factors down the side. Estimates stray below 0 or above 1 by
    sampling error: bars and intervals are clipped to [0, 1], the hover gives the raw
    estimate, and the title says when anything was clipped.
    """
    clipped = bool(
        (sensitivity[["first_order", "total"]] < 0).to_numpy().any()
        or (sensitivity[["first_order", "total"]] > 1).to_numpy().any()
        or (sensitivity[["first_order_ci_low", "total_ci_low"]] < 0).to_numpy().any()
        or (sensitivity[["first_order_ci_high", "total_ci_high"]] > 1).to_numpy().any()
    )
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
            shown = part[kind].clip(0.0, 1.0)
            low = part[f"{kind}_ci_low"].clip(0.0, 1.0)
            high = part[f"{kind}_ci_high"].clip(0.0, 1.0)
            figure.add_trace(
                go.Bar(
                    x=shown,
                    y=factors,
                    orientation="h",
                    name=name,
                    legendgroup=kind,
                    showlegend=index == 0,
                    marker_color=colour,
                    error_x=dict(
                        type="data",
                        symmetric=False,
                        array=(high - shown).clip(lower=0.0),
                        arrayminus=(shown - low).clip(lower=0.0),
                        color="#333333",
                    ),
                    customdata=np.column_stack(
                        [
                            part[f"{kind}_ci_low"],
                            part[f"{kind}_ci_high"],
                            part["factor"],
                            part[kind],
                        ]
                    ),
                    hovertemplate=(
                        f"<b>%{{customdata[2]}}</b><br>{name} index of {label(outcome, percent)}: "
                        "%{customdata[3]:.3f}<br>95% CI %{customdata[0]:.3f} to "
                        "%{customdata[1]:.3f}"
                        "<extra></extra>"
                    ),
                    meta={"panel": outcome, "series": kind, "role": "index"},
                ),
                row=row,
                col=1,
            )
        figure.update_xaxes(
            title_text="Sobol index (share of variance)", range=[0, 1.02], row=row, col=1
        )
        figure.update_yaxes(title_text="Factor", autorange="reversed", row=row, col=1)
    title = "Sensitivity: share of each outcome's variance due to each factor (Sobol indices)"
    if clipped:
        title += (
            "<br><sup>Some estimates or intervals fall outside 0..1 (sampling error) and are "
            "clipped; more samples narrow them</sup>"
        )
    return _style(figure, title, height=height).update_layout(barmode="group")


def morris_screening(screening: pd.DataFrame, percent: Collection[str] = ()) -> go.Figure:
    """Morris screening: mu* (importance) against sigma (interactions), one panel per outcome.

    Factors near the origin can be fixed; above the diagonal sigma = mu* a factor's effect
    depends on where the others are. Horizontal bars are mu*'s bootstrap 95% intervals.
    """
    outcomes = list(dict.fromkeys(screening["outcome"]))
    figure = make_subplots(
        rows=1,
        cols=len(outcomes),
        subplot_titles=[label(o, percent).split(",")[0] for o in outcomes],
        horizontal_spacing=0.08,
    )
    for index, outcome in enumerate(outcomes):
        part = screening[screening["outcome"] == outcome]
        names = [label(f).split(",")[0] for f in part["factor"]]
        top = float(max(part["mu_star_ci_high"].max(), part["sigma"].max(), 0.0)) or 1.0
        figure.add_trace(
            go.Scatter(
                x=[0, top],
                y=[0, top],
                mode="lines",
                line=dict(color="#999999", dash="dot"),
                name="sigma = mu*",
                showlegend=index == 0,
                hoverinfo="skip",
            ),
            row=1,
            col=index + 1,
        )
        figure.add_trace(
            go.Scatter(
                x=part["mu_star"],
                y=part["sigma"],
                mode="markers+text",
                text=names,
                textposition="top center",
                marker=dict(size=9, color=TOTAL_EFFECT),
                error_x=dict(
                    type="data",
                    symmetric=False,
                    array=part["mu_star_ci_high"] - part["mu_star"],
                    arrayminus=part["mu_star"] - part["mu_star_ci_low"],
                    color="#333333",
                ),
                name="factor",
                showlegend=False,
                customdata=np.column_stack([part["factor"], part["mu"]]),
                hovertemplate=(
                    "<b>%{customdata[0]}</b><br>mu* %{x:,.3~r}, sigma %{y:,.3~r}, "
                    "mu %{customdata[1]:,.3~r}<extra></extra>"
                ),
                meta={"panel": outcome, "role": "factor"},
            ),
            row=1,
            col=index + 1,
        )
        figure.update_xaxes(
            title_text="mu*: mean absolute effect (per full range)",
            rangemode="tozero",
            row=1,
            col=index + 1,
        )
        figure.update_yaxes(title_text="sigma: spread of effects", rangemode="tozero", row=1)
    title = "Screening (Morris): which factors matter (right) and act through others (up)"
    return _style(figure, title, height=520)


def second_order_matrix(pairs: pd.DataFrame, percent: Collection[str] = ()) -> go.Figure:
    """Second-order Sobol indices: the share of variance due to each pair acting together.

    One matrix per outcome (upper triangle); colours span 0..1 like the other indices, and
    the hover gives each estimate with its 95% interval.
    """
    outcomes = list(dict.fromkeys(pairs["outcome"]))
    figure = make_subplots(
        rows=1,
        cols=len(outcomes),
        subplot_titles=[label(o, percent).split(",")[0] for o in outcomes],
        horizontal_spacing=0.12,
    )
    for index, outcome in enumerate(outcomes):
        part = pairs[pairs["outcome"] == outcome]
        names = list(dict.fromkeys([*part["factor"], *part["other_factor"]]))
        shown = [label(name).split(",")[0] for name in names]
        position = {name: i for i, name in enumerate(names)}
        values = np.full((len(names), len(names)), np.nan)
        hover = np.full((len(names), len(names)), "", dtype=object)
        for row in part.itertuples():
            i, j = position[row.factor], position[row.other_factor]
            values[i, j] = row.second_order
            hover[i, j] = (
                f"{row.factor} x {row.other_factor}<br>second-order index "
                f"{row.second_order:.3f} (95% CI {row.ci_low:.3f} to {row.ci_high:.3f})"
            )
        figure.add_trace(
            go.Heatmap(
                z=np.clip(values, 0.0, 1.0),
                x=shown,
                y=shown,
                zmin=0.0,
                zmax=1.0,
                colorscale="Blues",
                text=hover,
                hovertemplate="%{text}<extra></extra>",
                showscale=index == 0,
                colorbar=dict(title="index"),
                meta={"panel": outcome, "role": "pairs"},
            ),
            row=1,
            col=index + 1,
        )
        figure.update_yaxes(autorange="reversed", row=1, col=index + 1)
    title = "Pairs: share of variance due to two factors acting together (second-order Sobol)"
    return _style(figure, title, height=480)
