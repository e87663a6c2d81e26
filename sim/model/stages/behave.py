"""Stage 1, behave: who violates, who does a pro-social act, who defaults involuntarily.

Deterrence in the Becker / Allingham-Sandmo tradition. An agent facing a violation of
behaviour b compares, in months of its own income,

    CE(gain, full_penalty, perceived_detection, rho) - honesty + peer_weight * (peers - 0.5)

where full_penalty = fine / income + record_chance * (listing cost + lost red-list rewards)
+ the expected discounted burden of the agencies' lists the act would add
(`sim.model.memberships.list_penalty`),
CE is the certainty equivalent of the gamble under CRRA utility with relative risk aversion
rho over a wealth base (`certainty_equivalent`; rho = 0 gives gain - detection x penalty) and
`peers` the share of its neighbours who violated last step. With logit noise tau > 0 it
violates with probability 1 / (1 + exp(-net / tau)); with tau = 0 exactly when net > 0. Only
agents with an opportunity this month (Bernoulli at the behaviour's rate) decide, so the cost
grows with opportunities.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import expit

from sim.model.discounting import annuity_months
from sim.model.draws import bernoulli_indices
from sim.model.events import Acts
from sim.model.memberships import list_penalty
from sim.model.population import column_values

if TYPE_CHECKING:
    from sim.model.kinds import ActorKind
    from sim.model.population import Citizens, Population
    from sim.model.rules import RuleTables
    from sim.scenario.schema import Scenario

PRO_SOCIAL_HORIZON_MONTHS = 12.0


def forced_defaulters(
    rng: np.random.Generator, citizens: Citizens, scenario: Scenario
) -> np.ndarray:
    """Debtors whose income, after a shock and any employer harm, cannot cover their loan."""
    shocks = scenario.income_shocks
    shocked = bernoulli_indices(rng, citizens.size, shocks.probability_per_month)
    shocked = shocked[citizens.debtor[shocked]]
    loss = rng.uniform(0.0, shocks.loss_share_max, shocked.size)
    income = citizens.income[shocked]
    remaining = income * (1.0 - loss - citizens.employer_harm_of(shocked))
    needed = shocks.subsistence_yuan + shocks.debt_service_income_share * income
    return shocked[remaining < needed]


def full_penalty(
    population: Population,
    rules: RuleTables,
    scenario: Scenario,
    agents: np.ndarray,
    behaviour: int | np.ndarray,
    step: int,
) -> np.ndarray:
    """Penalty of a detected violation, in months of the agent's income.

    The fine, plus (if the act reaches the agent's record) the discounted cost of the listing
    it would trigger (sanctions, shame if published, red-list rewards forgone), of the
    extension and escalation it would bring if the agent is already listed, or, short of a
    listing, the red-list rewards lost until the score recovers. `behaviour` is one behaviour
    for every agent or one per agent (a month's decisions of every behaviour in one pass);
    each agent costs lookups in small per-city and per-behaviour tables.
    """
    behaviour = np.broadcast_to(np.asarray(behaviour, dtype=np.int64), agents.shape)
    actor = population.actor_index
    city = population.city[agents]
    city_scheme = rules.city_scheme  # [C]
    # one flat (city, behaviour) cell per agent: every [scheme, behaviour] table becomes a
    # small [C * B] table gathered with one index (1-D takes, not 2-D fancy indexing)
    cell = city.astype(np.intp) * rules.points.shape[1] + behaviour

    registered = rules.registered_rows(population, agents, step)
    chance_table = (rules.city_data_sharing * rules.scheme_active(step))[:, None] * (
        rules.scored_at(step)[city_scheme]
    )
    record_chance = chance_table.ravel().take(cell) * registered
    started = rules.behaviour_start[behaviour] <= step  # rollout: scored from this month
    points = _by_cell(city_scheme, cell, rules.points)
    after = np.minimum(
        population.score[agents] + points * started, _by_cell(city_scheme, cell, rules.score_cap)
    )
    del points
    redlisted = population.redlisted[agents]
    listed = population.blacklisted[agents]
    serious = _by_cell(city_scheme, cell, rules.serious)
    triggers = serious | (after < rules.blacklist_threshold[city_scheme][city])
    del serious
    would_list = ~listed & triggers
    reward = rules.reward_value[city_scheme, actor][city]
    listing_value = _by_cell(city_scheme, cell, rules.listing_value)
    del cell, started  # the month's largest temporaries are these per-candidate arrays
    listing_cost = would_list * (
        listing_value * rules.listing_burden[city_scheme, actor][city]
        + listing_value * reward * redlisted
    )
    del listing_value
    fine = rules.fine_yuan[behaviour] / population.income[agents]
    penalty = fine + record_chance * listing_cost
    del listing_cost
    if rules.lists.size:
        penalty += list_penalty(
            population, rules, rules.lists, agents, behaviour, after, registered, step
        )
    extends = np.flatnonzero(listed & triggers)
    if extends.size:
        penalty[extends] += record_chance[extends] * extension_cost(
            population, rules, scenario, agents[extends], behaviour[extends]
        )
    loses = np.flatnonzero(
        redlisted & ~would_list & (after < rules.redlist_threshold[city_scheme][city])
    )
    if loses.size:
        months = red_list_months_lost(
            rules, city_scheme[city[loses]], population.score[agents[loses]], after[loses]
        )
        penalty[loses] += (
            record_chance[loses]
            * reward[loses]
            * annuity_months(months, scenario.decision.monthly_discount_rate)
        )
    if rules.lists.size and rules.lists.red_by_score.any():
        penalty += record_chance * list_red_rewards_lost(
            population, rules, agents, after, scenario.decision.monthly_discount_rate
        )
    aware = population.aware[agents]
    if not aware.all():  # an unaware agent weighs the fine only
        penalty = np.where(aware, penalty, fine)
    return penalty


def _by_cell(city_scheme: np.ndarray, cell: np.ndarray, table: np.ndarray) -> np.ndarray:
    """The [scheme, behaviour] table read through each agent's flat (city, behaviour) cell."""
    return table[city_scheme].ravel().take(cell)


def extension_cost(
    population: Population,
    rules: RuleTables,
    scenario: Scenario,
    agents: np.ndarray,
    behaviour: int | np.ndarray,
) -> np.ndarray:
    """Discounted cost (months of income) of one more re-offence recorded while listed.

    Under the listing's scheme the listing is renewed to at least the behaviour's duration
    and extended by `extension_months` (nothing for a permanent listing), and the monthly
    burden rises by `escalation` x its base for the rest of the listing, extension included.
    """
    held_by = rules.city_scheme[population.listing_city[agents]]
    base = rules.listing_burden[held_by, population.actor_index]
    step_up = rules.escalation[held_by]
    burden_after = base * (1.0 + step_up * (population.listing_level[agents] + 1))
    left = np.where(
        population.listing_permanent[agents], np.inf, population.listing_months_left[agents]
    )
    rate = scenario.decision.monthly_discount_rate
    remaining = annuity_months(left, rate)
    renewed = np.maximum(left, rules.duration_months[held_by, behaviour])
    extended = annuity_months(renewed + rules.extension_months[held_by], rate)
    return step_up * base * remaining + burden_after * (extended - remaining)


def red_list_months_lost(
    rules: RuleTables,
    scheme: np.ndarray,
    score: np.ndarray,
    after: np.ndarray,
    threshold: np.ndarray | float | None = None,
) -> np.ndarray:
    """Months of red-list rewards a record costs, from the score path the rules produce.

    Scores move toward the base by `monthly_recovery_points` (below it) and
    `monthly_decay_points` (above it), never past it. With the red-list threshold T at or
    below the base, a score `after` < T climbs back in ceil((T - after) / recovery) months
    (never without recovery), and the agent would have stayed on the list anyway. With T
    above the base, recovery stops short of T: the list is lost for good, and what the record
    costs is the months the agent would have stayed without it, (score - T) // decay + 1
    (for ever without decay). inf means a perpetuity. `threshold`: a red list's own (by
    default the scheme's).
    """
    if threshold is None:
        threshold = rules.redlist_threshold[scheme]
    base = rules.base_score[scheme]
    recovery = rules.recovery_points[scheme]
    decay = rules.decay_points[scheme]
    with np.errstate(divide="ignore", invalid="ignore"):
        back = np.where(recovery > 0, np.ceil((threshold - after) / recovery), np.inf)
        stay = np.where(decay > 0, np.floor((score - threshold) / decay) + 1.0, np.inf)
    return np.where(threshold <= base, back, stay)


def list_red_rewards_lost(
    population: Population,
    rules: RuleTables,
    agents: np.ndarray,
    after: np.ndarray,
    rate: float,
) -> np.ndarray:
    """Discounted rewards (months of income) of the red lists by score a record would cost.

    For each red list by score an agent holds, if the score after the record falls below
    the list's threshold, the list's monthly rewards over the months the score path keeps
    it off (`red_list_months_lost` with the list's threshold).
    """
    lists = rules.lists
    lost = np.zeros(agents.size)
    held = population.list_mask[agents]
    actor = population.actor_index
    for list_index in np.flatnonzero(lists.red_by_score):
        bit = np.uint64(1) << np.uint64(list_index)
        rows = np.flatnonzero((held & bit) != 0)
        threshold = lists.score_threshold[list_index]
        rows = rows[after[rows] < threshold]
        if rows.size == 0:
            continue
        scheme = np.full(rows.size, lists.score_scheme[list_index])
        months = red_list_months_lost(
            rules, scheme, population.score[agents[rows]], after[rows], threshold
        )
        value = float(lists.reward_cost(np.array([lists.own_rewards[list_index]]), actor)[0])
        lost[rows] += value * annuity_months(months, rate)
    return lost


def list_red_point_value(rules: RuleTables, actor: int, behaviour: int, step: int) -> np.ndarray:
    """[C] value (income share a month) per point of `behaviour` of the red lists by score.

    As for the scheme's red list: each point is worth the list's monthly rewards divided by
    the points between the base score and the list's threshold (at least 1), summed over the
    red lists by score of the city's scheme that list the actor there from `step`.
    """
    lists = rules.lists
    value = np.zeros(len(rules.city_names))
    for list_index in np.flatnonzero(lists.red_by_score & lists.subjects[:, actor]):
        if lists.start_month[list_index] > step:
            continue
        scheme = lists.score_scheme[list_index]
        points = max(float(rules.points[scheme, behaviour]), 0.0)
        if points == 0.0:
            continue
        distance = max(lists.score_threshold[list_index] - rules.base_score[scheme], 1.0)
        reward = float(lists.reward_cost(np.array([lists.own_rewards[list_index]]), actor)[0])
        usable = lists.operates[list_index] & (rules.city_scheme == scheme)
        value += usable * (points / distance * reward)
    return value


LIMITED_LIABILITY_FLOOR = 1e-3  # share of wealth + gain a detected violator always keeps


def certainty_equivalent(
    gain: np.ndarray,
    penalty: np.ndarray,
    detection: np.ndarray,
    risk_aversion: np.ndarray,
    wealth_months: float,
) -> np.ndarray:
    """Certainty equivalent of violating, in months of income (CRRA expected utility).

    Wealth w (months of income) becomes w + gain if undetected and w + gain - penalty if
    detected (probability `detection`), the latter kept at least LIMITED_LIABILITY_FLOOR x
    (w + gain): nobody loses more than the wealth at stake. With u(x) = x^(1-rho)/(1-rho)
    (log at rho = 1) the certainty equivalent is the power mean of order 1 - rho of the two
    outcomes, minus w. A power mean falls as its order falls, so at every gain, penalty and
    detection a more risk-averse agent values the violation less (is at least as deterred).
    rho = 0 gives gain - detection x penalty exactly while the penalty is within the wealth.
    """
    good = wealth_months + gain
    capped = np.minimum(penalty, good * (1.0 - LIMITED_LIABILITY_FLOOR))
    neutral = gain - detection * capped
    averse = np.flatnonzero(risk_aversion != 0.0)
    if averse.size == 0:
        return neutral
    # float32: about half the cost of float64, and ample next to wealth-sized numbers.
    g = good[averse].astype(np.float32)
    p = detection[averse].astype(np.float32)
    bad = g - capped[averse].astype(np.float32)
    order = np.float32(1.0) - risk_aversion[averse]
    drop = np.log(bad) - np.log(g)  # log(bad / good), in [log LIMITED_LIABILITY_FLOOR, 0]
    logarithmic = np.abs(order) < 1e-6
    safe = np.where(logarithmic, np.float32(1.0), order)
    # Power mean relative to the good outcome: log(M/g) = log(q + p e^x) / r with x = r d,
    # d = log(b/g). Near x = 0 as log1p(p expm1(x)): exactly 0 when b = g, no cancellation at
    # small orders; the few |x| >= 1 in logs (log1p would lose digits next to -1 there).
    x = safe * drop
    inner = np.log1p(p * np.expm1(x))
    far = np.flatnonzero(np.abs(x) >= 1.0)
    if far.size:
        with np.errstate(divide="ignore"):  # log 0 = -inf is right for p = 0 or 1
            inner[far] = np.logaddexp(np.log1p(-p[far]), np.log(p[far]) + x[far])
    log_ratio = np.where(logarithmic, p * drop, inner / safe)  # log(M / g) <= 0
    value = neutral.copy()
    value[averse] = gain[averse] + g * np.expm1(log_ratio)  # M - w = gain + g (M/g - 1)
    return value


def _choose(rng: np.random.Generator, net: np.ndarray, noise: float) -> np.ndarray:
    """Deterministic (noise 0) or logit choice of acts with net utility `net`."""
    if noise <= 0:
        return net > 0
    return rng.random(net.size) < expit(net / noise)


@dataclass
class ViolationChoices:
    """One month's violation opportunities of every behaviour, decided in one pass.

    The draws are taken behaviour by behaviour as the candidates are found (each
    behaviour's gains, then its logit uniforms), so the random stream is the one a pass per
    behaviour would use; what follows them is elementwise, so deciding every behaviour's
    candidates together gives the same choices as deciding them one behaviour at a time.
    """

    agents: list[np.ndarray] = field(default_factory=list)
    columns: list[np.ndarray] = field(default_factory=list)
    normals: list[np.ndarray] = field(default_factory=list)
    uniforms: list[np.ndarray] = field(default_factory=list)

    def add(
        self, rng: np.random.Generator, candidates: np.ndarray, column: int, noise: float
    ) -> None:
        """Queue one behaviour's candidates with their draws."""
        self.agents.append(candidates)
        self.columns.append(np.full(candidates.size, column, dtype=np.int64))
        self.normals.append(rng.standard_normal(candidates.size))
        if noise > 0:
            self.uniforms.append(rng.random(candidates.size))

    def decide(
        self,
        population: Population,
        rules: RuleTables,
        scenario: Scenario,
        peer_share: np.ndarray,
        step: int,
        shift: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> list[np.ndarray]:
        """Per queued behaviour, the candidates who choose to commit the violation.

        With `shift` (legitimacy's [C] multiplier of the intrinsic term and [C] shift of
        the peer share, `sim.model.stages.govern.decision_shift`) both terms move with the
        city's legitimacy.
        """
        if not self.agents:
            return []
        decision = scenario.decision
        candidates = np.concatenate(self.agents)
        column = np.concatenate(self.columns)
        behaviour = population.behaviours[column].astype(np.int64)
        penalty = full_penalty(population, rules, scenario, candidates, behaviour, step)
        belief = column_values(population.perceived_detection, candidates, column)
        gain = rules.gain_median[behaviour] * np.exp(
            rules.gain_sigma[behaviour] * np.concatenate(self.normals)
        )
        rho = population.risk_aversion[candidates]
        value = certainty_equivalent(gain, penalty, belief, rho, decision.wealth_base_months)
        honesty = population.honesty[candidates]
        peers = peer_share[candidates]
        if shift is not None:
            city = population.city[candidates]
            honesty = honesty * shift[0][city]
            peers = np.clip(peers + shift[1][city], 0.0, 1.0)
        net = value - decision.honesty_weight * honesty + decision.peer_weight * (peers - 0.5)
        if decision.logit_noise <= 0:
            chosen = net > 0
        else:
            chosen = np.concatenate(self.uniforms) < expit(net / decision.logit_noise)
        bounds = np.cumsum([part.size for part in self.agents])[:-1]
        return [
            part[keep] for part, keep in zip(self.agents, np.split(chosen, bounds), strict=True)
        ]


def _prosocial_acts(
    rng: np.random.Generator,
    population: Population,
    rules: RuleTables,
    scenario: Scenario,
    candidates: np.ndarray,
    column: int,
    step: int,
    shift: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """The candidates who do pro-social act `column`: warm glow + honours + points' value.

    Unaware agents do not count the points' value; legitimacy (`shift`) scales warm glow.
    """
    behaviour = int(population.behaviours[column])
    city = population.city[candidates]
    scheme = rules.city_scheme[city]
    registered = rules.registered_rows(population, candidates, step)
    scored = rules.scored_at(step)[scheme, behaviour]
    counted = registered * rules.scheme_active(step)[city] * scored
    counted = counted & population.aware[candidates]
    distance = np.maximum(rules.redlist_threshold[scheme] - rules.base_score[scheme], 1.0)
    point_value = (
        np.maximum(rules.points[scheme, behaviour], 0.0)
        / distance
        * rules.reward_value[scheme, population.actor_index]
        * annuity_months(PRO_SOCIAL_HORIZON_MONTHS, scenario.decision.monthly_discount_rate)
    )
    point_value = np.nan_to_num(point_value, posinf=0.0)
    if rules.lists.size and rules.lists.red_by_score.any():
        per_point = list_red_point_value(rules, population.actor_index, behaviour, step)
        point_value = (
            point_value
            + (
                per_point
                * annuity_months(PRO_SOCIAL_HORIZON_MONTHS, scenario.decision.monthly_discount_rate)
            )[city]
        )
    honesty = population.honesty[candidates]
    if shift is not None:
        honesty = honesty * shift[0][city]
    value = (
        rules.warm_glow[behaviour] * honesty
        + rules.honour[behaviour]
        + counted * point_value
        - rules.act_cost[behaviour]
    )
    return candidates[_choose(rng, value, scenario.decision.logit_noise)]


def behave(
    rng: np.random.Generator,
    population: Population,
    kind: ActorKind,
    rules: RuleTables,
    scenario: Scenario,
    step: int,
    shift: tuple[np.ndarray, np.ndarray] | None = None,
) -> Acts:
    """Decide this step's acts for a whole population (`shift`: legitimacy's, if any)."""
    if scenario.decision.peer_weight > 0:
        peer_share = population.peers.share(population.violated)
    else:
        peer_share = np.full(population.size, 0.5, dtype=np.float32)  # the norm term vanishes
    forced = (
        forced_defaulters(rng, population, scenario)
        if kind.income_shocks
        else np.empty(0, dtype=np.int64)
    )
    is_forced = np.zeros(population.size, dtype=bool)
    is_forced[forced] = True
    noise = scenario.decision.logit_noise
    opportunities = np.zeros(len(rules.behaviour_names), dtype=np.int64)
    prosocial_chosen: dict[int, np.ndarray] = {}
    involuntary_of: dict[int, np.ndarray] = {}
    queued = ViolationChoices()
    for column, behaviour in enumerate(population.behaviours):
        candidates = bernoulli_indices(
            rng, population.size, float(rules.opportunity_rate[behaviour])
        )
        if rules.debtors_only[behaviour]:
            candidates = candidates[population.debtor[candidates]]
        involuntary = np.empty(0, dtype=np.int64)
        if rules.prosocial[behaviour]:
            prosocial_chosen[column] = _prosocial_acts(
                rng, population, rules, scenario, candidates, column, step, shift
            )
        else:
            if rules.involuntary[behaviour]:
                involuntary = forced
                candidates = candidates[~is_forced[candidates]]
            queued.add(rng, candidates, column, noise)
            involuntary_of[column] = involuntary
        opportunities[behaviour] = candidates.size + involuntary.size
    violators = iter(queued.decide(population, rules, scenario, peer_share, step, shift))
    parts: list[Acts] = []
    for column, behaviour in enumerate(population.behaviours):
        prosocial = column in prosocial_chosen
        chosen = prosocial_chosen[column] if prosocial else next(violators)
        involuntary = involuntary_of.get(column, np.empty(0, dtype=np.int64))
        agents = np.concatenate([chosen, involuntary])
        parts.append(
            Acts(
                agent=agents,
                column=np.full(agents.size, column, dtype=np.int64),
                behaviour=np.full(agents.size, behaviour, dtype=np.int64),
                involuntary=np.arange(agents.size) >= chosen.size,
                prosocial=np.full(agents.size, prosocial),
            )
        )
    acts = Acts.concatenate(parts)
    acts.opportunities = opportunities
    population.violated[:] = False
    population.involuntary_violation[:] = False
    violations = acts.violation
    population.violated[acts.agent[violations]] = True
    population.involuntary_violation[acts.agent[acts.involuntary]] = True
    return acts
