"""One classroom session: a running model, its policy changes and what the page draws."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from sim.app.levers import Levers, apply_levers, describe_change
from sim.app.texts import STATE_WORDS
from sim.model.model import CreditModel

if TYPE_CHECKING:
    import pandas as pd

    from sim.model.agents import Citizen
    from sim.scenario.schema import Scenario

SAMPLE_SIZE = 200
SAMPLE_COLUMNS = 20


@dataclass(frozen=True)
class Snapshot:
    """What the page shows after a step: copies, safe to read while the model runs on."""

    version: int
    month: int
    months: int
    citizens: int
    timeseries: pd.DataFrame
    marks: tuple[tuple[int, str], ...]
    city_names: tuple[str, ...]
    city_details: dict[str, str]
    sample_states: tuple[str, ...]
    sample_causes: tuple[str, ...]
    sample_hover: tuple[str, ...]
    step_seconds: float
    list_names: tuple[str, ...] = ()  # the scenario's [lists], in file order
    red_lists: frozenset[str] = frozenset()  # which of them are red lists
    firm_lists: frozenset[str] = frozenset()  # which of them list firms only
    sample_cities: tuple[str, ...] = ()  # each sampled citizen's city this month


@dataclass
class Classroom:
    """A model, the levers it runs under, and the policy changes made so far.

    Thread-safe: the play loop and the buttons call into it from different threads.
    """

    base: Scenario
    levers: Levers
    model: CreditModel = field(init=False)
    sample: list[Citizen] = field(init=False, default_factory=list)
    marks: list[tuple[int, str]] = field(init=False, default_factory=list)
    version: int = field(init=False, default=0)
    step_seconds: float = field(init=False, default=0.0)
    _month_start: tuple[int, Levers] | None = field(init=False, default=None)
    _lock: threading.RLock = field(init=False, default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self.reset(self.base, self.levers)

    def reset(self, base: Scenario, levers: Levers) -> None:
        """Rebuild the model from a scenario and levers; back to month 0."""
        scenario = apply_levers(base, levers)
        model = CreditModel(scenario)
        sample = model.sample_citizens(SAMPLE_SIZE)
        sample.sort(key=lambda citizen: (citizen.city, citizen.income_yuan))
        with self._lock:
            self.base, self.levers, self.model = base, levers, model
            self.sample = sample
            self.marks = []
            self._month_start = None
            self.step_seconds = 0.0
            self.version += 1

    @property
    def months(self) -> int:
        """Length of the run (the scenario's steps)."""
        return self.model.config.simulation.steps

    @property
    def finished(self) -> bool:
        """Whether every month of the scenario has been simulated."""
        return self.model.steps >= self.months

    def step(self, model: CreditModel | None = None) -> bool:
        """Simulate one month; False (and nothing done) once finished or if `model` was reset."""
        with self._lock:
            if self.finished or (model is not None and model is not self.model):
                return False
            started = time.perf_counter()
            self.model.step()
            self.step_seconds = time.perf_counter() - started
            self.version += 1
            return True

    def change_policy(self, levers: Levers) -> None:
        """Apply new policy levers to the running model, from the next month on.

        Cities, schemes and behaviours stay the same, so the agents' arrays keep their meaning;
        listings already made keep their end date.
        """
        with self._lock:
            old = self.levers
            merged = replace(levers, citizens=old.citizens, seed=old.seed)
            if merged == old:
                return
            self.model.change_policy(apply_levers(self.base, merged))
            month = self.model.steps
            if self._month_start is None or self._month_start[0] != month:
                self._month_start = (month, old)
            if self.marks and self.marks[-1][0] == month:
                self.marks.pop()  # one mark per month: changes since the month began
            change = describe_change(self._month_start[1], merged)
            if month > 0 and change:
                self.marks.append((month, change))
            self.levers = merged
            self.version += 1

    def snapshot(self) -> Snapshot:
        """Copies of what the page draws."""
        with self._lock:
            model = self.model
            names = model.rules.city_names
            config = model.config
            zone_of = {m: z for z, zone in config.zones.items() for m in zone.members}
            details = {
                name: ", ".join(
                    part
                    for part in (
                        f"scheme: {config.cities[name].scheme or 'none'}",
                        f"zone: {zone_of[name]}" if name in zone_of else "",
                        f"enforcement x{config.cities[name].enforcement:g}",
                    )
                    if part
                )
                for name in names
            }
            states = tuple(citizen.state for citizen in self.sample)
            causes = tuple(citizen.listing_cause for citizen in self.sample)
            hover = tuple(
                f"citizen {c.row}, {c.city}<br>income quintile {c.income_quintile}, "
                f"score {c.score:.0f}<br>{STATE_WORDS[s]}"
                + (f" ({c.listing_cause.replace('_', ' ')})" if s == "blacklisted" else "")
                for c, s in zip(self.sample, states, strict=True)
            )
            return Snapshot(
                version=self.version,
                month=model.steps,
                months=self.months,
                citizens=model.citizens.size,
                timeseries=model.timeseries(),
                marks=tuple(self.marks),
                city_names=names,
                city_details=details,
                sample_states=states,
                sample_causes=causes,
                sample_hover=hover,
                sample_cities=tuple(citizen.city for citizen in self.sample),
                step_seconds=self.step_seconds,
                list_names=tuple(config.lists),
                red_lists=frozenset(
                    name for name, rule in config.lists.items() if rule.kind == "redlist"
                ),
                firm_lists=frozenset(
                    name for name, rule in config.lists.items() if rule.subjects == "firm"
                ),
            )
