"""The Mesa model: cities, populations by actor kind, network and rules, stepped stage by stage.

One step is one month. The stages (sim/model/stages/) run in this order, each over every
population of the kinds that take part in it (`sim.model.kinds`), kinds in `KINDS` order:

    | #  | call                  | stage module | what                                          |
    |----|-----------------------|--------------|-----------------------------------------------|
    | 0  | run_departments       | govern       | departments keep or break promises, scores,   |
    |    |                       |              | arrears, enforcement effort                   |
    | 1  | behave                | behave       | violations, pro-social acts, forced defaults  |
    | 2  | detect, false_records | detect       | which acts are caught and recorded; errors    |
    | 3  | recover, apply_records| score        | score recovery toward base, then points       |
    | 4  | expire, repay,        | listing      | listings end (time, payment, appeal), new     |
    |    | repair_wrong_records, |              | listings, red list                            |
    |    | list_new,             |              |                                               |
    | 4b | end_spells,           | lists        | the agencies' lists: spells end (time,        |
    |    | list_on_records       |              | payment, repair, correction), new listings    |
    |    | update_redlist,       | listing,     | red lists (scheme's, then the agencies')      |
    |    | update_red_lists      | lists        |                                               |
    | 5  | sanction_and_reward   | sanction     | listing costs charged, red-list rewards paid  |
    | 4c | rate                  | ratings      | firms' grades (A-D) from scores and listings  |
    | 5b | list_transfers        | lists        | the lists' sanctions (union) and rewards      |
    | 5c | rating_transfers      | ratings      | grades' limits charged, advantages paid       |
    | 6  | harm_employees        | sanction     | employers' harmful violations cut income      |
    | 7  | learn                 | learn        | beliefs move toward outcomes, published cases |
    | 7b | update_legitimacy,    | govern       | legitimacy per city, awareness per agent      |
    |    | spread_awareness      |              |                                               |
    | 8  | migrate               | migrate      | moves between cities; unrecognised listings   |
    | 9  | collect               | metrics      | the outcome row of the month                  |
"""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd

from sim.errors import ScenarioError
from sim.model.agents import Citizen, Firm, PopulationAgent
from sim.model.collector import TIMESERIES, TimeSeriesCollector
from sim.model.events import (
    NO_MOVES,
    Acts,
    ListChanges,
    ListingChanges,
    ListTransfers,
    RatingTransfers,
    StepEvents,
)
from sim.model.government import Government, build_government, government_stream
from sim.model.kinds import KINDS, ActorKind
from sim.model.population import Citizens, Population, assign_employers, reset_scores
from sim.model.rules import RuleTables, compile_rules
from sim.model.stages.behave import behave
from sim.model.stages.detect import detect, false_records
from sim.model.stages.govern import (
    decision_shift,
    run_departments,
    spread_awareness,
    update_legitimacy,
)
from sim.model.stages.learn import learn
from sim.model.stages.listing import expire, list_new, repair_wrong_records, repay, update_redlist
from sim.model.stages.lists import end_spells, list_on_records, list_transfers, update_red_lists
from sim.model.stages.metrics import collect
from sim.model.stages.migrate import migrate
from sim.model.stages.ratings import rate, rating_transfers
from sim.model.stages.sanction import harm_employees, sanction_and_reward
from sim.model.stages.score import apply_records, recover
from sim.model.travel import travel_demand
from sim.scenario.schema import Scenario
from sim.seeding import make_generator

NORM_BURN_IN_ROUNDS = 24  # ASSUMPTION: enough for the share to settle at documented weights
NORM_TOLERANCE = 0.002  # change of the violation share that counts as settled


class CreditModel(mesa.Model):
    """Citizens and firms (and any other actor kind) in cities under reward and blacklist rules.

    Args:
        scenario: the validated scenario.
        seed: master seed (default: the scenario's); ignored when `rng` is given.
        rng: a ready Generator, e.g. from `sim.seeding.make_generator(seed, design, rep)`,
            or an integer seed (as `mesa.batch_run` passes it).
        kinds: the actor kinds to simulate, in stepping order (default: citizens, firms).
        log_spells: keep every ended spell of the agencies' lists (for the spell log).
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int | None = None,
        rng: np.random.Generator | int | None = None,
        kinds: tuple[ActorKind, ...] = KINDS,
        log_spells: bool = False,
    ) -> None:
        if not isinstance(scenario, Scenario):
            raise TypeError(
                f"CreditModel needs a creditsim Scenario (sim.load_scenario), got "
                f"{type(scenario).__name__}; Mesa's SolaraViz Reset passes a Mesa Scenario, so "
                "build a new model instead (or use `creditsim app`)"
            )
        if rng is None:
            rng = make_generator(scenario.simulation.seed if seed is None else seed)
        elif not isinstance(rng, np.random.Generator):
            rng = make_generator(int(rng))
        super().__init__(rng=rng)
        self.config = scenario
        self.rules: RuleTables = compile_rules(scenario)
        self.kinds = {kind.name: kind for kind in kinds}
        built = {kind.name: kind.build(self.rng, scenario, self.rules) for kind in kinds}
        for kind in kinds:
            if kind.employer_kind in built:
                assign_employers(
                    self.rng,
                    built[kind.name],
                    built[kind.employer_kind],
                    scenario.population.employed_share,
                    len(self.rules.city_names),
                )
        self.travel = travel_demand(scenario.travel, built["citizen"].income)
        self.government_rng = government_stream(self.rng)
        self.government: Government = build_government(
            self.government_rng, scenario, len(self.rules.city_names)
        )
        initial_awareness = scenario.awareness.initial_share
        for population in built.values():
            if initial_awareness < 1.0:
                draw = self.government_rng.random(population.size)
                population.aware[:] = draw < initial_awareness
            population.spells.log_enabled = log_spells
            reset_scores(population, self.rules)
            update_redlist(population, self.rules, 0)
        if scenario.decision.peer_weight > 0:
            self._initialise_norms(built)
        self.population_agents = {
            name: PopulationAgent(self, population) for name, population in built.items()
        }
        self.datacollector: TimeSeriesCollector | None = None
        self.latest: dict[str, float] = {}

    def _initialise_norms(self, populations: dict[str, Population]) -> None:
        """Start the peer norm at its resting point, not at "nobody ever violated".

        A burn-in of decisions only (acts dropped, nothing detected, scored or learnt): each
        agent decides as in month 0, first with the peer term neutral, then up to
        NORM_BURN_IN_ROUNDS more times against its peers' previous round, until the violation
        share of every population moves by less than NORM_TOLERANCE. It runs on a stream
        spawned from the run's seed, so the run's own random numbers are unchanged.
        """
        seed_sequence = self.rng.bit_generator.seed_seq  # type: ignore[attr-defined]
        norm_rng = np.random.Generator(np.random.PCG64(seed_sequence.spawn(1)[0]))
        decision = self.config.decision.model_copy(update={"peer_weight": 0.0})
        neutral = self.config.model_copy(update={"decision": decision})
        for name, population in populations.items():
            kind = self.kinds[name]
            behave(norm_rng, population, kind, self.rules, neutral, 0)
            share = float(population.violated.mean()) if population.size else 0.0
            for _ in range(NORM_BURN_IN_ROUNDS):
                behave(norm_rng, population, kind, self.rules, self.config, 0)
                previous = share
                share = float(population.violated.mean()) if population.size else 0.0
                if abs(share - previous) < NORM_TOLERANCE:
                    break
            population.involuntary_violation[:] = False

    @property
    def populations(self) -> dict[str, Population]:
        """Every population's arrays, by actor kind, in stepping order."""
        return {name: agent.population for name, agent in self.population_agents.items()}

    @property
    def citizens(self) -> Citizens:
        """The citizens' arrays."""
        return self.population_agents["citizen"].population  # type: ignore[return-value]

    @property
    def firms(self) -> Population:
        """The firms' arrays."""
        return self.population_agents["firm"].population

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

    def change_policy(self, scenario: Scenario) -> None:
        """Run under new rules from the next month on (the one way to change policy mid-run).

        The agents' arrays index cities, schemes, behaviours, lists, sanctions and rewards by
        position, so those must keep their names and order; listings already made keep their
        end date.

        Raises:
            ScenarioError: the new scenario renames, adds or drops a city, scheme, behaviour,
                list, sanction or reward.
        """
        for table in ("cities", "schemes", "behaviours", "lists", "sanctions", "rewards"):
            old, new = list(getattr(self.config, table)), list(getattr(scenario, table))
            if old != new:
                raise ScenarioError(
                    f"change_policy: {table} must stay the same mid-run (have {old}, got {new})"
                )
        old_departments = self.config.departments
        self.config = scenario
        self.rules = compile_rules(scenario)
        self.travel = travel_demand(scenario.travel, self.citizens.income)
        new_departments = scenario.departments
        if (old_departments.enabled, old_departments.per_city) != (
            new_departments.enabled,
            new_departments.per_city,
        ):  # departments set up or dissolved: legitimacy carries on
            legitimacy = self.government.legitimacy
            self.government = build_government(
                self.government_rng, scenario, len(self.rules.city_names)
            )
            self.government.legitimacy = legitimacy

    def step(self) -> None:
        """Simulate one month: the stages of the table in the module docstring, in order."""
        rng, rules, scenario, month = self.rng, self.rules, self.config, self.month
        populations = self.populations
        kinds = [self.kinds[name] for name in populations]
        government = self.government
        run_departments(self.government_rng, government, scenario)  # 0
        shift = decision_shift(government, scenario)
        effort = government.city_effort(len(rules.city_names)) if government.size else None
        acts: dict[str, Acts] = {}
        for kind in kinds:  # 1
            acts[kind.name] = behave(
                rng, populations[kind.name], kind, rules, scenario, month, shift
            )
        listings: dict[str, ListingChanges] = {}
        list_changes: dict[str, ListChanges] = {}
        for kind in kinds:
            population, own = populations[kind.name], acts[kind.name]
            detect(rng, population, rules, own, month, effort)  # 2
            wrong = false_records(rng, population, rules, scenario, month)
            recover(population, rules)  # 3
            apply_records(population, rules, own, wrong, scenario.records.false_record_points)
            expired = expire(population, rules).size  # 4
            paid = repay(rng, population, rules, scenario).size
            appealed = repair_wrong_records(rng, population, rules, scenario)
            newly_listed = list_new(population, rules, own, wrong).size
            listings[kind.name] = ListingChanges(expired, paid, appealed.size, newly_listed)
            changes = list_changes[kind.name] = ListChanges.empty(rules.lists.size)
            if rules.lists.size:  # 4b
                end_spells(rng, population, rules, rules.lists, scenario, month, appealed, changes)
                list_on_records(rng, population, rules, rules.lists, own, wrong, month, changes)
            update_redlist(population, rules, month)
            update_red_lists(population, rules, rules.lists, month, changes)
            if kind.rated and rules.ratings.size:  # 4c
                rate(population, rules, month)
        transfers = {  # 5
            kind.name: sanction_and_reward(populations[kind.name], rules) for kind in kinds
        }
        paid_by_lists: dict[str, ListTransfers] = {  # 5b
            kind.name: list_transfers(populations[kind.name], rules, rules.lists, month)
            for kind in kinds
        }
        graded: dict[str, RatingTransfers] = {  # 5c
            kind.name: rating_transfers(populations[kind.name], rules)
            for kind in kinds
            if kind.rated and rules.ratings.size
        }
        for kind in kinds:  # 6
            if kind.employer_kind in populations:
                employers = kind.employer_kind
                harm_employees(
                    populations[kind.name], populations[employers], rules, acts[employers]
                )
        for kind in kinds:  # 7
            learn(rng, populations[kind.name], rules, acts[kind.name], scenario, month)
        update_legitimacy(government, populations["citizen"], rules, scenario)  # 7b
        for kind in kinds:
            spread_awareness(self.government_rng, populations[kind.name], rules, scenario, month)
        moves = {  # 8
            kind.name: (
                migrate(rng, populations[kind.name], rules, scenario, month)
                if kind.migrates
                else NO_MOVES
            )
            for kind in kinds
        }
        events = StepEvents(
            acts=acts,
            listings=listings,
            transfers=transfers,
            moves=moves,
            list_changes=list_changes,
            list_transfers=paid_by_lists,
            rating_transfers=graded,
        )
        self.latest = collect(  # 9
            self.steps,
            populations,
            rules,
            events,
            scenario.population.people_scale,
            scenario.simulation.start_year,
            government,
            scenario,
            self.travel,
        )
        if self.datacollector is None:
            self.datacollector = TimeSeriesCollector(list(self.latest))
        self.datacollector.collect(self)
        self.running = self.steps < scenario.simulation.steps

    def timeseries(self) -> pd.DataFrame:
        """The outcome table so far: one row per step."""
        if self.datacollector is None:
            return pd.DataFrame()
        return self.datacollector.get_table_dataframe(TIMESERIES)
