"""Actor kinds are data: a third kind, declared only here, joins the monthly stages."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import make_scenario

from sim.model.kinds import CITIZENS, FIRMS, KINDS, ActorKind
from sim.model.model import CreditModel
from sim.model.network import CityPeers
from sim.model.population import Population
from sim.model.rules import RuleTables
from sim.runs.runner import RunResult
from sim.scenario.schema import Scenario


def build_cooperatives(rng: np.random.Generator, scenario: Scenario, rules: RuleTables):
    """A toy kind: 40 cooperatives per city that act under the firms' rules, and are dishonest."""
    n_cities = len(rules.city_names)
    city = np.repeat(np.arange(n_cities), 40)
    n = city.size
    behaviours = rules.behaviours_of("firm")
    return Population(
        actor="cooperative",
        rules_actor="firm",
        city=city,
        income=np.full(n, 20_000.0),
        honesty=np.zeros(n, dtype=np.float32),
        risk_aversion=np.zeros(n, dtype=np.float32),
        profession=np.zeros(n, dtype=np.int64),
        registration_draw=np.full(n, -1.0, dtype=np.float32),
        debtor=np.zeros(n, dtype=bool),
        behaviours=behaviours,
        perceived_detection=np.zeros((n, behaviours.size), dtype=np.float32),
        peers=CityPeers(city, n_cities),
    )


COOPERATIVES = ActorKind(name="cooperative", build=build_cooperatives, rules_actor="firm")


@pytest.fixture(scope="module")
def three_kinds() -> CreditModel:
    scenario = make_scenario(
        behaviours__skip_insurance__opportunity_rate_per_month=1.0,
        schemes__strict__blacklist_behaviours=["loan_default", "skip_insurance"],
    )
    model = CreditModel(scenario, seed=3, kinds=(*KINDS, COOPERATIVES))
    for _ in range(6):
        model.step()
    return model


def test_the_default_kinds_are_citizens_then_firms():
    assert [kind.name for kind in KINDS] == ["citizen", "firm"]
    assert CITIZENS.income_shocks and CITIZENS.migrates and CITIZENS.employer_kind == "firm"
    assert not (FIRMS.income_shocks or FIRMS.migrates or FIRMS.employer_kind)


def test_a_third_kind_steps_through_every_stage_it_joins(three_kinds):
    cooperatives = three_kinds.populations["cooperative"]
    assert list(three_kinds.populations) == ["citizen", "firm", "cooperative"]
    assert cooperatives.fines_yuan.sum() > 0  # behave, detect: they violate and are fined
    assert cooperatives.times_listed.sum() > 0  # score, listing
    assert cooperatives.sanction_cost_yuan.sum() > 0  # sanction
    assert cooperatives.perceived_detection.max() > 0  # learn
    assert len(three_kinds.timeseries()) == 6


def test_a_third_kind_is_written_to_the_agents_table(three_kinds):
    table = RunResult(model=three_kinds, seed=3, keys=()).agents().to_pandas()
    counts = table["kind"].value_counts()
    assert counts["cooperative"] == 40 * len(three_kinds.rules.city_names)
    cooperatives = table[table["kind"] == "cooperative"]
    assert (cooperatives["employer"] == -1).all() and (cooperatives["income_quintile"] == 0).all()
    assert (
        cooperatives["times_listed"].sum()
        == three_kinds.populations["cooperative"].times_listed.sum()
    )


def test_stages_never_branch_on_the_actor_kind():
    import inspect

    from sim.model import stages
    from sim.model.stages import behave, detect, learn, listing, migrate, sanction, score

    for module in (behave, detect, learn, listing, migrate, sanction, score):
        source = inspect.getsource(module)
        assert "isinstance(" not in source, module.__name__
        assert '== "citizen"' not in source and '== "firm"' not in source, module.__name__
    assert stages.__doc__


def test_change_policy_applies_new_rules_and_refuses_a_different_town():
    from sim.errors import ScenarioError

    scenario = make_scenario()
    model = CreditModel(scenario, seed=1)
    model.step()
    stricter = make_scenario(cities__north__enforcement=3.0)
    model.change_policy(stricter)
    assert model.config == stricter
    assert model.rules.detection[0].max() > CreditModel(scenario, seed=1).rules.detection[0].max()
    for renamed in (
        make_scenario(cities={"north": {}, "south": {}, "west": {}}),
        make_scenario(behaviours__extra_offence={"opportunity_rate_per_month": 0.1}),
    ):
        with pytest.raises(ScenarioError, match="must stay the same"):
            model.change_policy(renamed)
    model.step()
    assert model.steps == 2
