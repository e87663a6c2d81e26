"""Travel demand: how many ticket purchases a barred citizen attempts, by income and mode.

One rule for both modes (docs/ODD.md, Travel demand): a citizen with income y attempts
`trips_m x (y / median)^e_m / mean((y / median)^e_m) x (1 + g_m)^(year - reference_year) x
listed_attempt_share` purchases of mode m a month. The population mean of the income factor
is 1, so `trips_m` is the population's average, as transport statistics give it. A barred
citizen's attempts are the purchases blocked (restrictions, as official reports count them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario.schema import Travel

MODES = ("flights", "trains")


@dataclass(frozen=True)
class TravelDemand:
    """Per-mode trip rates, elasticities, growth and the population normalisers."""

    rate: np.ndarray  # [2] trips per person a month in the reference year
    elasticity: np.ndarray  # [2]
    growth: np.ndarray  # [2] per year
    normaliser: np.ndarray  # [2] population mean of (income / median) ^ elasticity
    median: float
    reference_year: int
    attempt_share: float

    def attempts(self, mode: int, income: np.ndarray, year: float) -> float:
        """Purchases of a mode attempted this month by citizens with these incomes (agents)."""
        if income.size == 0:
            return 0.0
        relative = (income / self.median) ** self.elasticity[mode]
        trend = (1.0 + self.growth[mode]) ** (year - self.reference_year)
        scale = self.rate[mode] * trend * self.attempt_share / self.normaliser[mode]
        return float(relative.sum() * scale)


def travel_demand(travel: Travel, income: np.ndarray) -> TravelDemand | None:
    """The demand rule for a population's incomes, or None when [travel] is off."""
    if not travel.enabled:
        return None
    modes = [getattr(travel, name) for name in MODES]
    elasticity = np.array([mode.income_elasticity for mode in modes])
    median = float(np.median(income)) if income.size else 1.0
    normaliser = np.ones(len(MODES))
    if income.size:
        relative = income / median
        normaliser = np.array([float((relative**e).mean()) for e in elasticity])
    return TravelDemand(
        rate=np.array([mode.trips_per_person_per_month for mode in modes]),
        elasticity=elasticity,
        growth=np.array([mode.growth_per_year for mode in modes]),
        normaliser=normaliser,
        median=median,
        reference_year=travel.reference_year,
        attempt_share=travel.listed_attempt_share,
    )
