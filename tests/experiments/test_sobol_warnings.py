"""Sobol estimates that are not yet usable are said so, and charts clip them to [0, 1]."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.experiments.sensitivity import COLUMNS, sobol_of_function, sobol_warnings
from sim.outputs.charts import sensitivity_bars


def ishigami(x: np.ndarray) -> np.ndarray:
    return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


def _table(result: dict[str, np.ndarray]) -> pd.DataFrame:
    rows = [
        {"outcome": "y", "factor": f"x{i}"} | {key: float(result[key][i]) for key in COLUMNS[2:]}
        for i in range(result["first_order"].size)
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def test_few_samples_of_ishigami_warn_and_say_what_to_do():
    bounds = [(-math.pi, math.pi)] * 3
    table = _table(sobol_of_function(ishigami, bounds, 8, np.random.default_rng(2), 200))
    found = sobol_warnings(table)
    assert found and "double [sampling] points" in found[-1]
    assert any("wider than" in text or "not converged" in text for text in found)


def test_many_samples_of_an_additive_function_do_not_warn():
    weights = np.array([1.0, 2.0, 3.0])
    table = _table(
        sobol_of_function(lambda x: x @ weights, [(0.0, 1.0)] * 3, 4096, np.random.default_rng(4))
    )
    # exact first-order and total indices: w_i^2 / sum w^2 (uniform inputs, additive)
    exact = weights**2 / (weights**2).sum()
    np.testing.assert_allclose(table["first_order"], exact, atol=0.03)
    np.testing.assert_allclose(table["first_order_at_half"], exact, atol=0.05)
    assert sobol_warnings(table) == []


def test_negative_estimates_are_clipped_in_the_chart_and_named_in_the_title():
    table = pd.DataFrame(
        [
            ["y", "a", -0.33, -0.6, 0.1, 0.2, 0.0, 1.4, -0.3, 0.25],
            ["y", "b", 0.5, 0.4, 0.6, 0.7, 0.6, 0.8, 0.5, 0.7],
        ],
        columns=COLUMNS,
    )
    assert any("negative (down to -0.33)" in text for text in sobol_warnings(table))
    figure = sensitivity_bars(table)
    for trace in figure.data:
        assert all(0.0 <= value <= 1.0 for value in trace.x)
        low = np.array(trace.x) - np.array(trace.error_x.arrayminus)
        high = np.array(trace.x) + np.array(trace.error_x.array)
        assert (low >= -1e-12).all() and (high <= 1 + 1e-12).all()
    assert "clipped" in figure.layout.title.text
    assert figure.data[0].customdata[0][3] == -0.33  # the hover keeps the raw estimate


def test_second_order_indices_of_ishigami_match_their_exact_values():
    from sim.experiments.designs import second_order_units
    from sim.experiments.sensitivity import second_order_from_values

    rng = np.random.default_rng(7)
    units = second_order_units(2048, 3, rng)
    assert units.shape == (2048 * 8, 3)
    x = -math.pi + units * 2 * math.pi
    result = second_order_from_values(ishigami(x), 3, rng, resamples=100)
    # exact (Ishigami and Homma 1990, a = 7, b = 0.1): only x1 and x3 interact
    pairs = result["second_order"]
    assert abs(pairs[0, 2] - 0.2437) < 0.06
    assert abs(pairs[0, 1]) < 0.06 and abs(pairs[1, 2]) < 0.06
    np.testing.assert_allclose(result["first_order"], [0.3139, 0.4424, 0.0], atol=0.06)
    np.testing.assert_allclose(result["total"], [0.5576, 0.4424, 0.2437], atol=0.06)
    low, high = result["first_order_ci_low"], result["first_order_ci_high"]
    assert (low <= result["first_order"]).all() and (result["first_order"] <= high).all()
