"""A month's violation decisions of every behaviour in one pass equal one pass per behaviour.

The batched pass (`ViolationChoices`) takes each behaviour's draws in the old order and then
decides every candidate elementwise; these tests decide the same queued candidates and draws
once together and once a behaviour at a time, on scenarios with many lists, red lists by
score, legitimacy and awareness, at random seeds and months, and require equal choices and
bit-for-bit equal penalties.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.draws import bernoulli_indices
from sim.model.model import CreditModel
from sim.model.stages.behave import ViolationChoices, full_penalty
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ("national_2018_lists", "beijing", "yangtze_delta_pilot", "rongcheng")


def model_after(name: str, seed: int, months: int) -> CreditModel:
    scenario = load_scenario(
        ROOT / "scenarios" / f"{name}.toml",
        {"population.citizens": 3_000, "population.firms_per_citizen": 0.05},
    )
    model = CreditModel(scenario, seed=seed)
    for _ in range(months):
        model.step()
    return model


def queued_violations(model: CreditModel, kind: str, seed: int) -> ViolationChoices:
    """Every violation behaviour's candidates with their draws, as the behave stage queues them."""
    population = model.populations[kind]
    rules = model.rules
    rng = np.random.default_rng(seed)
    queue = ViolationChoices()
    for column, behaviour in enumerate(population.behaviours):
        if rules.prosocial[behaviour]:
            continue
        rate = max(float(rules.opportunity_rate[behaviour]), 0.2)  # plenty of candidates
        candidates = bernoulli_indices(rng, population.size, rate)
        queue.add(rng, candidates, column, model.config.decision.logit_noise)
    return queue


def single(queue: ViolationChoices, index: int) -> ViolationChoices:
    alone = ViolationChoices()
    alone.agents.append(queue.agents[index])
    alone.columns.append(queue.columns[index])
    alone.normals.append(queue.normals[index])
    if queue.uniforms:
        alone.uniforms.append(queue.uniforms[index])
    return alone


@settings(max_examples=8, deadline=None)
@given(
    name=st.sampled_from(SCENARIOS),
    seed=st.integers(0, 10_000),
    months=st.integers(0, 30),
    kind=st.sampled_from(["citizen", "firm"]),
)
def test_deciding_every_behaviour_at_once_equals_deciding_each_alone(
    name: str, seed: int, months: int, kind: str
) -> None:
    model = model_after(name, seed, months)
    population = model.populations[kind]
    step = months
    queue = queued_violations(model, kind, seed)
    peers = population.peers.share(population.violated)
    together = queue.decide(population, model.rules, model.config, peers, step)
    assert len(together) == len(queue.agents)
    for index in range(len(queue.agents)):
        alone = single(queue, index).decide(population, model.rules, model.config, peers, step)
        assert np.array_equal(together[index], alone[0])
    agents = np.concatenate(queue.agents)
    columns = np.concatenate(queue.columns)
    behaviours = population.behaviours[columns]
    joint = full_penalty(population, model.rules, model.config, agents, behaviours, step)
    for behaviour in np.unique(behaviours):
        rows = np.flatnonzero(behaviours == behaviour)
        one = full_penalty(
            population, model.rules, model.config, agents[rows], int(behaviour), step
        )
        np.testing.assert_array_equal(joint[rows], one)


def test_some_candidates_decide_each_way() -> None:
    """The comparison above is not vacuous: candidates violate and refrain, penalties vary."""
    model = model_after("national_2018_lists", 7, 24)
    population = model.citizens
    queue = queued_violations(model, "citizen", 7)
    peers = population.peers.share(population.violated)
    chosen = queue.decide(population, model.rules, model.config, peers, 24)
    offered = sum(part.size for part in queue.agents)
    taken = sum(part.size for part in chosen)
    assert 0 < taken < offered
    agents = np.concatenate(queue.agents)
    behaviours = population.behaviours[np.concatenate(queue.columns)]
    penalty = full_penalty(population, model.rules, model.config, agents, behaviours, 24)
    assert np.unique(np.round(penalty, 6)).size > 10


def list_penalty_by_list(population, rules, lists, agents, behaviour, after, registered, step):
    """The lists' expected burden computed a list at a time, each list's rows in one pass."""
    cost = np.zeros(agents.size)
    actor = population.actor_index
    city = population.city[agents]
    started = rules.behaviour_start[behaviour] <= step
    burden = lists.binding(step).fresh_burden[:, :, actor]
    open_lists = (lists.start_month <= step) & lists.subjects[:, actor] & lists.blacklist
    for index in np.flatnonzero(open_lists):
        by_act = lists.triggers[index, behaviour] & started
        if lists.score_scheme[index] < len(rules.scheme_names):
            rows = np.arange(agents.size)
            below = (
                rules.scheme_active(step)[city]
                & (rules.city_scheme[city] == lists.score_scheme[index])
                & (after < lists.score_threshold[index])
            )
            chance = np.where(below, 1.0, np.where(by_act, lists.probability[index], 0.0))
            column = np.where(by_act, behaviour, lists.duration_months.shape[1] - 1)
        else:
            rows = np.flatnonzero(by_act)
            chance = np.full(rows.size, lists.probability[index])
            column = behaviour[rows]
        held = (population.list_mask[agents][rows] >> np.uint64(index)) & np.uint64(1)
        cost[rows] += (
            chance
            * (held == 0)
            * lists.operates[index, city[rows]]
            * registered[rows]
            * lists.listing_value[index, column]
            * burden[index, city[rows]]
        )
    return cost


@settings(max_examples=8, deadline=None)
@given(
    name=st.sampled_from(SCENARIOS),
    seed=st.integers(0, 10_000),
    months=st.integers(0, 30),
    kind=st.sampled_from(["citizen", "firm"]),
    chunk=st.integers(1, 5_000),
)
def test_the_lists_burden_by_agent_and_list_pairs_equals_a_pass_per_list(
    name: str, seed: int, months: int, kind: str, chunk: int
) -> None:
    """Pairs in chunks add each agent's lists in the order, and to the bit, a pass per list does."""
    from sim.model.memberships import list_penalty

    model = model_after(name, seed, months)
    population, rules = model.populations[kind], model.rules
    queue = queued_violations(model, kind, seed)
    agents = np.concatenate(queue.agents)
    behaviour = population.behaviours[np.concatenate(queue.columns)].astype(np.int64)
    rng = np.random.default_rng(seed)
    after = population.score[agents] + rng.normal(-80.0, 120.0, agents.size)
    registered = rng.random(agents.size) < 0.8
    args = (population, rules, rules.lists, agents, behaviour, after, registered, months)
    expected = list_penalty_by_list(*args)
    np.testing.assert_array_equal(list_penalty(*args, chunk=chunk), expected)
    np.testing.assert_array_equal(list_penalty(*args), expected)


def test_the_lists_burden_counts_lists_by_act_and_by_score() -> None:
    """The comparison above is not vacuous: acts and scores both put burdens on candidates."""
    from sim.model.memberships import list_penalty

    model = model_after("national_2018_lists", 3, 12)
    population, rules = model.citizens, model.rules
    queue = queued_violations(model, "citizen", 3)
    agents = np.concatenate(queue.agents)
    behaviour = population.behaviours[np.concatenate(queue.columns)].astype(np.int64)
    registered = np.ones(agents.size, dtype=bool)
    high = np.full(agents.size, 1e9)  # no score falls below a list's threshold
    by_act = list_penalty(population, rules, rules.lists, agents, behaviour, high, registered, 12)
    low = np.full(agents.size, -1e9)  # every score does
    both = list_penalty(population, rules, rules.lists, agents, behaviour, low, registered, 12)
    assert np.count_nonzero(by_act) > 0
    assert np.count_nonzero(both > by_act) > 0
