"""The core rule agent by agent: a plain Mesa model, the baseline the array model is timed against.

Each citizen is a `mesa.Agent` with its own attributes and a `step()` that does for it what
the array stages do for everyone, in the same order (sim/model/stages/): decide (behave.py),
detect (detect.py), score (score.py: recovery or decay toward base, then points), list
(listing.py: expiry, then new listings). The model steps them with
`agents.shuffle_do("step")` and a DataCollector records the violation and blacklist shares.
Every parameter is read from the same Scenario, which must be restricted to the core rule
(`CoreRule.from_scenario` says what that means), so the two implementations run one rule and
differ only in how it is executed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mesa
import pandas as pd

from sim.model.rules import annuity_months
from sim.scenario.schema import Scenario

VIOLATION_SHARE = "violation_share"
BLACKLISTED_SHARE = "blacklisted_share"


@dataclass(frozen=True)
class CoreRule:
    """The parameters of the core rule, as plain floats for per-agent code."""

    opportunity_rate: float  # per month
    gain_median: float  # income share
    gain_sigma: float
    fine_yuan: float
    detection: float  # true detection probability
    perceived_detection: float  # initial belief (no learning in the core rule)
    data_sharing: float  # chance a detected act reaches the record
    scored: bool
    points: float
    serious: bool
    base_score: float
    min_score: float
    max_score: float
    recovery_points: float  # per month below base
    decay_points: float  # per month above base
    blacklist_threshold: float
    duration_months: int
    permanent: bool
    listing_cost: float  # discounted income months of one listing (sanctions + shame)
    logit_noise: float
    honesty_weight: float
    income_median_yuan: float
    income_sigma: float
    honesty_mean: float
    honesty_sd: float
    risk_attitude_mean: float
    risk_attitude_sd: float

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> CoreRule:
        """Read the core rule from a scenario; ValueError if it uses more than the core rule.

        The core rule: one city with a scheme running from step 0, one citizen violation
        (no debtors-only or involuntary acts), everyone registered, no firms, no rewards, no
        peer influence, no learning, no wrong records.
        """
        problems = []
        people, decision = scenario.population, scenario.decision
        if len(scenario.cities) != 1:
            problems.append("exactly one city")
        (city,) = scenario.cities.values() if len(scenario.cities) == 1 else (None,)
        if city is not None and (city.scheme is None or city.scheme_start_month != 0):
            problems.append("a city scheme running from step 0")
        if len(scenario.behaviours) != 1:
            problems.append("exactly one behaviour")
        name, behaviour = next(iter(scenario.behaviours.items()))
        if (
            behaviour.actor != "citizen"
            or behaviour.kind != "violation"
            or behaviour.debtors_only
            or behaviour.involuntary_from_income_shock
        ):
            problems.append("a chosen citizen violation open to all")
        if round(people.citizens * people.firms_per_citizen) != 0:
            problems.append("no firms")
        if any(
            scenario.registration.initial_coverage.get(p, 0.0) < 1.0 for p in people.professions
        ):
            problems.append("everyone registered")
        if decision.peer_weight != 0 or decision.learning_rate_own != 0:
            problems.append("no peer influence or learning")
        if decision.learning_rate_social != 0:
            problems.append("no social learning")
        if scenario.records.false_record_rate_per_month != 0:
            problems.append("no wrong records")
        if problems:
            raise ValueError(f"not a core-rule scenario; it needs: {', '.join(problems)}")
        scheme = scenario.schemes[city.scheme]
        if scheme.rewards:
            raise ValueError("not a core-rule scenario; it needs: no rewards")
        burden = sum(
            scenario.sanctions[s].cost_income_share
            for s in scheme.sanctions
            if scenario.sanctions[s].applies_to == "citizen"
        ) + (decision.shame_income_share if scheme.published else 0.0)
        duration = scheme.blacklist_duration_by_behaviour.get(
            name, scheme.blacklist_duration_months
        )
        months = math.inf if scheme.blacklist_permanent else duration
        detection = min(max(city.enforcement * behaviour.detectability, 0.0), 1.0)
        serious = name in scheme.blacklist_behaviours
        return cls(
            opportunity_rate=behaviour.opportunity_rate_per_month,
            gain_median=behaviour.gain_income_share,
            gain_sigma=behaviour.gain_sigma,
            fine_yuan=behaviour.fine_yuan,
            detection=detection,
            perceived_detection=min(max(detection * decision.initial_detection_belief, 0.0), 1.0),
            data_sharing=city.data_sharing,
            scored=name in scheme.points or serious,
            points=scheme.points.get(name, 0.0),
            serious=serious,
            base_score=scheme.base_score,
            min_score=scheme.min_score,
            max_score=scheme.max_score,
            recovery_points=scheme.monthly_recovery_points,
            decay_points=scheme.monthly_decay_points,
            blacklist_threshold=scheme.blacklist_threshold,
            duration_months=duration,
            permanent=scheme.blacklist_permanent,
            listing_cost=float(annuity_months(months, decision.monthly_discount_rate)) * burden,
            logit_noise=decision.logit_noise,
            honesty_weight=decision.honesty_weight,
            income_median_yuan=people.income_median_yuan,
            income_sigma=people.income_sigma,
            honesty_mean=people.honesty_mean,
            honesty_sd=people.honesty_sd,
            # The core rule is risk neutral: rho 0 is this baseline's penalty exponent 1.
            risk_attitude_mean=1.0 + people.risk_aversion_mean,
            risk_attitude_sd=people.risk_aversion_sd,
        )


def logit_choice(net: float, noise: float, uniform: float) -> bool:
    """Whether an act of net utility `net` is chosen (noise 0: exactly when net > 0)."""
    if noise <= 0:
        return net > 0
    z = net / noise
    if z >= 0:
        probability = 1.0 / (1.0 + math.exp(-z))
    else:
        odds = math.exp(z)
        probability = odds / (1.0 + odds)
    return uniform < probability


class CoreRuleCitizen(mesa.Agent):
    """One citizen with its own income, honesty, score and listing."""

    def __init__(self, model: CoreRuleModel) -> None:
        super().__init__(model)
        rule, draw = model.rule, model.random
        self.income_yuan = rule.income_median_yuan * math.exp(rule.income_sigma * draw.gauss())
        if rule.honesty_sd > 0 and rule.honesty_mean > 0:
            shape = (rule.honesty_mean / rule.honesty_sd) ** 2
            self.honesty = draw.gammavariate(shape, rule.honesty_sd**2 / rule.honesty_mean)
        else:
            self.honesty = rule.honesty_mean
        theta = draw.gauss(rule.risk_attitude_mean, rule.risk_attitude_sd)
        self.risk_attitude = min(max(theta, 0.1), 3.0)
        self.perceived_detection = rule.perceived_detection
        self.score = rule.base_score
        self.blacklisted = False
        self.listing_months_left = 0
        self.times_listed = 0
        self.fines_yuan = 0.0
        self.violated = False

    def penalty(self) -> float:
        """Penalty of a detected violation in income months: fine plus the listing it risks."""
        rule = self.model.rule
        penalty = rule.fine_yuan / self.income_yuan
        if rule.scored and not self.blacklisted:
            after = self.score + rule.points
            if rule.serious or after < rule.blacklist_threshold:
                penalty += rule.data_sharing * rule.listing_cost
        if self.risk_attitude != 1.0:
            penalty **= self.risk_attitude
        return penalty

    def decide(self) -> bool:
        """Whether to violate now: gain against perceived detection x penalty and honesty."""
        rule, draw = self.model.rule, self.model.random
        gain = rule.gain_median * math.exp(rule.gain_sigma * draw.gauss())
        net = gain - self.perceived_detection * self.penalty() - rule.honesty_weight * self.honesty
        return logit_choice(net, rule.logit_noise, draw.random())

    def step(self) -> None:
        """One month: decide, detect, score, list."""
        rule, draw = self.model.rule, self.model.random
        violated = draw.random() < rule.opportunity_rate and self.decide()
        recorded = False
        if violated:
            detected = draw.random() < rule.detection
            shared = draw.random() < rule.data_sharing
            recorded = rule.scored and detected and shared
            if detected:
                self.fines_yuan += rule.fine_yuan
        if self.score < rule.base_score:
            self.score = min(self.score + rule.recovery_points, rule.base_score)
        elif self.score > rule.base_score:
            self.score = max(self.score - rule.decay_points, rule.base_score)
        if recorded:
            self.score = min(max(self.score + rule.points, rule.min_score), rule.max_score)
        if self.blacklisted and not rule.permanent:
            self.listing_months_left -= 1
            if self.listing_months_left <= 0:
                self.blacklisted = False
                self.score = max(self.score, rule.blacklist_threshold)
        if (
            recorded
            and not self.blacklisted
            and (rule.serious or self.score < rule.blacklist_threshold)
        ):
            self.blacklisted = True
            self.listing_months_left = rule.duration_months
            self.times_listed += 1
        self.violated = violated


def violation_share(model: CoreRuleModel) -> float:
    """Share of citizens who violated this step."""
    return sum(agent.violated for agent in model.agents) / len(model.agents)


def blacklisted_share(model: CoreRuleModel) -> float:
    """Share of citizens blacklisted now."""
    return sum(agent.blacklisted for agent in model.agents) / len(model.agents)


class CoreRuleModel(mesa.Model):
    """The core rule with one Mesa agent per citizen, stepped in random order.

    Args:
        scenario: a core-rule scenario (see `CoreRule.from_scenario`).
        seed: seed of the model's random streams.
    """

    def __init__(self, scenario: Scenario, seed: int = 0) -> None:
        super().__init__(rng=seed)
        self.rule = CoreRule.from_scenario(scenario)
        CoreRuleCitizen.create_agents(self, scenario.population.citizens)
        self.datacollector = mesa.DataCollector(
            model_reporters={VIOLATION_SHARE: violation_share, BLACKLISTED_SHARE: blacklisted_share}
        )

    def step(self) -> None:
        """One month for every citizen, then record the shares."""
        self.agents.shuffle_do("step")
        self.datacollector.collect(self)

    def timeseries(self) -> pd.DataFrame:
        """Violation and blacklist shares, one row per step."""
        return self.datacollector.get_model_vars_dataframe()
