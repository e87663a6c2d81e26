"""The government side's state: departments, their scores, effort and arrears; legitimacy.

Departments are the third actor kind (seed 003): a few per city, each one row of the arrays
below. Officials are not simulated one by one: a department's officials act as one, valuing
the department's performance assessment (docs/ODD.md, "Departments"). Legitimacy is one
number per city. Every random draw of this side comes from its own stream, spawned from the
run's seed under a fixed key, so switching departments on or off leaves the citizens' and
firms' own draws unchanged until behaviour differs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario.schema import Scenario

GOVERNMENT_STREAM_KEY = 0x60F  # spawn key of the government side's random stream


def government_stream(rng: np.random.Generator) -> np.random.Generator:
    """The government side's own generator, derived from the run's seed sequence."""
    seed_sequence = rng.bit_generator.seed_seq  # type: ignore[attr-defined]
    child = np.random.SeedSequence(
        seed_sequence.entropy, spawn_key=(*seed_sequence.spawn_key, GOVERNMENT_STREAM_KEY)
    )
    return np.random.Generator(np.random.PCG64(child))


@dataclass
class MonthOfDepartments:
    """What departments did this month, per department (for legitimacy and the outputs)."""

    promises: np.ndarray  # [D] promises made
    kept: np.ndarray  # [D] promises kept
    reported_kept: np.ndarray  # [D] kept as the second system records it (manipulation)
    broken_payments: np.ndarray  # [D] supplier payments not made on time

    @classmethod
    def none(cls, size: int) -> MonthOfDepartments:
        """A month in which nothing was promised."""
        zeros = np.zeros(size, dtype=np.int64)
        return cls(zeros, zeros.copy(), zeros.copy(), zeros.copy())


@dataclass
class Government:
    """Departments (rows d) and cities' legitimacy (rows c).

    Attributes:
        city: [D] city of each department.
        integrity: [D] value to its officials of keeping a promise (assessment units).
        effort: [D] enforcement effort (multiplies detection; 1 is the scenario's).
        score: [D] the second system's score (stays at its base when not scored).
        arrears_yuan: [D] supplier payments owed and overdue.
        listed: [D] on the departments' blacklist (score below its threshold).
        legitimacy: [C] legitimacy of each city's government, in [0, 1].
        month: the departments' acts this month.
    """

    city: np.ndarray
    integrity: np.ndarray
    effort: np.ndarray
    score: np.ndarray
    arrears_yuan: np.ndarray
    listed: np.ndarray
    legitimacy: np.ndarray
    month: MonthOfDepartments

    @property
    def size(self) -> int:
        """Number of departments (0 when departments are off)."""
        return int(self.city.size)

    def city_effort(self, n_cities: int) -> np.ndarray:
        """[C] mean enforcement effort of each city's departments (1 without departments)."""
        if self.size == 0:
            return np.ones(n_cities)
        total = np.bincount(self.city, weights=self.effort, minlength=n_cities)
        count = np.bincount(self.city, minlength=n_cities)
        return np.where(count > 0, total / np.maximum(count, 1), 1.0)

    def keep_rate(self, n_cities: int, reported: bool = False) -> np.ndarray:
        """[C] share of this month's promises kept (as recorded, if `reported`); 1 if none."""
        kept = self.month.reported_kept if reported else self.month.kept
        made = np.bincount(self.city, weights=self.month.promises, minlength=n_cities)
        kept_c = np.bincount(self.city, weights=kept, minlength=n_cities)
        return np.where(made > 0, kept_c / np.maximum(made, 1), 1.0)


def build_government(rng: np.random.Generator, scenario: Scenario, n_cities: int) -> Government:
    """Departments drawn for every city (none when off) and legitimacy at its start."""
    departments = scenario.departments
    count = departments.per_city * n_cities if departments.enabled else 0
    city = np.repeat(np.arange(n_cities), departments.per_city)[:count]
    integrity = departments.integrity_mean + departments.integrity_sd * rng.standard_normal(count)
    return Government(
        city=city,
        integrity=integrity,
        effort=np.ones(count),
        score=np.full(count, departments.score_base),
        arrears_yuan=np.zeros(count),
        listed=np.zeros(count, dtype=bool),
        legitimacy=np.full(n_cities, scenario.legitimacy.initial),
        month=MonthOfDepartments.none(count),
    )
