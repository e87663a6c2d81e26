"""The Mesa model: cities, population, network and rules, stepped stage by stage.

Each step is one month: behave -> detect -> score -> list -> sanction/reward -> learn ->
migrate -> collect. Every stage is whole-array work over a population (sim/<stage>.py).
"""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd

from sim.model.agents import Citizen, Firm, PopulationAgent
from sim.model.population import (
    Citizens,
    Population,
    assign_employers,
    build_citizens,
    build_firms,
    reset_scores,
)
from sim.model.rules import RuleTables, compile_rules
from sim.model.stages.behave import behave
from sim.model.stages.detect import detect, false_records
from sim.model.stages.learn import learn
from sim.model.stages.listing import expire, list_new, repair_wrong_records, repay, update_redlist
from sim.model.stages.metrics import StepEvents, collect
from sim.model.stages.migrate import migrate
from sim.model.stages.sanction import harm_employees, sanction_and_reward
from sim.model.stages.score import apply_records, recover
from sim.scenario.schema import Scenario
from sim.seeding import make_generator

TIMESERIES = "timeseries"


class CreditModel(mesa.Model):
    """Citizens and firms in cities under reward and blacklist rules.

    Args:
        scenario: the validated scenario.
        seed: master seed (default: the scenario's); ignored when `rng` is given.
        rng: a ready Generator, e.g. from `sim.seeding.make_generator(seed, design, rep)`.
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int | None = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        if rng is None:
            rng = make_generator(scenario.simulation.seed if seed is None else seed)
        super().__init__(rng=rng)
        self.config = scenario
        self.rules: RuleTables = compile_rules(scenario)
        citizens = build_citizens(self.rng, scenario, self.rules)
        firms = build_firms(self.rng, scenario, self.rules)
        assign_employers(
            self.rng,
            citizens,
            firms,
            scenario.population.employed_share,
            len(self.rules.city_names),
        )
        for population in (citizens, firms):
            reset_scores(population, self.rules)
            update_redlist(population, self.rules, 0)
        self.citizen_population = PopulationAgent(self, citizens)
        self.firm_population = PopulationAgent(self, firms)
        self.datacollector: mesa.DataCollector | None = None
        self.latest: dict[str, float] = {}

    @property
    def citizens(self) -> Citizens:
        """The citizens' arrays."""
        return self.citizen_population.population

    @property
    def firms(self) -> Population:
        """The firms' arrays."""
        return self.firm_population.population

    @property
    def month(self) -> int:
        """0-based month being simulated by the current step."""
        return max(self.steps - 1, 0)

    def citizen(self, row: int) -> Citizen:
        """A view of one citizen."""
        return Citizen(self, self.citizens, row)

    def firm(self, row: int) -> Firm:
        """A view of one firm."""
        return Firm(self, self.firms, row)

    def sample_citizens(self, count: int, seed: int = 0) -> list[Citizen]:
        """Views of `count` citizens chosen without replacement (own stream, model unaffected)."""
        chooser = np.random.default_rng(seed)
        count = min(count, self.citizens.size)
        rows = np.sort(chooser.choice(self.citizens.size, size=count, replace=False))
        return [self.citizen(int(row)) for row in rows]

    def step(self) -> None:
        """Simulate one month."""
        rng, rules, scenario, month = self.rng, self.rules, self.config, self.month
        citizens, firms = self.citizens, self.firms
        citizen_acts = behave(rng, citizens, rules, scenario, month)
        firm_acts = behave(rng, firms, rules, scenario, month)
        expired = paid = repaired = newly_listed = 0
        for population, acts in ((citizens, citizen_acts), (firms, firm_acts)):
            detect(rng, population, rules, acts, month)
            wrong = false_records(rng, population, rules, scenario, month)
            recover(population, rules)
            apply_records(population, rules, acts, wrong, scenario.records.false_record_points)
            if population is citizens:
                expired = expire(population, rules).size
                paid = repay(rng, population, rules, scenario).size
                repaired = repair_wrong_records(rng, population, rules, scenario).size
                newly_listed = list_new(population, rules, acts, wrong).size
            else:
                expire(population, rules)
                repay(rng, population, rules, scenario)
                repair_wrong_records(rng, population, rules, scenario)
                list_new(population, rules, acts, wrong)
            update_redlist(population, rules, month)
        transfers = sanction_and_reward(citizens, rules, scenario)
        firm_transfers = sanction_and_reward(firms, rules, scenario)
        harm_employees(citizens, firms, rules, firm_acts)
        learn(rng, citizens, citizen_acts, scenario)
        learn(rng, firms, firm_acts, scenario)
        moves = migrate(rng, citizens, rules, scenario, month)
        events = StepEvents(
            citizen_acts=citizen_acts,
            firm_acts=firm_acts,
            newly_listed=newly_listed,
            expired=expired,
            paid_after_listing=paid,
            repaired=repaired,
            transfers=transfers,
            sanction_cost_firms_yuan=firm_transfers.sanction_cost_yuan,
            moves=moves,
        )
        self.latest = collect(
            self.steps,
            citizens,
            firms,
            rules,
            events,
            scenario.population.people_scale,
            scenario.simulation.start_year,
        )
        if self.datacollector is None:
            self.datacollector = mesa.DataCollector(tables={TIMESERIES: list(self.latest)})
        self.datacollector.add_table_row(TIMESERIES, self.latest)

    def timeseries(self) -> pd.DataFrame:
        """The outcome table so far: one row per step."""
        if self.datacollector is None:
            return pd.DataFrame()
        return self.datacollector.get_table_dataframe(TIMESERIES)
