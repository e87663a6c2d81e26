"""Outcome columns of the government side: departments, legitimacy, awareness, running cost.

Departments' columns appear only when departments are simulated; legitimacy, awareness,
enforcement effort and the running cost always. Money is in yuan a month, scaled to the real
population through `people_per_agent` (departments are not scaled: a city's departments stand
for its government).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model.events import StepEvents
    from sim.model.government import Government
    from sim.model.population import Population
    from sim.model.rules import RuleTables
    from sim.scenario.schema import Scenario


def _by_city(prefix: str, names: tuple[str, ...], values: np.ndarray) -> dict[str, float]:
    return {f"{prefix}__{name}": float(v) for name, v in zip(names, values, strict=True)}


def _mean_by_city(
    values: np.ndarray, city: np.ndarray, n_cities: int, count: np.ndarray | None = None
) -> np.ndarray:
    """Mean of `values` over each city's members (0 where a city has none).

    For flags, counts the rarer of set and unset, so the month's temporaries stay small;
    `count`: the members per city, when already counted.
    """
    if count is None:
        count = np.bincount(city, minlength=n_cities)
    if values.dtype != np.bool_:
        total = np.bincount(city, weights=values, minlength=n_cities)
        return np.divide(total, count, out=np.zeros(n_cities), where=count > 0)
    flags = values
    set_flags = np.count_nonzero(flags)
    if set_flags <= flags.size - set_flags:
        total = np.bincount(city[flags], minlength=n_cities)
    else:
        total = count - np.bincount(city[~flags], minlength=n_cities)
    return np.divide(total, count, out=np.zeros(n_cities), where=count > 0)


def government_columns(
    populations: dict[str, Population],
    rules: RuleTables,
    events: StepEvents,
    government: Government,
    scenario: Scenario,
    rewards_yuan: float,
    citizens_by_city: np.ndarray | None = None,
) -> dict[str, float]:
    """The government side's columns of this month's row.

    `rewards_yuan`: rewards paid (scaled); `citizens_by_city`: citizens per city, when the
    caller has counted them.
    """
    citizens, firms = populations["citizen"], populations["firm"]
    names = rules.city_names
    n_cities = len(names)
    scale = scenario.population.people_scale
    departments = scenario.departments
    people = (
        np.bincount(citizens.city, minlength=n_cities)
        if citizens_by_city is None
        else citizens_by_city
    )
    weight = people / max(people.sum(), 1)
    effort = government.city_effort(n_cities)
    recorded = sum(int(acts.recorded.sum()) for acts in events.acts.values())
    enforcement_cost = (
        departments.effort_cost_yuan_per_person_month * float(effort @ people) * scale
    )
    records_cost = departments.record_cost_yuan * recorded * scale
    row: dict[str, float] = {
        "legitimacy": float(government.legitimacy @ weight),
        "aware_share": np.count_nonzero(citizens.aware) / citizens.size if citizens.size else 1.0,
        "firms_aware_share": float(firms.aware.mean()) if firms.size else 1.0,
        "enforcement_effort": float(effort @ weight),
        "enforcement_cost_yuan": enforcement_cost,
        "records_cost_yuan": records_cost,
        "running_cost_yuan": enforcement_cost + records_cost + rewards_yuan,
    }
    row.update(_by_city("legitimacy", names, government.legitimacy))
    row.update(
        _by_city(
            "aware_share", names, _mean_by_city(citizens.aware, citizens.city, n_cities, people)
        )
    )
    row.update(
        _by_city(
            "firm_compliance_rate",
            names,
            1.0 - _mean_by_city(firms.violated, firms.city, n_cities),
        )
    )
    if government.size == 0:
        return row
    month = government.month
    made = int(month.promises.sum())
    row.update(
        {
            "promises_made": made,
            "promise_keeping_rate": float(month.kept.sum() / made) if made else 1.0,
            "reported_promise_keeping_rate": (
                float(month.reported_kept.sum() / made) if made else 1.0
            ),
            "arrears_yuan": float(government.arrears_yuan.sum()),
            "department_score": float(government.score.mean()),
            "departments_listed": int(government.listed.sum()),
        }
    )
    row.update(_by_city("enforcement_effort", names, effort))
    row.update(_by_city("promise_keeping_rate", names, government.keep_rate(n_cities)))
    row.update(
        _by_city(
            "arrears_yuan",
            names,
            np.bincount(government.city, weights=government.arrears_yuan, minlength=n_cities),
        )
    )
    row.update(
        _by_city(
            "department_score",
            names,
            _mean_by_city(government.score, government.city, n_cities),
        )
    )
    return row
