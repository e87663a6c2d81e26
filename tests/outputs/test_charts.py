"""Each chart draws exactly the numbers of the results table it was made from."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from results_tables import (
    ishigami_sensitivity,
    paired_comparison,
    write_comparison,
    write_sweep,
)

from sim.outputs import charts, labels, style
from sim.outputs.report import read_runs

FACTOR_DETECT = "factor.behaviours.loan_default.detectability"
FACTOR_DURATION = "factor.schemes.default.blacklist_duration_months"
COMPLIANCE = "outcome.final_compliance_rate"
EXCLUSION = "outcome.mean_blacklisted_share"


@pytest.fixture(scope="module")
def comparison_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_comparison(tmp_path_factory.mktemp("designs"))


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sweep(tmp_path_factory.mktemp("sweep"))


@pytest.fixture(scope="module")
def design_runs(comparison_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    summary = pd.read_parquet(comparison_dir / "summary.parquet")
    timeseries, quintiles = read_runs(
        [comparison_dir / r for r in summary["run_id"]], summary["design"].tolist()
    )
    return summary, timeseries, quintiles


def traces(figure, role: str) -> list:
    return [t for t in figure.data if (t.meta or {}).get("role") == role]


def raw_timeseries(run_dir: Path) -> pd.DataFrame:
    """A run's time series read straight from disk, causes as shares of all citizens."""
    frame = pd.read_parquet(run_dir / "timeseries.parquet")
    listed = frame["blacklisted_share"]
    frame["involuntary_listed_share"] = frame["involuntary_blacklisted_share"] * listed
    frame["false_positive_listed_share"] = frame["false_positive_blacklisted_share"] * listed
    return frame


def test_time_series_lines_and_bands_are_the_runs_mean_and_spread(comparison_dir, design_runs):
    summary, timeseries, _ = design_runs
    figure = charts.compliance_over_time(timeseries, designs=["lenient", "strict"])
    means = traces(figure, "mean")
    assert {t.meta["series"] for t in means} == {"lenient", "strict"}
    assert len(means) == 2 * len(charts.over_time_panels(timeseries))
    for trace in means:
        runs = summary[summary["design"] == trace.meta["series"]]["run_id"]
        stacked = pd.concat([raw_timeseries(comparison_dir / r) for r in runs])
        by_step = stacked.groupby("step")[trace.meta["column"]]
        np.testing.assert_array_equal(trace.x, by_step.mean().index)
        np.testing.assert_allclose(trace.y, by_step.mean().to_numpy())
    for trace in traces(figure, "band"):
        runs = summary[summary["design"] == trace.meta["series"]]["run_id"]
        stacked = pd.concat([raw_timeseries(comparison_dir / r) for r in runs])
        by_step = stacked.groupby("step")[trace.meta["column"]]
        expected = np.concatenate(
            [by_step.quantile(0.95).to_numpy(), by_step.quantile(0.05).to_numpy()[::-1]]
        )
        np.testing.assert_allclose(trace.y, expected)


def test_a_single_run_is_drawn_in_concept_colours_without_bands(comparison_dir, design_runs):
    summary, _, _ = design_runs
    run_dir = comparison_dir / summary["run_id"].iloc[0]
    frame = raw_timeseries(run_dir)
    figure = charts.compliance_over_time(pd.read_parquet(run_dir / "timeseries.parquet"))
    assert not traces(figure, "band")
    colours = {t.meta["column"]: t.line.color for t in traces(figure, "mean")}
    assert colours == {
        "compliance_rate": style.COMPLIANT,
        "blacklisted_share": style.BLACKLISTED,
        "involuntary_listed_share": style.INVOLUNTARY,
        "false_positive_listed_share": style.FALSE_POSITIVE,
        "redlisted_share": style.REDLISTED,
    }
    for trace in traces(figure, "mean"):
        np.testing.assert_allclose(trace.y, frame[trace.meta["column"]])


def test_city_small_multiples_draw_each_city_column(comparison_dir, design_runs):
    summary, timeseries, _ = design_runs
    figure = charts.by_city_over_time(timeseries)
    cities = charts.city_names(timeseries)
    assert cities == ["north", "south"]
    drawn = {(t.meta["column"], t.meta["series"]) for t in traces(figure, "mean")}
    for city in cities:
        for design in ("lenient", "strict"):
            assert (f"compliance_rate__{city}", design) in drawn
            assert (f"blacklisted_share__{city}", design) in drawn
    stacked = pd.concat(
        [
            raw_timeseries(comparison_dir / r).assign(design=d)
            for r, d in summary[["run_id", "design"]].values
        ]
    )
    for trace in traces(figure, "mean"):
        part = stacked[stacked["design"] == trace.meta["series"]]
        expected = part.groupby("step")[trace.meta["column"]].mean()
        np.testing.assert_allclose(trace.y, expected.to_numpy())


def test_income_quintile_bars_match_the_agent_tables(comparison_dir, design_runs):
    summary, _, quintiles = design_runs
    figure = charts.by_income_quintile(quintiles, designs=["lenient", "strict"])
    expected = {}
    for run_id, design in summary[["run_id", "design"]].values:
        agents = pd.read_parquet(comparison_dir / run_id / "agents.parquet")
        citizens = agents[agents["kind"] == "citizen"]
        listed = citizens["blacklisted"].astype(bool)
        cause = citizens["listing_cause"].astype(str)
        per_quintile = pd.DataFrame(
            {
                "quintile": citizens["income_quintile"],
                "blacklisted_share": listed,
                "involuntary_listed_share": listed & (cause == "involuntary"),
                "false_positive_listed_share": listed & (cause == "false_record"),
                "rewards": citizens["rewards_yuan"],
            }
        ).groupby("quintile")
        shares = per_quintile.mean()
        shares["reward_share"] = per_quintile["rewards"].sum() / citizens["rewards_yuan"].sum()
        shares["heads"] = per_quintile.size()
        for column in ("blacklisted_share", "involuntary_listed_share",
                       "false_positive_listed_share"):  # fmt: skip
            shares[f"{column}_count"] = per_quintile[column].sum()
        expected.setdefault(design, []).append(shares)
    for trace in traces(figure, "mean"):
        runs = expected[trace.meta["series"]]
        mean = pd.concat(runs).groupby(level=0)[trace.meta["column"]].mean()
        np.testing.assert_array_equal(trace.x, mean.index)
        np.testing.assert_allclose(trace.y, mean.to_numpy())
        if trace.meta["column"] != "reward_share":  # the head count behind every share
            table = pd.concat(runs).groupby(level=0)
            counts = table[f"{trace.meta['column']}_count"].mean()
            heads = table["heads"].mean()
            for text, count, total in zip(trace.customdata[:, 3], counts, heads, strict=True):
                assert text == (
                    f" ({labels.plain_number(count)} of {labels.plain_number(total)} "
                    "citizens a run)"
                )
    rewards = [t for t in traces(figure, "mean") if t.meta["column"] == "reward_share"]
    for trace in rewards:  # every run's reward shares add up to all rewards
        assert sum(trace.y) == pytest.approx(1.0)


def test_designs_keep_one_colour_in_every_chart(comparison_dir, design_runs):
    summary, timeseries, quintiles = design_runs
    comparison = pd.read_parquet(comparison_dir / "comparison.parquet")
    order = ["lenient", "strict"]
    figures = [
        charts.compliance_over_time(timeseries, designs=order),
        charts.by_city_over_time(timeseries, designs=order),
        charts.by_income_quintile(quintiles, designs=order),
        charts.tradeoff(summary, COMPLIANCE, EXCLUSION, "lenient", comparison),
        charts.comparison_forest(comparison, order),
    ]
    expected = style.design_colours(order)
    for figure in figures:
        checked = 0
        for trace in figure.data:
            series = (trace.meta or {}).get("series")
            if series in expected and trace.meta["role"] != "band":
                drawn_as_line = trace.type == "scatter" and trace.mode == "lines"
                colour = trace.line.color if drawn_as_line else trace.marker.color
                assert colour == expected[series], (figure.layout.title.text, series)
                checked += 1
        assert checked >= len(order) - 1, figure.layout.title.text
    assert len(set(expected.values())) == len(order)


def test_tradeoff_points_are_exclusion_levels_and_paired_gains(comparison_dir):
    summary = pd.read_parquet(comparison_dir / "summary.parquet")
    comparison = pd.read_parquet(comparison_dir / "comparison.parquet")
    figure = charts.tradeoff(summary, COMPLIANCE, EXCLUSION, "lenient", comparison)
    points = {t.meta["series"]: t for t in traces(figure, "design")}
    assert list(points) == ["lenient", "strict"]
    for design, trace in points.items():
        own = summary[summary["design"] == design]
        assert trace.x[0] == pytest.approx(own[EXCLUSION].mean())
    assert points["lenient"].y[0] == 0.0
    strict = comparison[
        (comparison["design"] == "strict") & (comparison["outcome"] == COMPLIANCE[8:])
    ]
    assert points["strict"].y[0] == pytest.approx(strict["mean_difference"].iloc[0])
    assert points["strict"].error_y.array[0] == pytest.approx(
        strict["ci_high"].iloc[0] - strict["mean_difference"].iloc[0]
    )
    # Without the comparison table the gain is the same paired difference, from the summary.
    alone = charts.tradeoff_data(summary, COMPLIANCE, EXCLUSION, "lenient")
    row = alone.set_index("design").loc["strict"]
    assert row["gained"] == pytest.approx(strict["mean_difference"].iloc[0])
    assert row["gained_low"] == pytest.approx(strict["ci_low"].iloc[0])
    # which way is better is marked on each axis and in the plot
    assert "fewer is better" in figure.layout.xaxis.title.text
    assert "more is better" in figure.layout.yaxis.title.text
    assert any(note.name == "better" for note in figure.layout.annotations)


def test_forest_plot_draws_every_difference_and_interval(comparison_dir):
    summary = pd.read_parquet(comparison_dir / "summary.parquet")
    comparison = paired_comparison(summary, "lenient")
    figure = charts.comparison_forest(comparison, ["lenient", "strict"])
    drawn = traces(figure, "difference")
    assert len(drawn) == len(comparison)
    for trace, row in zip(drawn, comparison.itertuples(), strict=True):
        assert trace.meta["panel"] == row.outcome
        assert trace.x[0] == pytest.approx(row.mean_difference)
        assert trace.x[0] + trace.error_x.array[0] == pytest.approx(row.ci_high)
        assert trace.x[0] - trace.error_x.arrayminus[0] == pytest.approx(row.ci_low)


def test_sweep_response_is_the_mean_of_finished_runs_at_each_value(sweep_dir):
    summary = pd.read_parquet(sweep_dir / "summary.parquet")
    assert (summary["status"] == "failed").sum() == 1
    figure = charts.sweep_response(summary, FACTOR_DETECT)
    ok = summary[summary["status"] == "ok"]
    means = traces(figure, "mean")
    assert [t.meta["series"] for t in means] == labels.outcome_columns(summary)
    for trace in means:
        expected = ok.groupby(FACTOR_DETECT)[trace.meta["series"]].mean()
        np.testing.assert_allclose(trace.x, expected.index)
        np.testing.assert_allclose(trace.y, expected.to_numpy())
        low, high = (
            np.asarray(trace.customdata[:, 0], float),
            np.asarray(trace.customdata[:, 1], float),
        )
        assert np.all(low <= trace.y) and np.all(trace.y <= high)
        assert list(trace.customdata[:, 2]) == ok.groupby(FACTOR_DETECT).size().tolist()


def test_heatmap_cells_are_grid_means(sweep_dir):
    summary = pd.read_parquet(sweep_dir / "summary.parquet")
    figure = charts.sweep_heatmap(summary, FACTOR_DETECT, FACTOR_DURATION, COMPLIANCE)
    (grid,) = traces(figure, "grid")
    ok = summary[summary["status"] == "ok"]
    for i, duration in enumerate(sorted(ok[FACTOR_DURATION].unique())):
        for j, detect in enumerate(sorted(ok[FACTOR_DETECT].unique())):
            cell = ok[(ok[FACTOR_DURATION] == duration) & (ok[FACTOR_DETECT] == detect)]
            assert grid.z[i][j] == pytest.approx(cell[COMPLIANCE].mean())
            assert grid.x[j] == labels.formatted(detect, FACTOR_DETECT)
            assert grid.y[i] == labels.formatted(duration, FACTOR_DURATION)


def test_sensitivity_bars_are_the_indices_with_their_intervals():
    table = ishigami_sensitivity()
    figure = charts.sensitivity_bars(table)
    bars = {t.meta["series"]: t for t in traces(figure, "index")}
    for kind, colour in (("first_order", style.FIRST_ORDER), ("total", style.TOTAL_EFFECT)):
        trace = bars[kind]
        assert trace.marker.color == colour and trace.orientation == "h"
        values = np.asarray(trace.x)  # estimates and intervals as drawn: clipped to [0, 1]
        np.testing.assert_allclose(values, table[kind].clip(0, 1))
        high, low = table[f"{kind}_ci_high"].clip(0, 1), table[f"{kind}_ci_low"].clip(0, 1)
        np.testing.assert_allclose(values + trace.error_x.array, high)
        np.testing.assert_allclose(values - trace.error_x.arrayminus, low)
        np.testing.assert_allclose([row[3] for row in trace.customdata], table[kind])
    # Ishigami's x2 has the largest first-order index, x3 none of its own (known answer).
    first = bars["first_order"].x
    assert np.argmax(first) == 1 and first[2] < 0.1


def test_labels_name_the_unit():
    assert labels.label(FACTOR_DURATION).endswith(", months")
    assert labels.label(COMPLIANCE) == "Final compliance rate, %"
    assert labels.label("outcome.final_blacklisted_people").endswith(", people")
    assert labels.is_percent(FACTOR_DETECT) and not labels.is_percent(FACTOR_DURATION)
    assert labels.formatted(0.1234, COMPLIANCE) == "12.3%"
    # an outcome named freely is a share when its metric is (the report passes those names)
    assert labels.label("outcome.blacklisted") == "Blacklisted"
    assert labels.label("outcome.blacklisted", percent={"blacklisted"}) == "Blacklisted, %"
    assert labels.number_format("blacklisted", percent={"blacklisted"}) == ".1~%"


def test_every_chart_has_a_title_and_axis_titles(comparison_dir, sweep_dir, design_runs):
    summary, timeseries, quintiles = design_runs
    sweep = pd.read_parquet(sweep_dir / "summary.parquet")
    figures = [
        charts.compliance_over_time(timeseries),
        charts.by_city_over_time(timeseries),
        charts.by_income_quintile(quintiles),
        charts.tradeoff(summary, COMPLIANCE, EXCLUSION),
        charts.comparison_forest(pd.read_parquet(comparison_dir / "comparison.parquet")),
        charts.sweep_response(sweep, FACTOR_DURATION),
        charts.sweep_heatmap(sweep, FACTOR_DETECT, FACTOR_DURATION, EXCLUSION),
        charts.sensitivity_bars(ishigami_sensitivity()),
    ]
    for figure in figures:
        assert figure.layout.title.text
        layout = figure.to_plotly_json()["layout"]
        for axis in ("xaxis", "yaxis"):
            titles = [
                v.get("title", {}).get("text") for k, v in layout.items() if k.startswith(axis)
            ]
            assert any(titles), (figure.layout.title.text, axis)
        for trace in figure.data:
            assert trace.hoverinfo == "skip" or trace.hovertemplate
            assert re.search(r":[^}]*[eg]\}", trace.hovertemplate or "") is None  # no exponents
        for key, axis in layout.items():  # every axis: decimal notation, never "8e+5"
            if key.startswith(("xaxis", "yaxis")):
                assert axis.get("exponentformat") == "none", (figure.layout.title.text, key)
                assert not str(axis.get("tickformat", "")).endswith(("g", "e")), key


def test_city_panels_of_one_measure_share_their_y_range(design_runs):
    _, timeseries, _ = design_runs
    figure = charts.by_city_over_time(timeseries)
    layout = figure.layout
    axes = sorted(
        (name for name in layout if name.startswith("yaxis")),
        key=lambda name: int(name[5:] or 1),
    )
    cols = 2  # north and south
    ranges = [tuple(layout[name].range) for name in axes]
    for row in range(len(ranges) // cols):
        assert len(set(ranges[row * cols : (row + 1) * cols])) == 1, ranges
    # and the shared range holds every line drawn in the row
    for trace in traces(figure, "mean"):
        axis = layout["yaxis" + (trace.yaxis[1:] or "")]
        assert axis.range[0] <= min(trace.y) and max(trace.y) <= axis.range[1]


def test_a_city_nobody_is_listed_in_says_so():
    frame = pd.DataFrame(
        {
            "step": [1, 2, 3],
            "compliance_rate__a": [0.9, 0.91, 0.92],
            "compliance_rate__b": [0.8, 0.85, 0.9],
            "blacklisted_share__a": [0.0, 0.01, 0.02],
            "blacklisted_share__b": [0.0, 0.0, 0.0],
            "redlisted_share__a": [0.0, 0.0, 0.0],
            "redlisted_share__b": [0.0, 0.0, 0.0],
        }
    )
    figure = charts.by_city_over_time(frame, group=None)
    notes = [a for a in figure.layout.annotations if a.text == "nobody listed"]
    assert len(notes) == 1 and notes[0].xref == "x4 domain"


@settings(max_examples=40, deadline=None)
@given(
    x=st.floats(0, 100),
    y=st.floats(0, 100),
    dx=st.floats(-2, 2),
    dy=st.floats(-2, 2),
)
def test_labels_of_two_points_close_together_take_different_positions(x, y, dx, dy):
    from sim.outputs.charts.experiments import label_positions

    # Two points within 2% of the axes of each other, and two far corners fixing the ranges.
    xs, ys = [x, x + dx, -100.0, 200.0], [y, y + dy, -100.0, 200.0]
    positions = label_positions(xs, ys)
    assert positions[0] != positions[1]
    assert positions[2] == positions[3] == "top center"
    upper, lower = (0, 1) if y >= y + dy else (1, 0)
    if abs(dy) > 0.5 and positions[upper].startswith(("top", "bottom")):
        assert not (positions[upper].startswith("bottom") and positions[lower].startswith("top"))


def _noisy_grid(effect: float, noise: float, seed: int = 0) -> pd.DataFrame:
    """A 2 x 2 grid, 6 runs a cell: outcome = effect x (a + b) + noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for a in (0, 1):
        for b in (0, 1):
            for r in range(6):
                value = effect * (a + b) + noise * rng.standard_normal()
                rows.append(
                    {"status": "ok", "factor.a": a, "factor.b": b, "replicate": r,
                     "outcome.score": value}
                )  # fmt: skip
    return pd.DataFrame(rows)


def test_heatmap_cells_show_their_interval_and_which_cannot_be_told_from_the_best():
    from scipy import stats

    summary = _noisy_grid(effect=10.0, noise=0.5)
    figure = charts.sweep_heatmap(summary, "factor.a", "factor.b", "outcome.score",
                                  more_is_better=True)  # fmt: skip
    (grid,) = traces(figure, "grid")
    cell = summary[(summary["factor.a"] == 1) & (summary["factor.b"] == 1)]["outcome.score"]
    half = stats.t.ppf(0.975, len(cell) - 1) * cell.std(ddof=1) / np.sqrt(len(cell))
    assert f"± {labels.plain_number(half)}" in grid.text[1][1]
    # Effects of 10 against noise of 0.5: only the best cell is "≈ best", colours span the data.
    marked = [[("≈ best" in t) for t in row] for row in grid.text]
    assert marked == [[False, False], [False, True]]
    assert grid.zmin is None and "within replicate noise" not in figure.layout.title.text


def test_a_heatmap_of_pure_noise_says_so_and_does_not_stretch_its_colours():
    summary = _noisy_grid(effect=0.0, noise=1.0, seed=3)
    figure = charts.sweep_heatmap(summary, "factor.a", "factor.b", "outcome.score",
                                  more_is_better=False)  # fmt: skip
    (grid,) = traces(figure, "grid")
    z = np.asarray(grid.z, dtype=float)
    assert "within replicate noise" in figure.layout.title.text
    assert grid.zmin <= z.min() and grid.zmax >= z.max()  # the scale spans the noise
    assert sum("≈ best" in t for row in grid.text for t in row) >= 2
