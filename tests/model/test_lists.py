"""The agencies' lists: triggers, durations, union of sanctions, cap, memoranda, red lists."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import ScenarioError
from sim.model.list_rules import compile_lists
from sim.model.model import CreditModel
from sim.scenario import load_scenario, scenario_from_data

ROOT = Path(__file__).resolve().parents[2]

CITIES = ("a", "b", "c")


def world(lists: dict, memoranda: dict | None = None, **changes) -> dict:
    """Three cities without schemes, one violation everybody commits, a registered population."""
    data = {
        "simulation": {"steps": 12, "seed": 5},
        "population": {"citizens": 400, "firms_per_citizen": 0.0, "honesty_mean": 0.0},
        "decision": {"logit_noise": 0.0, "peer_weight": 0.0, "shame_income_share": 0.0},
        "income_shocks": {"probability_per_month": 0.0},
        "records": {"false_record_rate_per_month": 0.0},
        "registration": {"initial_coverage": {"doctor": 1, "public_servant": 1, "other": 1}},
        "migration": {"enabled": False},
        "behaviours": {
            "cheat": {"opportunity_rate_per_month": 1.0, "gain_income_share": 50.0,
                      "gain_sigma": 0.0, "fine_yuan": 0.0, "detectability": 1.0},
            "give": {"kind": "prosocial", "opportunity_rate_per_month": 0.0},
        },
        "sanctions": {
            "ban": {"cost_income_share": 0.1, "restricts": "flights"},
            "bar": {"cost_income_share": 0.2},
        },
        "rewards": {"loan": {"value_income_share": 0.03, "policy": "loans"}},
        "schemes": {},
        "cities": {name: {} for name in CITIES},
        "zones": {"delta": {"members": ["a", "b"]}},
        "agencies": {"court": {}, "tax": {}},
        "lists": lists,
        "memoranda": memoranda or {},
    }  # fmt: skip
    for key, value in changes.items():
        data[key] = value
    return data


def run(data: dict, months: int) -> CreditModel:
    model = CreditModel(scenario_from_data(data))
    for _ in range(months):
        model.step()
    return model


def run_scenario(scenario, months: int) -> CreditModel:
    model = CreditModel(scenario)
    for _ in range(months):
        model.step()
    return model


def assert_mask_matches_spells(model: CreditModel) -> None:
    for population in model.populations.values():
        spells = population.spells
        keys = spells.agent * 64 + spells.list
        assert np.unique(keys).size == keys.size  # one spell per (agent, list)
        rebuilt = np.zeros(population.size, dtype=np.uint64)
        np.bitwise_or.at(rebuilt, spells.agent, np.uint64(1) << spells.list.astype(np.uint64))
        assert np.array_equal(rebuilt, population.list_mask)


@settings(max_examples=12, deadline=None)
@given(probability=st.sampled_from([0.2, 0.5, 0.9]), months=st.integers(1, 9))
def test_a_list_takes_the_share_of_detected_acts_its_listing_probability_says(
    probability: float, months: int
):
    data = world(
        {"court": {"owner": "court", "behaviours": ["cheat"], "duration_months": 600,
                   "listing_probability": probability, "sanctions": ["ban"]}}
    )  # fmt: skip
    model = run(data, months)
    listed = model.citizens.spells.size
    # everybody cheats every month: P(listed by now) = 1 - (1 - p)^months
    expected = 1 - (1 - probability) ** months
    n = model.citizens.size
    assert abs(listed / n - expected) < 4 * np.sqrt(expected * (1 - expected) / n) + 1e-9
    assert_mask_matches_spells(model)


@settings(max_examples=10, deadline=None)
@given(duration=st.integers(1, 8), extension=st.integers(0, 5))
def test_a_listing_lasts_its_duration_and_each_re_offence_extends_it(duration: int, extension: int):
    data = world(
        {"court": {"owner": "court", "behaviours": ["cheat"], "duration_months": duration,
                   "extension_months": extension}}
    )  # fmt: skip
    model = run(data, 1)  # month 0: everybody listed
    assert model.citizens.spells.size == model.citizens.size
    model.step()  # month 1: the listing ticks, then the re-offence renews and extends it
    # a one-month listing has already expired and is made afresh (no extension)
    months = 1 if duration == 1 else duration + extension
    assert np.all(model.citizens.spells.months_left == months)
    assert model.latest["list_extended__court"] == (0 if duration == 1 else model.citizens.size)
    quiet = data | {"behaviours": data["behaviours"] | {"cheat": data["behaviours"]["cheat"]
                    | {"opportunity_rate_per_month": 0.0}}}  # fmt: skip
    model.change_policy(scenario_from_data(quiet))
    for month in range(months):
        assert model.citizens.spells.size == model.citizens.size, month
        model.step()
    assert model.citizens.spells.size == 0
    assert model.latest["list_expired__court"] == model.citizens.size


def test_sanctions_of_several_lists_are_borne_once_each_and_the_cap_binds():
    lists = {
        "court": {"owner": "court", "behaviours": ["cheat"], "sanctions": ["ban", "bar"],
                  "published": False},
        "tax": {"owner": "tax", "behaviours": ["cheat"], "sanctions": ["ban"],
                "published": False},
    }  # fmt: skip
    model = run(world(lists), 1)
    citizens = model.citizens
    assert np.all(citizens.list_mask == 0b11)
    assert model.latest["multi_listed_share"] == 1.0
    np.testing.assert_allclose(citizens.sanction_cost_yuan, 0.3 * citizens.income)
    assert model.latest["restricted_people__ban"] == citizens.size
    assert model.latest["flight_banned"] == citizens.size
    capped = world(lists, decision=world(lists)["decision"] | {
        "combined_burden_cap_income_share": 0.25})  # fmt: skip
    model = run(capped, 1)
    np.testing.assert_allclose(model.citizens.sanction_cost_yuan, 0.25 * model.citizens.income)


@settings(max_examples=40, deadline=None)
@given(
    national=st.lists(st.booleans(), min_size=2, max_size=2),
    areas=st.lists(st.sampled_from([(), ("a",), ("a", "b"), ("b", "c")]), min_size=0, max_size=2),
    starts=st.lists(st.integers(0, 3), min_size=2, max_size=2),
    covers=st.lists(st.sampled_from([("l0",), ("l1",), ("l0", "l1")]), min_size=2, max_size=2),
    step=st.integers(0, 4),
)
def test_where_a_listing_binds_follows_the_lists_scope_and_the_memoranda_in_force(
    national, areas, starts, covers, step
):
    lists = {
        f"l{i}": {"owner": "court", "behaviours": ["cheat"], "sanctions": ["ban"],
                  "scope": "national" if national[i] else "city"}
        for i in range(2)
    }  # fmt: skip
    memoranda = {
        f"m{j}": {"signatories": ["court"], "lists": list(covers[j]), "cities": list(area),
                  "sanctions": ["bar"], "start_month": starts[j]}
        for j, area in enumerate(areas)
    }  # fmt: skip
    tables = compile_lists(scenario_from_data(world(lists, memoranda)))
    binding = tables.binding(step)
    for i in range(2):
        for made, made_in in enumerate(CITIES):
            for lives, lives_in in enumerate(CITIES):
                expected = national[i] or made_in == lives_in
                extra = False
                for j, area in enumerate(areas):
                    whole = set(area) or set(CITIES)
                    if starts[j] <= step and f"l{i}" in covers[j] and lives_in in whole:
                        if national[i] or made_in in whole:
                            expected = True
                            extra = True
                assert binding.binds[i, made, lives] == expected
                bar = int(binding.sanctions[i, made, lives]) >> 1 & 1
                assert bar == (extra and expected)


def test_a_red_list_by_score_holds_clean_members_and_pays_their_policy():
    lists = {
        "honour": {"owner": "tax", "kind": "redlist", "score_scheme": "points",
                   "score_threshold": 1000.0, "rewards": ["loan"]},
        "court": {"owner": "court", "behaviours": ["cheat"], "sanctions": ["ban"]},
    }  # fmt: skip
    scheme = {"redlist_threshold": 1300.0, "blacklist_threshold": 0.0}
    data = world(lists, schemes={"points": scheme})
    data["cities"] = {name: {"scheme": "points"} for name in CITIES}
    data["behaviours"]["cheat"]["opportunity_rate_per_month"] = 0.0
    model = run(data, 2)
    citizens = model.citizens
    assert model.latest["list_citizens__honour"] == citizens.size
    np.testing.assert_allclose(citizens.rewards_yuan, 2 * 0.03 * citizens.income)
    assert model.latest["list_reward_yuan__loans"] == pytest.approx(0.03 * citizens.income.sum())
    cheating = data | {"behaviours": data["behaviours"] | {"cheat": data["behaviours"]["cheat"]
                       | {"opportunity_rate_per_month": 1.0}}}  # fmt: skip
    model.change_policy(scenario_from_data(cheating))
    model.step()
    assert model.latest["list_citizens__honour"] == 0  # listed: not clean
    assert model.latest["list_citizens__court"] == citizens.size
    assert_mask_matches_spells(model)


def test_the_yangtze_memorandum_stops_listed_citizens_escaping_the_areas_it_covers():
    covered = ("food_and_drugs", "tourism", "environment", "product_quality")

    def escapes(start: int) -> tuple[int, int]:
        scenario = load_scenario(
            ROOT / "scenarios" / "yangtze_delta_pilot.toml",
            {"memoranda.yrd_joint_punishment.start_month": start, "population.citizens": 20_000},
        )
        model = CreditModel(scenario, seed=3)
        moved = escaped = 0
        for month in range(scenario.simulation.steps):
            model.step()
            if month >= 24:
                moved += model.latest["list_members_moved"]
                escaped += model.latest["list_escaped"]
        return moved, escaped

    assert set(covered) <= set(load_scenario(ROOT / "scenarios" / "yangtze_delta_pilot.toml").lists)
    moved_on, escaped_on = escapes(24)
    moved_off, escaped_off = escapes(10_000)
    assert moved_on > 50 and moved_off > 50
    assert escaped_on / moved_on < escaped_off / moved_off - 0.03


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"owner": "police"}, "lists.court.owner"),
        ({"permanent": True, "duration_months": 12}, "lists.court"),
        ({"behaviours": []}, "lists.court"),
        ({"sanctions": ["gag"]}, "lists.court.sanctions"),
        ({"behaviours": ["give"]}, "lists.court.behaviours"),
    ],
)
def test_a_broken_list_is_refused_naming_its_key(change: dict, named: str):
    lists = {"court": {"owner": "court", "behaviours": ["cheat"], **change}}
    with pytest.raises(ScenarioError, match=named.replace(".", r"\.")):
        scenario_from_data(world(lists), "f.toml")


def test_an_override_making_a_list_permanent_drops_its_duration():
    from sim.model.list_rules import compile_lists
    from sim.scenario.files import apply_overrides

    lists = {"court": {"owner": "court", "behaviours": ["cheat"], "duration_months": 12}}
    data = world(lists)
    timed = compile_lists(scenario_from_data(data, "f.toml"))
    made = scenario_from_data(apply_overrides(data, {"lists.court.permanent": True}), "f.toml")
    assert not timed.permanent.any() and timed.duration_months.max() == 12
    assert compile_lists(made).permanent.all() and made.lists["court"].duration_months is None
    # beside a duration lever, permanence wins; a file giving both is refused
    both = apply_overrides(data, {"lists.court.permanent": True, "lists.court.duration_months": 6})
    assert scenario_from_data(both, "f.toml").lists["court"].duration_months is None
    lists["court"]["permanent"] = True
    with pytest.raises(ScenarioError, match="contradict each other"):
        scenario_from_data(world(lists), "f.toml")


def test_a_memorandum_over_a_list_that_does_not_exist_is_refused():
    lists = {"court": {"owner": "court", "behaviours": ["cheat"]}}
    memoranda = {"m": {"signatories": ["court"], "lists": ["courts"]}}
    with pytest.raises(ScenarioError, match=r"memoranda\.m\.lists: unknown blacklist 'courts'"):
        scenario_from_data(world(lists, memoranda), "f.toml")


def test_the_spell_log_holds_every_listing_with_how_and_when_it_ended(tmp_path: Path):
    import pyarrow.parquet as pq
    from typer.testing import CliRunner

    from sim.cli import app
    from sim.runs.store import SPELL_COLUMNS

    path = tmp_path / "lists.toml"
    path.write_text(
        f'extends = "{ROOT / "scenarios" / "yangtze_delta_pilot.toml"}"\n'
        "[population]\ncitizens = 3000\n[simulation]\nsteps = 30\n"
    )
    out = tmp_path / "results"
    result = CliRunner().invoke(
        app, ["run", str(path), "--out", str(out), "--no-progress", "--no-report", "--spells"]
    )
    assert result.exit_code == 0, result.output
    run_dir = next(out.iterdir())
    spells = pq.read_table(run_dir / "list_spells.parquet").to_pandas()
    assert list(spells.columns) == [name for name, _, _ in SPELL_COLUMNS]
    timeseries = pq.read_table(run_dir / "timeseries.parquet").to_pandas()
    assert "yrd_red_list" not in set(spells["list"])  # a red list by score is a state
    for name in ("court_defaulters", "tax_violators", "low_score"):
        mine = spells[spells["list"] == name]
        # every listing made is in the log once; those still open match the last month's count
        assert len(mine) == timeseries[f"list_new__{name}"].sum()
        still = mine[mine["ended"] == "listed"]
        last = timeseries.iloc[-1]
        assert len(still) == last[f"list_citizens__{name}"] + last[f"list_firms__{name}"]
        expired = mine[mine["ended"] == "expired"]
        assert len(expired) == timeseries[f"list_expired__{name}"].sum()
    assert (spells["months"] == spells["end_month"] - spells["start_month"]).all()
    court = spells[(spells["list"] == "tax_violators") & (spells["ended"] == "expired")]
    # a 24-month listing without re-offences lasts exactly 24 months
    assert (court.loc[court["reoffences"] == 0, "months"] == 24).all()


@settings(max_examples=8, deadline=None)
@given(threshold=st.floats(900.0, 1100.0), months=st.integers(1, 6), seed=st.integers(0, 99))
def test_red_list_members_and_rewards_by_quintile_add_up_and_match_the_agents(
    threshold: float, months: int, seed: int
):
    """Each red list's people by quintile come from its members' quintiles; rewards by policy
    and quintile add up to the totals by policy and by quintile."""
    lists = {
        "honour": {"owner": "tax", "kind": "redlist", "score_scheme": "points",
                   "score_threshold": threshold, "rewards": ["loan"]},
        "court": {"owner": "court", "behaviours": ["cheat"], "sanctions": ["ban"]},
    }  # fmt: skip
    data = world(lists, schemes={"points": {"redlist_threshold": 1300.0}})
    data["simulation"]["seed"] = seed
    data["cities"] = {name: {"scheme": "points"} for name in CITIES}
    data["behaviours"]["cheat"] |= {"opportunity_rate_per_month": 0.3, "gain_sigma": 1.0}
    data["population"]["income_sigma"] = 0.8
    model = run(data, months)
    row, citizens = model.latest, model.citizens
    people = scenario_from_data(data).population.people_per_agent
    bit = np.uint64(1) << np.uint64(list(model.rules.lists.names).index("honour"))
    members = (citizens.list_mask & bit) != 0
    expected = np.bincount(citizens.income_quintile[members], minlength=5) * people
    by_quintile = [row[f"red_list_people__honour__q{q}"] for q in range(1, 6)]
    np.testing.assert_allclose(by_quintile, expected)
    assert sum(by_quintile) == pytest.approx(row["list_people__honour"])
    policy = [row[f"list_reward_yuan__loans__q{q}"] for q in range(1, 6)]
    assert sum(policy) == pytest.approx(row["list_reward_yuan__loans"])
    np.testing.assert_allclose(policy, [row[f"list_reward_yuan__q{q}"] for q in range(1, 6)])


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**16), months=st.integers(30, 48), chunk=st.integers(1, 2000))
def test_red_lists_by_score_are_the_same_whatever_the_chunk_of_agents(seed, months, chunk):
    """update_red_lists a chunk of agents at a time gives the one-pass bits and flows."""
    from sim.model.events import ListChanges
    from sim.model.stages.lists import update_red_lists

    scenario = load_scenario(
        ROOT / "scenarios" / "national_2018_lists.toml",
        {"population.citizens": 3000, "simulation.seed": seed},
    )
    model = run_scenario(scenario, months)
    rules, lists = model.rules, model.rules.lists
    outcomes = []
    for size in (model.citizens.size, chunk):
        population = copy.deepcopy(model.citizens)
        changes = ListChanges.empty(lists.size)
        update_red_lists(population, rules, lists, months, changes, chunk=size)
        outcomes.append((population.list_mask, changes.new, changes.left))
    for one, chunked in zip(*outcomes, strict=True):
        np.testing.assert_array_equal(one, chunked)


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**16), months=st.integers(30, 48))
def test_red_list_rewards_are_the_union_of_each_members_lists(seed, months):
    """Each rewarded agent once, ascending, with the OR of the rewards of every red list it is
    on (by spell or by score), computed here list by list."""
    from sim.model.stages.lists import red_list_rewards

    scenario = load_scenario(
        ROOT / "scenarios" / "national_2018_lists.toml",
        {"population.citizens": 3000, "simulation.seed": seed},
    )
    model = run_scenario(scenario, months)
    citizens, lists = model.citizens, model.rules.lists
    red_rows = np.flatnonzero(~lists.blacklist[citizens.spells.list])
    agents, masks = red_list_rewards(citizens, lists, red_rows)
    score_bits = np.uint64(sum(1 << int(k) for k in np.flatnonzero(lists.red_by_score)))
    assert red_rows.size and np.count_nonzero(citizens.list_mask & score_bits)  # both kinds
    expected: dict[int, int] = {}
    for row in red_rows:
        agent = int(citizens.spells.agent[row])
        expected[agent] = expected.get(agent, 0) | int(lists.own_rewards[citizens.spells.list[row]])
    for list_index in np.flatnonzero(lists.red_by_score):
        bit = np.uint64(1) << np.uint64(list_index)
        for agent in np.flatnonzero(citizens.list_mask & bit):
            expected[int(agent)] = expected.get(int(agent), 0) | int(lists.own_rewards[list_index])
    assert agents.tolist() == sorted(expected)
    assert [int(m) for m in masks] == [expected[a] for a in sorted(expected)]


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    agents=st.integers(0, 200),
    share=st.floats(0.0, 1.0),
    more_share=st.floats(0.0, 1.0),
    masks=st.booleans(),
    share_max=st.sampled_from([0, 12, 10**9]),
)
def test_merge_by_agent_combines_each_agent_once_in_order(
    seed, agents, share, more_share, masks, share_max
):
    """Against a per-agent dictionary: sums of floats or unions of masks, by search or by sort."""
    from sim.model import spells
    from sim.model.spells import merge_by_agent

    rng = np.random.default_rng(seed)
    first = np.flatnonzero(rng.random(agents) < share)
    second = np.flatnonzero(rng.random(agents) < more_share)
    if masks:
        values = rng.integers(0, 2**63, first.size, dtype=np.uint64)
        more = rng.integers(0, 2**63, second.size, dtype=np.uint64)
        combine, join = np.bitwise_or, lambda a, b: a | b
    else:
        values, more = rng.uniform(0, 500, first.size), rng.uniform(0, 500, second.size)
        combine, join = np.add, lambda a, b: a + b
    expected = dict(zip(first.tolist(), values.tolist(), strict=True))
    for agent, value in zip(second.tolist(), more.tolist(), strict=True):
        expected[agent] = join(expected[agent], value) if agent in expected else value
    before = values.copy()
    default, spells.INSERT_SHARE_MAX = spells.INSERT_SHARE_MAX, share_max  # 0: search, 1e9: sort
    try:
        merged, merged_values = merge_by_agent(first, values, second, more, combine)
    finally:
        spells.INSERT_SHARE_MAX = default
    assert merged.tolist() == sorted(expected)
    assert merged_values.tolist() == [expected[agent] for agent in sorted(expected)]
    np.testing.assert_array_equal(values, before)  # inputs unchanged
