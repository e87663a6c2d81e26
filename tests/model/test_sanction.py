"""Stage 5, sanction and reward: listing costs, rewards, harm to employees."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import (
    NORTH,
    SKIP_INSURANCE,
    acts_of,
    build,
    everyone_in,
)

from sim.model.stages.sanction import harm_employees, sanction_and_reward


def test_listed_agents_pay_sanctions_and_shame_red_listed_receive_rewards() -> None:
    for published, share in ((True, 0.15), (False, 0.10)):
        model = build(schemes__strict__published=published)
        citizens = model.citizens
        everyone_in(model, NORTH)
        citizens.income[:3] = 1000.0
        citizens.blacklisted[0] = True
        citizens.listing_city[0] = NORTH
        citizens.redlisted[1] = True
        transfers = sanction_and_reward(citizens, model.rules)
        assert citizens.sanction_cost_yuan[:3] == pytest.approx([1000.0 * share, 0.0, 0.0])
        assert transfers.sanction_cost_yuan == pytest.approx(1000.0 * share)
        assert citizens.rewards_yuan[:3] == pytest.approx([0.0, 20.0, 0.0])
        assert citizens.months_listed[:3].tolist() == [1, 0, 0]


def test_a_firms_harming_violation_sets_its_employees_employer_harm() -> None:
    model = build()
    citizens, firms = model.citizens, model.firms
    employed = np.flatnonzero(citizens.employer >= 0)
    assert employed.size > 0
    culprit = int(citizens.employer[employed[0]])
    acts = acts_of([culprit], [SKIP_INSURANCE], [0])
    harm_employees(citizens, firms, model.rules, acts)
    victims = citizens.employer == culprit
    assert citizens.employer_harm[victims] == pytest.approx(0.3)
    assert (citizens.employer_harm[~victims] == 0).all()
    harm_employees(citizens, firms, model.rules, acts_of([], [], []))
    assert (citizens.employer_harm == 0).all()


def test_a_harmless_firm_act_harms_nobody() -> None:
    model = build(behaviours__skip_insurance__harms_employees_income_share=0.0)
    firm = int(model.citizens.employer.max())
    harm_employees(model.citizens, model.firms, model.rules, acts_of([firm], [SKIP_INSURANCE], [0]))
    assert (model.citizens.employer_harm == 0).all()
