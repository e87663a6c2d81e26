"""Small statistics used across the package, written once."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

CONFIDENCE = 0.95


def mean_interval(values: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """Mean and its Student-t confidence interval (NaN mean when empty, NaN bounds below 2).

    NaN values are dropped first.
    """
    values = np.asarray(values, dtype=np.float64)
    values = values[~np.isnan(values)]
    count = values.size
    if count == 0:
        return math.nan, math.nan, math.nan
    mean = float(values.mean())
    if count < 2:
        return mean, math.nan, math.nan
    standard_error = float(values.std(ddof=1)) / math.sqrt(count)
    half_width = float(stats.t.ppf(0.5 + confidence / 2, df=count - 1)) * standard_error
    return mean, mean - half_width, mean + half_width
