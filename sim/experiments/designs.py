"""Design points of an experiment: a full grid, or samples in the unit cube mapped to levels.

Samples (Latin hypercube, Sobol, Saltelli and Morris for sensitivity, plain random) are
drawn from the experiment's master seed, so the same file always plans the same points.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import numpy as np
from scipy.stats import qmc

from sim.experiments.experiment_file import Experiment, grid_levels, level_from_unit
from sim.seeding import make_generator


def saltelli_units(base_samples: int, dimensions: int, rng: np.random.Generator) -> np.ndarray:
    """Points of a Saltelli design in the unit cube: rows A, then B, then AB_1 .. AB_d."""
    both = qmc.Sobol(d=2 * dimensions, rng=rng).random(base_samples)
    a, b = both[:, :dimensions], both[:, dimensions:]
    blocks = [a, b]
    for column in range(dimensions):
        ab = a.copy()
        ab[:, column] = b[:, column]
        blocks.append(ab)
    return np.vstack(blocks)


def second_order_units(base_samples: int, dimensions: int, rng: np.random.Generator) -> np.ndarray:
    """Points of SALib's Saltelli design with second-order terms: n blocks of 2d + 2 rows."""
    from SALib.sample import sobol

    seed = int(rng.integers(2**31 - 1))
    problem = unit_problem(dimensions)
    return sobol.sample(problem, base_samples, calc_second_order=True, seed=seed)


def morris_units(
    trajectories: int, dimensions: int, levels: int, rng: np.random.Generator
) -> np.ndarray:
    """Points of `trajectories` Morris trajectories in the unit cube (SALib), d + 1 rows each."""
    from SALib.sample import morris

    problem = unit_problem(dimensions)
    seed = int(rng.integers(2**31 - 1))
    return morris.sample(problem, trajectories, num_levels=levels, seed=seed)


def unit_problem(dimensions: int) -> dict[str, Any]:
    """SALib's problem description of d factors, each on [0, 1]."""
    return {
        "num_vars": dimensions,
        "names": [f"x{index}" for index in range(dimensions)],
        "bounds": [[0.0, 1.0]] * dimensions,
    }


def design_points(experiment: Experiment) -> Iterator[dict[str, Any]]:
    """Factor values of each design point, in order (one empty point without factors)."""
    factors = experiment.factors
    integers = experiment.integer_factors
    sampling = experiment.spec.sampling
    if not factors:
        yield {}
        return
    if sampling.method == "grid":
        levels = [grid_levels(factor, path in integers) for path, factor in factors.items()]
        for combination in itertools.product(*levels):
            yield dict(zip(factors, combination, strict=True))
        return
    units = unit_points(experiment)
    for row in units:
        yield {
            path: level_from_unit(factor, float(u), path in integers)
            for (path, factor), u in zip(factors.items(), row, strict=True)
        }


def unit_points(experiment: Experiment) -> np.ndarray:
    """Sampled design points in the unit cube, one row per point (drawn from the master seed)."""
    sampling = experiment.spec.sampling
    dimensions = len(experiment.factors)
    rng = make_generator(experiment.spec.experiment.seed)
    count = int(sampling.points)  # type: ignore[arg-type]
    if sampling.method == "saltelli":
        sensitivity = experiment.spec.sensitivity
        if sensitivity is not None and sensitivity.second_order:
            return second_order_units(count, dimensions, rng)
        return saltelli_units(count, dimensions, rng)
    if sampling.method == "morris":
        return morris_units(count, dimensions, sampling.morris_levels, rng)
    if sampling.method == "latin_hypercube":
        return qmc.LatinHypercube(d=dimensions, rng=rng).random(count)
    if sampling.method == "sobol":
        return qmc.Sobol(d=dimensions, rng=rng).random(count)
    return rng.random((count, dimensions))
