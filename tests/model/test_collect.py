"""Stage 8, collect: the outcome row matches the agents' state."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import (
    NORTH,
    build,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.events import NO_LIST_TRANSFERS, ListTransfers, MonthlyTransfers, StepEvents
from sim.model.stages.metrics import (
    CODES,
    QUINTILES,
    code_table,
    concentration_index,
    monthly_rewards,
)


def test_collected_row_matches_the_agents_state() -> None:
    model = build(population__people_per_agent=1000.0)
    for _ in range(6):
        model.step()
    row, citizens = model.latest, model.citizens
    assert row["step"] == 6
    assert row["blacklisted_share"] == pytest.approx(citizens.blacklisted.mean())
    assert row["flight_banned"] == pytest.approx(citizens.blacklisted.sum() * 1000.0)
    assert row["compliance_rate"] == pytest.approx(1 - citizens.violated.mean())
    assert row["mean_score"] == pytest.approx(citizens.score.mean())
    in_north = citizens.city == NORTH
    assert row["blacklisted_share__north"] == pytest.approx(citizens.blacklisted[in_north].mean())
    poorest = citizens.income_quintile == 0
    assert row["redlisted_share__q1"] == pytest.approx(citizens.redlisted[poorest].mean())
    assert row["firms_blacklisted_share"] == pytest.approx(model.firms.blacklisted.mean())


def test_concentration_index_sign_follows_who_gets_the_rewards() -> None:
    rank = (np.arange(100) + 0.5) / 100
    assert concentration_index(np.ones(100), rank) == pytest.approx(0.0)
    assert concentration_index(np.where(rank > 0.8, 1.0, 0.0), rank) > 0.5
    assert concentration_index(np.where(rank < 0.2, 1.0, 0.0), rank) < -0.5
    assert concentration_index(np.zeros(100), rank) == 0.0


def test_red_list_membership_and_reward_indices_are_told_apart() -> None:
    """Rewards as a share of income: the yuan index follows income, membership does not."""
    model = build()
    citizens = model.citizens
    n = citizens.size
    rank = citizens.income_rank()
    # Red-list exactly the poorer half: membership favours the poor, whatever the yuan.
    poorer = rank < 0.5
    members = np.flatnonzero(poorer)
    ones = np.zeros(n)
    ones[members] = 1.0
    expected = 2 * np.cov(ones, rank, bias=True)[0, 1] / ones.mean()  # Wagstaff, by hand
    assert concentration_index(np.ones(members.size), rank, members) == pytest.approx(expected)
    assert expected < 0
    # Rewards of 2% of income: as a share of income the same for every member, so the index is
    # the membership's ...
    relative = np.full(members.size, 0.02)
    assert concentration_index(relative, rank, members) == pytest.approx(expected)
    # ... while in yuan they rise with income within the members.
    yuan = 0.02 * citizens.income[members]
    assert concentration_index(yuan, rank, members) > expected


def test_the_collected_row_carries_all_three_indices(small_model) -> None:
    small_model.step()
    row = small_model.latest
    for name in ("redlist", "reward_relative", "reward_yuan"):
        assert -1.0 <= row[f"{name}_concentration_index"] <= 1.0
    assert "reward_concentration_index" not in row


def test_calendar_month_names_the_month_simulated_in_each_row():
    from sim.model.model import CreditModel
    from sim.scenario import scenario_from_data

    model = CreditModel(
        scenario_from_data(
            {"simulation": {"steps": 14, "start_year": 2014}, "population": {"citizens": 200}}
        )
    )
    for _ in range(14):
        model.step()
    frame = model.timeseries()
    assert frame["calendar_month"].tolist()[:2] == ["2014-01", "2014-02"]
    assert frame["calendar_month"].tolist()[11:14] == ["2014-12", "2015-01", "2015-02"]
    expected = [f"{2014 + (s - 1) // 12}-{(s - 1) % 12 + 1:02d}" for s in frame["step"]]
    assert frame["calendar_month"].tolist() == expected


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    rows=st.integers(0, 400),
    cities=st.integers(1, 5),
    chunk=st.integers(1, 500),
)
def test_the_code_table_counts_each_agent_once_whatever_the_chunk(seed, rows, cities, chunk):
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, CODES, rows).astype(np.uint8)
    quintile = rng.integers(0, QUINTILES, rows).astype(np.int8)
    city = rng.integers(0, cities, rows).astype(np.int32)
    expected = np.zeros((QUINTILES, cities, CODES), dtype=np.int64)
    for q, c, k in zip(quintile, city, codes, strict=True):
        expected[q, c, k] += 1
    got = code_table(codes, quintile, city, cities, chunk=chunk)
    np.testing.assert_array_equal(got, expected)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    agents=st.integers(1, 300),
    scheme_share=st.floats(0.0, 1.0),
    list_share=st.floats(0.0, 1.0),
)
def test_monthly_rewards_add_the_schemes_and_the_lists_per_agent(
    seed, agents, scheme_share, list_share
):
    rng = np.random.default_rng(seed)
    by_scheme = np.flatnonzero(rng.random(agents) < scheme_share)
    by_lists = np.flatnonzero(rng.random(agents) < list_share)
    scheme_yuan, list_yuan = rng.uniform(0, 500, by_scheme.size), rng.uniform(0, 500, by_lists.size)
    paid = ListTransfers(
        NO_LIST_TRANSFERS.burdened,
        NO_LIST_TRANSFERS.sanctions,
        NO_LIST_TRANSFERS.cost_yuan,
        by_lists,
        list_yuan,
        np.zeros(by_lists.size, np.uint64),
    )
    events = StepEvents(
        acts={},
        listings={},
        transfers={"citizen": MonthlyTransfers(0.0, by_scheme, scheme_yuan)},
        moves={},
        list_transfers={"citizen": paid},
    )
    expected: dict[int, float] = {}
    for agent, yuan in [
        *zip(by_scheme, scheme_yuan, strict=True),
        *zip(by_lists, list_yuan, strict=True),
    ]:
        expected[int(agent)] = expected.get(int(agent), 0.0) + float(yuan)
    rewarded, value = monthly_rewards(events, "citizen")
    assert rewarded.tolist() == sorted(expected)
    assert value.tolist() == [expected[agent] for agent in sorted(expected)]
