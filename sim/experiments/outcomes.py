"""Outcomes of an experiment: one number per run, summarised from its time series.

An outcome names a time-series column (see docs/output.md), a statistic (the final value,
the mean over a window of steps, or the first step a threshold is reached) and whether more
of it is better, as EMA Workbench's outcomes do. Steps are months numbered from 1; a negative
step in a window counts back from the last step (-1 is the last).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from sim.scenario.schema import Frozen


class Outcome(Frozen):
    """One number summarised from a run's time series."""

    metric: str = Field(description="Time-series column, e.g. compliance_rate.")
    statistic: Literal["final", "mean", "time_to_threshold"] = Field(
        "final", description="final value, mean over `window`, or first step reaching `threshold`."
    )
    more_is_better: bool = Field(description="Whether a higher value is the better outcome.")
    window: tuple[int, int] | None = Field(
        None,
        description="Mean only: first and last step (inclusive); negatives count from the end. "
        "Default: the whole run.",
    )
    threshold: float | None = Field(None, description="time_to_threshold only: the level.")
    crossing: Literal["at_or_above", "at_or_below"] = Field(
        "at_or_above", description="time_to_threshold only: reached when the metric is ..."
    )
    never_reached: Literal["missing", "run_length"] = Field(
        "missing",
        description="time_to_threshold only: value when never reached: missing (NaN) or "
        "the number of steps (a censored value).",
    )

    minimum_effect: float | None = Field(
        None,
        ge=0.0,
        description="compare only: the smallest difference that matters, in the metric's unit "
        "(a share: 0.01 = 1 percentage point); a design whose 95% interval lies within "
        "+-minimum_effect of the baseline makes no material difference.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Outcome:
        if self.statistic == "time_to_threshold" and self.threshold is None:
            raise ValueError("time_to_threshold needs `threshold`")
        if self.statistic != "time_to_threshold" and self.threshold is not None:
            raise ValueError("`threshold` is only used by statistic = 'time_to_threshold'")
        if self.statistic != "mean" and self.window is not None:
            raise ValueError("`window` is only used by statistic = 'mean'")
        if self.window is not None and 0 in self.window:
            raise ValueError("window steps are numbered from 1 (or -1 for the last step)")
        return self


def _step_number(step: int, last: int) -> int:
    """A window bound as a step number: negatives count back from the last step."""
    return last + 1 + step if step < 0 else step


def summarise(outcome: Outcome, timeseries: pd.DataFrame) -> float:
    """The outcome's value for one run (NaN when undefined, e.g. a threshold never reached)."""
    values = timeseries[outcome.metric].to_numpy(dtype=np.float64)
    steps = timeseries["step"].to_numpy()
    if outcome.statistic == "final":
        return float(values[-1])
    if outcome.statistic == "mean":
        if outcome.window is None:
            return float(values.mean())
        last = int(steps[-1])
        first_step, last_step = (_step_number(s, last) for s in outcome.window)
        chosen = (steps >= first_step) & (steps <= last_step)
        if not chosen.any():
            raise ValueError(
                f"window {list(outcome.window)} holds no step of a run of {last} steps"
            )
        return float(values[chosen].mean())
    threshold = float(outcome.threshold)  # type: ignore[arg-type]
    reached = values >= threshold if outcome.crossing == "at_or_above" else values <= threshold
    if reached.any():
        return float(steps[np.argmax(reached)])
    return float(steps[-1]) if outcome.never_reached == "run_length" else math.nan


def summarise_all(outcomes: dict[str, Outcome], timeseries: pd.DataFrame) -> dict[str, float]:
    """Every outcome of a run, keyed by outcome name."""
    return {name: summarise(outcome, timeseries) for name, outcome in outcomes.items()}
