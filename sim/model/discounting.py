"""Discounting: the present value of a stream of months."""

from __future__ import annotations

import numpy as np


def annuity_months(months: np.ndarray | float, monthly_discount_rate: float) -> np.ndarray:
    """Present value of one unit per month for `months` months (inf = perpetuity)."""
    rate = float(monthly_discount_rate)
    months = np.asarray(months, dtype=np.float64)
    # (1 - delta**m) / (1 - delta) with delta = 1 / (1 + rate), stable for rates near 0.
    one_minus_delta = rate / (1.0 + rate)
    finite = np.where(np.isinf(months), 0.0, months)
    with np.errstate(over="ignore", divide="ignore"):
        value = -np.expm1(-finite * np.log1p(rate)) / one_minus_delta
        return np.where(np.isinf(months), 1.0 / one_minus_delta, value)
