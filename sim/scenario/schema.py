"""The scenario format: frozen pydantic models of every table.

The system's lists are data too: agencies, their black and red lists and the
joint-punishment memoranda among them (`Agency`, `ListRule`, `Memorandum`). A list is held by
an agency, lists citizens, firms or both on its own triggers (detected acts of named
behaviours, a court judgment on them, a score below or above a scheme's threshold), for its
own duration, and carries its own sanctions or rewards; a memorandum is an agreement among
agencies to sanction each other's lists' members in the cities and zones it covers. A new
list or memorandum is a new table, never new code.

Every parameter has a default, a unit (in its description) and a range (its bounds). A
scenario names behaviours, sanctions, rewards and schemes as data; cities refer to a scheme by
name, so a new city or pilot design is a new file, not new code.
Money is in yuan; decision terms are in months of the agent's own income ("income share").
"""

from __future__ import annotations

import difflib
import hashlib
import json
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator


def did_you_mean(name: str, allowed: object) -> str:
    """' did you mean `x`?' for the closest allowed name, or '' when none is close."""
    close = difflib.get_close_matches(str(name), [str(a) for a in allowed], n=1, cutoff=0.6)
    return f" did you mean `{close[0]}`?" if close else ""


class Frozen(BaseModel):
    """Base for every config table: immutable, unknown keys are errors, numbers are finite.

    Every file format of the project (scenarios, experiments, calibrations) builds on it, so
    `inf` and `nan` are refused everywhere with the key path and the value.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


MAX_LISTS = 64  # memberships are one bit each in a 64-bit mask per agent
Actor = Literal["citizen", "firm"]
ACTORS: tuple[str, ...] = get_args(Actor)  # columns of the by-actor rule tables


class Simulation(Frozen):
    """Run length and identity."""

    name: str = Field("unnamed", description="Scenario name, used in run ids.")
    description: str = Field("", description="Free text: what the scenario represents, sources.")
    steps: int = Field(120, ge=1, le=1200, description="Number of steps (months).")
    seed: int = Field(42, ge=0, description="Default seed; `--seed` overrides it.")
    start_year: int = Field(2018, ge=1900, le=2200, description="Calendar year of step 0.")
    warning: str = Field(
        "",
        description="A caveat `creditsim run` and `validate` print whenever the scenario is "
        "used (e.g. a calibration fitted with an older model version).",
    )


class Population(Frozen):
    """Citizens and firms: how many and how they are drawn."""

    citizens: int = Field(10_000, ge=10, le=20_000_000, description="Citizen agents.")
    firms_per_citizen: float = Field(
        0.05, ge=0.0, le=1.0, description="Firm agents per citizen agent."
    )
    people_per_agent: float = Field(
        1.0,
        gt=0,
        description="Real people one citizen agent stands for (scales counts). When "
        "`population.citizens` is overridden (--set, experiments, the app) and this is not 1, "
        "the file's citizens x people_per_agent is kept as the real population.",
    )
    real_population: float | None = Field(
        None,
        gt=0,
        description="Real people the citizens stand for; if set, people_per_agent is derived "
        "from it (so changing `citizens` keeps the scale).",
    )
    income_median_yuan: float = Field(
        4_000.0, gt=0, description="Median monthly income (yuan/month); lognormal."
    )
    income_sigma: float = Field(0.7, ge=0.0, le=3.0, description="Log-sd of income.")
    debtor_share: float = Field(0.3, ge=0.0, le=1.0, description="Share holding a loan.")
    employed_share: float = Field(
        0.6, ge=0.0, le=1.0, description="Share of citizens employed by a simulated firm."
    )
    honesty_mean: float = Field(
        0.05, ge=0.0, le=10.0, description="Mean intrinsic cost of a violation (income share)."
    )
    honesty_sd: float = Field(0.05, ge=0.0, le=10.0, description="Sd of honesty (gamma).")
    risk_aversion_mean: float = Field(
        0.0,
        ge=-1.0,
        le=5.0,
        description="Mean relative risk aversion rho of CRRA utility over wealth in months of "
        "income (0 neutral, >0 risk-averse, <0 risk-seeking; draws clipped to -1..5). "
        "Replaces risk_attitude_mean (penalty exponent theta; theta 1 is rho 0; roughly "
        "rho = theta - 1 near neutral). ASSUMPTION.",
    )
    risk_aversion_sd: float = Field(
        0.0, ge=0.0, le=2.0, description="Sd of rho across agents (normal, clipped)."
    )
    firm_profit_median_yuan: float = Field(
        200_000.0, gt=0, description="Median monthly profit of a firm (yuan/month)."
    )
    firm_profit_sigma: float = Field(1.0, ge=0.0, le=3.0, description="Log-sd of profit.")
    professions: dict[str, float] = Field(
        default_factory=lambda: {"doctor": 0.01, "public_servant": 0.05, "other": 0.94},
        description="Profession -> population share (normalised).",
    )

    @property
    def people_scale(self) -> float:
        """Real people per citizen agent (from real_population when given)."""
        if self.real_population is not None:
            return self.real_population / self.citizens
        return self.people_per_agent

    @model_validator(mode="after")
    def _professions_positive(self) -> Population:
        if not self.professions or any(v < 0 for v in self.professions.values()):
            raise ValueError("professions: give at least one profession, shares >= 0")
        if sum(self.professions.values()) <= 0:
            raise ValueError("professions: shares must not all be zero")
        return self


class Network(Frozen):
    """Citizens' social ties: a small-world ring (Watts-Strogatz) over city-sorted agents."""

    mean_degree: int = Field(8, ge=0, le=100, description="Ties per citizen (even).")
    rewiring: float = Field(
        0.1, ge=0.0, le=1.0, description="Share of ties rewired to a random citizen."
    )


class Decision(Frozen):
    """The deterrence choice (Becker; Allingham-Sandmo) with logit noise, norms and learning."""

    logit_noise: float = Field(
        0.1, ge=0.0, le=10.0, description="Logit scale (income share); 0 is deterministic."
    )
    honesty_weight: float = Field(1.0, ge=0.0, le=10.0, description="Weight of honesty cost.")
    peer_weight: float = Field(
        0.1, ge=0.0, le=10.0, description="Utility (income share) of neighbours all violating."
    )
    learning_rate_own: float = Field(
        0.2, ge=0.0, le=1.0, description="Weight of own detection outcome in belief update."
    )
    learning_rate_social: float = Field(
        0.05, ge=0.0, le=1.0, description="Weight of a neighbour's outcome in belief update."
    )
    learning_rate_news: float = Field(
        0.06,
        ge=0.0,
        le=1.0,
        description="Monthly weight of published enforcement (where the scheme publishes its "
        "records) in every agent's belief: the share of violations detected in its city. The "
        "share of people who notice (about 0.2 a month) times how far they move (0.3). "
        "ASSUMPTION.",
    )
    initial_detection_belief: float = Field(
        1.0, ge=0.0, le=10.0, description="Initial perceived / true detection probability."
    )
    monthly_discount_rate: float = Field(
        0.01, gt=0.0, le=1.0, description="Discounts future months of listing (per month)."
    )
    wealth_base_months: float = Field(
        24.0,
        ge=1.0,
        le=600.0,
        description="Wealth at stake in a decision, in months of the agent's income: the base "
        "of the CRRA utility, and the most a detected violation can cost (limited liability). "
        "ASSUMPTION.",
    )
    shame_income_share: float = Field(
        0.05, ge=0.0, le=10.0, description="Monthly cost of a published listing (income share)."
    )
    repayment_propensity: float = Field(
        0.3, ge=0.0, le=1.0, description="Monthly chance a listed debtor with means pays."
    )
    combined_burden_cap_income_share: float | None = Field(
        None,
        ge=0.0,
        le=10.0,
        description="Most an agent on several lists bears a month in sanctions and shame "
        "(income share); none: the distinct sanctions' costs add up. ASSUMPTION.",
    )


class IncomeShocks(Frozen):
    """Involuntary default: an income shock leaves a debtor unable to pay."""

    probability_per_month: float = Field(0.02, ge=0.0, le=1.0, description="Shock chance.")
    loss_share_max: float = Field(
        0.8, ge=0.0, le=1.0, description="Income lost in a shock: uniform on [0, this]."
    )
    subsistence_yuan: float = Field(
        1_500.0, ge=0.0, description="Income needed to live (yuan/month)."
    )
    debt_service_income_share: float = Field(
        0.25, ge=0.0, le=1.0, description="Monthly loan payment as share of normal income."
    )


class Records(Frozen):
    """Wrong records (false positives) and their repair on appeal."""

    false_record_rate_per_month: float = Field(
        0.0005, ge=0.0, le=0.5, description="Chance a registered agent gets a wrong record."
    )
    false_record_points: float = Field(
        100.0, ge=0.0, le=10_000.0, description="Points a wrong record deducts."
    )
    appeal_success_per_month: float = Field(
        0.1, ge=0.0, le=1.0, description="Monthly chance a wrong record is repaired."
    )


class Migration(Frozen):
    """Moves between cities; a listing not recognised at the destination is escaped."""

    enabled: bool = Field(True, description="Whether citizens move between cities.")
    rate_per_month: float = Field(0.001, ge=0.0, le=1.0, description="Move chance, unlisted.")
    listed_rate_per_month: float = Field(
        0.01, ge=0.0, le=1.0, description="Move chance while blacklisted."
    )


class Behaviour(Frozen):
    """A scored act: a violation chosen for gain, or a pro-social act done for reward."""

    actor: Actor = Field("citizen", description="Who can do it.")
    kind: Literal["violation", "prosocial"] = Field("violation", description="Kind of act.")
    opportunity_rate_per_month: float = Field(
        0.1, ge=0.0, le=1.0, description="Chance per month an agent faces the choice."
    )
    debtors_only: bool = Field(False, description="Only loan holders face it.")
    gain_income_share: float = Field(
        0.1, ge=0.0, le=100.0, description="Median private gain (violation) in income share."
    )
    gain_sigma: float = Field(0.8, ge=0.0, le=5.0, description="Log-sd of the gain.")
    cost_income_share: float = Field(
        0.02, ge=0.0, le=100.0, description="Private cost of a pro-social act (income share)."
    )
    warm_glow_weight: float = Field(
        1.0, ge=0.0, le=100.0, description="Pro-social: intrinsic value per unit honesty."
    )
    honour_income_share: float = Field(
        0.0, ge=0.0, le=100.0, description="Pro-social: value of an honour (income share)."
    )
    fine_yuan: float = Field(200.0, ge=0.0, description="Fine when detected (yuan).")
    detectability: float = Field(
        0.3, ge=0.0, le=1.0, description="Detection chance at enforcement 1."
    )
    involuntary_from_income_shock: bool = Field(
        False, description="Income shocks force this violation (involuntary default)."
    )
    repayable: bool = Field(
        False, description="A listing for it ends when the debt is paid (if the scheme says)."
    )
    harms_employees_income_share: float = Field(
        0.0, ge=0.0, le=1.0, description="Firm violation: employees' lost benefits (share)."
    )


# The NDRC's preferential policies for red-listed subjects (seed 001), the honours of blood
# donors (seed 000), and anything else: a reward's `policy` is one of these.
PreferentialPolicy = Literal[
    "free_credit_reports",
    "free_platform_searches",
    "fast_track_approval",
    "qualification_reviews",
    "credit_cards",
    "loans",
    "patents_and_copyright",
    "quick_refunds",
    "elderly_care",
    "civil_service_preference",
    "education",
    "housing",
    "employment",
    "medical_care",
    "administrative_approvals",
    "honours",
    "other",
]
POLICIES: tuple[str, ...] = get_args(PreferentialPolicy)
Subjects = Literal["citizen", "firm", "both"]
DEFAULT_LISTING_MONTHS = 24


class Agency(Frozen):
    """A government body that holds lists or signs memoranda."""

    description: str = Field("", description="What the agency is.")
    source: str = Field("", description="Where it comes from (seed, DATA.md) or ASSUMPTION.")


class CreditRepair(Frozen):
    """Leaving a list early: after a waiting period, a member may repair its credit."""

    waiting_months: int = Field(
        12, ge=0, le=600, description="Months listed before a repair can be applied for."
    )
    success_per_month: float = Field(
        0.1,
        ge=0.0,
        le=1.0,
        description="Monthly chance an eligible member applies and succeeds. ASSUMPTION.",
    )
    cost_income_share: float = Field(
        1.0,
        ge=0.0,
        le=100.0,
        description="One-off cost of a repair (training, publicised commitment, fees), in "
        "months of income. ASSUMPTION.",
    )


class ListRule(Frozen):
    """One black or red list: owner, subjects, triggers, duration, sanctions or rewards."""

    owner: str = Field(description="Agency holding the list (a name in [agencies]).")
    kind: Literal["blacklist", "redlist"] = Field(
        "blacklist", description="A blacklist sanctions its members; a red list rewards them."
    )
    subjects: Subjects = Field("both", description="Who can be listed.")
    behaviours: list[str] = Field(
        default_factory=list,
        description="A detected act of these (a violation for a blacklist, a pro-social act "
        "for a red list) by a real-name registered subject, in a city where the list "
        "operates, lists the subject (with `listing_probability`).",
    )
    listing_probability: float = Field(
        1.0,
        ge=0.0,
        le=1.0,
        description="Share of triggering acts that end in a listing: 1 for an administrative "
        "listing; below 1 where a court judgment is needed (court defaulter list). ASSUMPTION "
        "where not sourced.",
    )
    score_scheme: str | None = Field(
        None, description="Scheme whose score triggers the list (with `score_threshold`)."
    )
    score_threshold: float | None = Field(
        None,
        description="Blacklist: a record that leaves the score below this lists the subject. "
        "Red list: a subject stays a member while its score is at or above this (points).",
    )
    duration_months: int | None = Field(
        None,
        ge=1,
        le=600,
        description=f"Listing length (months); {DEFAULT_LISTING_MONTHS} when neither this nor "
        "`permanent` is given. A red-list membership by score lasts while the score holds.",
    )
    permanent: bool = Field(
        False,
        description="Listings never expire (nor end on payment); give no `duration_months` "
        "with it (an experiment override or app lever setting it to true drops the duration).",
    )
    duration_by_behaviour: dict[str, int] = Field(
        default_factory=dict, description="Behaviour -> listing length (months)."
    )
    extension_months: int = Field(
        0, ge=0, le=600, description="A re-offence while listed extends by this (months)."
    )
    escalation: float = Field(
        0.0,
        ge=0.0,
        le=10.0,
        description="Each re-offence while listed raises this list's own monthly burden by "
        "this multiple of its base. ASSUMPTION.",
    )
    delist_on_payment: bool = Field(
        True, description="A listing for a repayable behaviour ends when the debt is paid."
    )
    repair: CreditRepair | None = Field(
        None, description="Credit repair: members may leave early (none: they may not)."
    )
    published: bool = Field(True, description="Members are published (public shaming).")
    sanctions: list[str] = Field(default_factory=list, description="Sanctions it carries.")
    rewards: list[str] = Field(default_factory=list, description="Rewards it gives (red list).")
    scope: Literal["national", "city"] = Field(
        "national",
        description="National: a listing binds everywhere. City: it binds in the city that "
        "made it (and where a memorandum recognises it).",
    )
    cities: list[str] = Field(
        default_factory=list, description="Cities where it lists subjects (empty: every city)."
    )
    start_month: int = Field(0, ge=0, description="Month (0-based) from which it lists subjects.")
    source: str = Field("", description="Where its rules come from, or ASSUMPTION.")

    @model_validator(mode="after")
    def _coherent(self) -> ListRule:
        if self.permanent and self.duration_months is not None:
            raise ValueError(
                f"permanent = true and duration_months = {self.duration_months} contradict each "
                "other; give one of them"
            )
        if not self.behaviours and self.score_threshold is None:
            raise ValueError(
                "a list needs a trigger: `behaviours`, or `score_scheme` with `score_threshold`"
            )
        if (self.score_scheme is None) != (self.score_threshold is None):
            raise ValueError("`score_scheme` and `score_threshold` go together")
        if self.kind == "redlist" and (self.sanctions or self.extension_months or self.escalation):
            raise ValueError("a red list carries rewards, not sanctions, extension or escalation")
        if self.kind == "redlist" and self.behaviours and self.score_threshold is not None:
            raise ValueError(
                "a red list is joined by pro-social `behaviours` or by a score "
                "(`score_scheme`, `score_threshold`), not both: make two lists"
            )
        if self.kind == "blacklist" and self.rewards:
            raise ValueError("a blacklist carries sanctions, not rewards")
        return self

    @property
    def months(self) -> int:
        """Listing length when no behaviour-specific length applies."""
        return self.duration_months or DEFAULT_LISTING_MONTHS


class Memorandum(Frozen):
    """A joint-punishment memorandum: agencies sanction members of each other's lists."""

    signatories: list[str] = Field(min_length=1, description="Agencies that sign it.")
    lists: list[str] = Field(min_length=1, description="Blacklists whose members it covers.")
    sanctions: list[str] = Field(
        default_factory=list, description="Sanctions the signatories apply to those members."
    )
    cities: list[str] = Field(default_factory=list, description="Cities where it applies.")
    zones: list[str] = Field(
        default_factory=list,
        description="Zones where it applies (with `cities`; both empty: everywhere). Inside "
        "its area a listing made in any covered city binds in every covered city "
        "(cross-recognition), with the list's own sanctions and the memorandum's.",
    )
    start_month: int = Field(0, ge=0, description="Month (0-based) from which it applies.")
    source: str = Field("", description="Where it comes from, or ASSUMPTION.")


class Sanction(Frozen):
    """A restriction on a blacklisted agent, with its monthly cost to the bearer."""

    applies_to: Actor = Field("citizen", description="Who bears it.")
    cost_income_share: float = Field(
        0.05, ge=0.0, le=10.0, description="Cost per month listed (income or profit share)."
    )
    restricts: Literal["flights", "trains", "none"] = Field(
        "none", description="Travel it bars (counted in flight_banned / train_banned)."
    )
    blocked_purchases_per_month: float = Field(
        0.0,
        ge=0.0,
        le=100.0,
        description="Ticket purchases it blocks a month per listed person (restrictions).",
    )


class Reward(Frozen):
    """A preferential policy for red-listed agents, with its monthly value."""

    applies_to: Actor = Field("citizen", description="Who receives it.")
    value_income_share: float = Field(
        0.02, ge=0.0, le=10.0, description="Value per month red-listed (income share)."
    )
    policy: PreferentialPolicy = Field(
        "other",
        description="Which preferential policy it is (the NDRC's 15, seed 001; `honours` for "
        "blood donors' honours, seed 000): rewards are reported by policy.",
    )


class Band(Frozen):
    """A named score band (grade): scores at or above `min_score` and below the next band."""

    name: str = Field(description="Grade name, e.g. AAA or A.")
    min_score: float = Field(description="Lowest score in the band (points).")


class Scheme(Frozen):
    """A points scheme with its red list and blacklist rules."""

    base_score: float = Field(1000.0, description="Starting score (points).")
    min_score: float = Field(0.0, description="Lowest possible score (points).")
    max_score: float = Field(1300.0, description="Highest possible score (points).")
    monthly_recovery_points: float = Field(
        2.0, ge=0.0, le=1000.0, description="Points regained per month below base."
    )
    monthly_decay_points: float = Field(
        0.0, ge=0.0, le=1000.0, description="Points lost per month above base (0: none)."
    )
    points: dict[str, float] = Field(
        default_factory=dict, description="Behaviour -> points per recorded act (+/-)."
    )
    bands: list[Band] = Field(default_factory=list, description="Grades, for reporting.")
    redlist_threshold: float = Field(1050.0, description="Red-listed at or above (points).")
    blacklist_threshold: float = Field(600.0, description="Blacklisted when a record drops below.")
    blacklist_behaviours: list[str] = Field(
        default_factory=list, description="Serious behaviours: one record lists the agent."
    )
    blacklist_duration_months: int = Field(
        24, ge=1, le=600, description="Listing length (months) unless permanent."
    )
    blacklist_duration_by_behaviour: dict[str, int] = Field(
        default_factory=dict,
        description="Behaviour -> listing length (months) when it triggers the listing.",
    )
    blacklist_extension_months: int = Field(
        0,
        ge=0,
        le=600,
        description="A recorded act that would list an agent already on this scheme's list "
        "extends the listing by this many months (court defaulter list: 12-36, DATA.md); 0 "
        "none. Wrong records do not extend.",
    )
    sanction_escalation: float = Field(
        0.0,
        ge=0.0,
        le=10.0,
        description="Each such re-offence while listed raises the listing's monthly sanction "
        "and shame burden by this multiple of its base (levels add: 0.5 gives x1.5, x2, ...). "
        "ASSUMPTION (escalating restrictions for repeat defaulters, seeds 001-002).",
    )
    blacklist_permanent: bool = Field(
        False,
        description="'Once untrustworthy, always restricted': listings never expire, are not "
        "ended by paying, and stay with the person in every city that recognises the listing "
        "city's list (its pilot zone once started; everywhere if the scheme is national). A "
        "listed person who moves to a city that does not recognise it escapes the listing "
        "(migration).",
    )
    published: bool = Field(True, description="Listings are published (public shaming).")
    delist_on_payment: bool = Field(
        True, description="A listing for a repayable behaviour ends when paid."
    )
    scope: Literal["city", "national"] = Field(
        "city",
        description="Where listings are recognised: the city (and its zone), or nationwide.",
    )
    sanctions: list[str] = Field(default_factory=list, description="Sanctions on listed agents.")
    rewards: list[str] = Field(default_factory=list, description="Rewards of red-listed agents.")
    grade_caps: dict[str, str] = Field(
        default_factory=dict,
        description="Behaviour -> band name: a recorded act also caps the score at the top of "
        "that band (just below the next band's min_score), e.g. drunk driving drops a person "
        "to grade C. A capped behaviour is scored even without points.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> Scheme:

        if not self.min_score <= self.base_score <= self.max_score:
            raise ValueError("need min_score <= base_score <= max_score")
        if not self.blacklist_threshold <= self.redlist_threshold:
            raise ValueError("need blacklist_threshold <= redlist_threshold")
        bands = {band.name for band in self.bands}
        for behaviour, band in self.grade_caps.items():
            if band not in bands:
                raise ValueError(
                    f"grade_caps.{behaviour} = {band!r}: unknown band; allowed: {sorted(bands)}"
                )
        return self


class Grade(Frozen):
    """A firm rating grade: a score band with its supervision, limits and advantages."""

    name: str = Field(description="Grade name, e.g. A.")
    min_score: float = Field(description="Lowest score of the grade (points).")
    detection_multiplier: float = Field(
        1.0,
        ge=0.0,
        le=10.0,
        description="Multiplies the detection probability of the firm's violations: lower "
        "grades are inspected more (rating-dependent supervision). ASSUMPTION.",
    )
    cost_income_share: float = Field(
        0.0,
        ge=0.0,
        le=10.0,
        description="Monthly cost of the grade's limits on procurement and market access "
        "(profit share). ASSUMPTION.",
    )
    reward_value_income_share: float = Field(
        0.0,
        ge=0.0,
        le=10.0,
        description="Monthly value of the grade's advantages, e.g. a green channel (profit "
        "share). ASSUMPTION.",
    )


class FirmRatings(Frozen):
    """Firm credit ratings (A-D): grades from the firm's score and from its listings."""

    grades: list[Grade] = Field(
        default_factory=list,
        description="Grades, best first; a firm's grade is the one whose band holds its score "
        "(empty: firms are not rated).",
    )
    listed_grade: str | None = Field(
        None, description="A firm on any blacklist is rated this grade or worse."
    )

    @model_validator(mode="after")
    def _grades_coherent(self) -> FirmRatings:
        names = [grade.name for grade in self.grades]
        if len(set(names)) != len(names):
            raise ValueError(f"grades: names must differ, got {names}")
        floors = [grade.min_score for grade in self.grades]
        if floors != sorted(floors, reverse=True) or len(set(floors)) != len(floors):
            raise ValueError(f"grades: give them best first with falling min_score, got {floors}")
        if self.listed_grade is not None and self.listed_grade not in names:
            raise ValueError(
                f"listed_grade = {self.listed_grade!r}: unknown grade; allowed: {names}"
            )
        return self


class City(Frozen):
    """A city: its share of the population, enforcement, data sharing and scheme."""

    population_share: float = Field(1.0, gt=0.0, description="Relative population weight.")
    enforcement: float = Field(
        1.0, ge=0.0, le=10.0, description="Multiplies every behaviour's detectability."
    )
    data_sharing: float = Field(
        0.8, ge=0.0, le=1.0, description="Chance a detected act reaches the credit record."
    )
    scheme: str | None = Field(None, description="Name of its scheme; none = no scoring.")
    scheme_start_month: int = Field(
        0, ge=0, description="Month (0-based) from which the scheme scores."
    )


class Zone(Frozen):
    """A pilot zone whose member cities recognise each other's lists."""

    members: list[str] = Field(min_length=1, description="Member cities.")
    behaviours: list[str] = Field(
        default_factory=list,
        description="Listings for these behaviours are recognised across the zone (empty: all).",
    )
    start_month: int = Field(
        0, ge=0, description="Month (0-based) from which lists are recognised."
    )


# The government side (seed 003, seed 004, DATA.md): departments and the second system that
# scores them, legitimacy, awareness, the rollout's phases and registration channels. Each is off
# (or neutral) by default, so a scenario that does not name it runs as before.


class Departments(Frozen):
    """Departments per city: promises, enforcement effort, and the second system's scores.

    Seed 003. Utilities are in "assessment units": 1 is the value to a department's officials
    of a whole month's performance assessment. ASSUMPTION.
    """

    enabled: bool = Field(False, description="Simulate departments (off: enforcement effort 1).")
    per_city: int = Field(4, ge=1, le=100, description="Departments in each city.")
    promises_per_month: float = Field(
        30.0,
        ge=0.0,
        le=10_000.0,
        description="Promises a department makes a month: supplier contracts, approvals "
        "within deadline, preferential policies promised (count). ASSUMPTION.",
    )
    payment_share: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="Share of promises that are payments to firms (the rest: approvals and "
        "preferential policies to citizens and firms). ASSUMPTION.",
    )
    payment_yuan: float = Field(
        50_000.0, ge=0.0, description="One supplier payment (yuan). ASSUMPTION."
    )
    arrears_repaid_per_month: float = Field(
        0.1, ge=0.0, le=1.0, description="Share of arrears to firms paid off a month."
    )
    integrity_mean: float = Field(
        1.0,
        ge=-10.0,
        le=10.0,
        description="Mean value to officials of keeping a promise (assessment units). ASSUMPTION.",
    )
    integrity_sd: float = Field(
        0.5, ge=0.0, le=10.0, description="Sd of integrity across departments (normal)."
    )
    budget_pressure_mean: float = Field(
        1.0,
        ge=0.0,
        le=10.0,
        description="Mean monthly cost of keeping a promise under the budget (assessment "
        "units); drawn lognormal each month per department. ASSUMPTION.",
    )
    budget_pressure_sigma: float = Field(
        0.5, ge=0.0, le=5.0, description="Log-sd of the monthly budget pressure."
    )
    decision_noise: float = Field(
        0.5,
        gt=0.0,
        le=10.0,
        description="Logit scale of the keep-or-break choice (assessment units).",
    )
    effort_adjustment_per_month: float = Field(
        0.3,
        ge=0.0,
        le=1.0,
        description="Share of the way enforcement effort moves toward its target a month.",
    )
    effort_max: float = Field(
        3.0, ge=0.0, le=10.0, description="Most enforcement effort (1: the scenario's detection)."
    )
    effort_cost_yuan_per_person_month: float = Field(
        2.0,
        ge=0.0,
        description="Cost of enforcement at effort 1, per real person covered a month (yuan); "
        "also the running-cost output. ASSUMPTION.",
    )
    record_cost_yuan: float = Field(
        1.0,
        ge=0.0,
        description="Cost of keeping one credit record (yuan), for the running-cost output. "
        "ASSUMPTION.",
    )
    scored: bool = Field(
        False, description="The second system scores departments' promise-keeping (seed 003)."
    )
    points_kept: float = Field(1.0, ge=0.0, le=1_000.0, description="Points per kept promise.")
    points_broken: float = Field(
        -5.0, ge=-1_000.0, le=0.0, description="Points per broken promise (negative)."
    )
    score_base: float = Field(100.0, ge=0.0, le=10_000.0, description="Score at the start.")
    score_memory_months: float = Field(
        12.0,
        ge=1.0,
        le=600.0,
        description="Months over which points count: each month the score moves 1/this of the "
        "way back to its base before the month's points are added.",
    )
    published: bool = Field(
        True, description="Departments' scores are published (citizens see broken promises)."
    )
    assessment_weight: float = Field(
        1.0,
        ge=0.0,
        le=10.0,
        description="Weight of the score in officials' performance assessment: a kept "
        "promise is worth this x (points_kept - points_broken) / 10 assessment units more "
        "than a broken one when scored. ASSUMPTION.",
    )
    enforcement_in_assessment: float = Field(
        0.2,
        ge=0.0,
        le=10.0,
        description="Scored departments' enforcement target rises by this x assessment_weight "
        "(enforcement counts in the assessment). ASSUMPTION.",
    )
    manipulation_share: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="Share of broken promises a scored department reports as kept "
        "(manipulated records; the published score rises, legitimacy sees the truth). "
        "ASSUMPTION.",
    )
    blacklist_threshold: float | None = Field(
        None,
        ge=-1e6,
        le=1e6,
        description="A department whose score falls below this is listed (counted in "
        "`departments_listed`); none: departments are not listed.",
    )


class Legitimacy(Frozen):
    """Legitimacy per city (Epstein 2002), moved by promise-keeping and fair listings.

    It scales the intrinsic cost of violating and shifts the peer norm; strength 0: no effect.
    """

    initial: float = Field(
        0.8, ge=0.0, le=1.0, description="Legitimacy at the start: about 80% approval, 2019."
    )
    strength: float = Field(
        0.0,
        ge=0.0,
        le=10.0,
        description="How far legitimacy moves decisions: intrinsic terms x (1 + strength x "
        "(L - initial)), floored at 0; the peer share seen + strength x (initial - L) / 2. "
        "0: legitimacy is measured but changes nothing. ASSUMPTION.",
    )
    adjustment_per_month: float = Field(
        0.1, ge=0.0, le=1.0, description="Share of the way legitimacy moves to its target."
    )
    promise_weight: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="Legitimacy lost when every promise of a city's departments is broken "
        "(scaled by the share broken). ASSUMPTION.",
    )
    fairness_weight: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="Legitimacy lost when every blacklisted citizen of a city is listed for "
        "poverty or by a wrong record (scaled by that share). ASSUMPTION.",
    )
    unpublished_visibility: float = Field(
        0.3,
        ge=0.0,
        le=1.0,
        description="Share of broken promises citizens notice when departments' scores are "
        "not published (or not scored). ASSUMPTION.",
    )


class Awareness(Frozen):
    """Who knows the scheme applies to them; an unaware agent weighs fines only."""

    initial_share: float = Field(
        1.0,
        ge=0.0,
        le=1.0,
        description="Share aware at the start (1: everyone; 11% knew they lived in a pilot "
        "area in 2018).",
    )
    monthly_rate: float = Field(
        0.0, ge=0.0, le=1.0, description="Monthly chance of learning from general news."
    )
    peer_rate: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="Monthly chance of learning when every neighbour is blacklisted (scaled "
        "by the share blacklisted). ASSUMPTION.",
    )
    publication_rate: float = Field(
        0.05,
        ge=0.0,
        le=1.0,
        description="Monthly chance of learning where the city's running scheme publishes "
        "its lists (everywhere once the national website is up). ASSUMPTION.",
    )


class Rollout(Frozen):
    """The pilot's phases (seed 004): behaviours scored from a month, a national website."""

    behaviour_start_month: dict[str, int] = Field(
        default_factory=dict,
        description="Behaviour -> month (0-based) from which schemes score it and lists "
        "record it (missing: from month 0).",
    )
    national_website_month: int | None = Field(
        None,
        ge=0,
        description="Month from which published lists reach every city (national website).",
    )

    @model_validator(mode="after")
    def _months_non_negative(self) -> Rollout:
        bad = {name: month for name, month in self.behaviour_start_month.items() if month < 0}
        if bad:
            raise ValueError(f"behaviour_start_month: months must be >= 0, got {bad}")
        return self


class Channel(Frozen):
    """A real-name registration channel (seed 004): online services, post, telecoms, banks."""

    reach: float = Field(
        ge=0.0,
        le=1.0,
        description="Share of people who use the channel (registered once it covers them).",
    )
    start_month: int = Field(0, ge=0, description="Month (0-based) the channel starts.")
    monthly_growth: float = Field(
        0.05, ge=0.0, le=1.0, description="Share of the channel's users added a month, to 1."
    )


class TravelMode(Frozen):
    """How often people book one mode of travel, by income."""

    trips_per_person_per_month: float = Field(
        0.0,
        ge=0.0,
        le=10.0,
        description="Population-average tickets bought per person a month in `reference_year`.",
    )
    income_elasticity: float = Field(
        1.0,
        ge=-1.0,
        le=5.0,
        description="Trips scale as income to this power (normalised to the population mean).",
    )
    growth_per_year: float = Field(
        0.0, ge=-0.5, le=1.0, description="Growth of trips per person a year (share)."
    )
    source: str = Field("", description="Where the trip rate comes from, or ASSUMPTION.")


class Travel(Frozen):
    """Travel demand: the ticket purchases a barred person attempts and is refused.

    A citizen barred from a mode attempts `trips x (income^e / mean(income^e)) x
    (1 + growth)^(year - reference_year) x listed_attempt_share` purchases of it a month; each
    attempt is a blocked purchase (a restriction, as official reports count them). One rule
    for both modes; with it on, sanctions carry no `blocked_purchases_per_month` of their own.
    """

    enabled: bool = Field(False, description="Count blocked purchases from travel demand.")
    reference_year: int = Field(2018, ge=1990, le=2100, description="Year the trip rates hold.")
    listed_attempt_share: float = Field(
        1.0,
        ge=0.0,
        le=1.0,
        description="Share of their usual trips a barred person still tries to book.",
    )
    flights: TravelMode = Field(
        TravelMode(trips_per_person_per_month=0.0366, income_elasticity=1.5),
        description="Air travel (plane tickets).",
    )
    trains: TravelMode = Field(
        TravelMode(trips_per_person_per_month=0.12, income_elasticity=0.5),
        description="High-speed (EMU) train travel.",
    )


class Registration(Frozen):
    """Real-name registration: coverage by profession, growing each month to 1."""

    initial_coverage: dict[str, float] = Field(
        default_factory=lambda: {"doctor": 1.0, "public_servant": 1.0, "other": 0.5},
        description="Profession -> share registered at step 0.",
    )
    monthly_growth: float = Field(
        0.01, ge=0.0, le=1.0, description="Coverage added per month (share), up to 1."
    )
    channels: dict[str, Channel] = Field(
        default_factory=dict,
        description="Registration channels (online services, post, telecoms, financial "
        "accounts; seed 004): an agent not yet covered by its profession's coverage is "
        "registered once a channel it uses covers it.",
    )


def _default_behaviours() -> dict[str, Behaviour]:
    return {
        "loan_default": Behaviour(
            opportunity_rate_per_month=1.0,
            debtors_only=True,
            gain_income_share=0.05,
            fine_yuan=0.0,
            detectability=0.9,
            involuntary_from_income_shock=True,
            repayable=True,
        ),
        "traffic_violation": Behaviour(opportunity_rate_per_month=0.2, fine_yuan=200.0),
        "blood_donation": Behaviour(kind="prosocial", opportunity_rate_per_month=0.05),
    }


class Scenario(Frozen):
    """A whole scenario file."""

    simulation: Simulation = Simulation()
    population: Population = Population()
    network: Network = Network()
    decision: Decision = Decision()
    income_shocks: IncomeShocks = IncomeShocks()
    records: Records = Records()
    migration: Migration = Migration()
    registration: Registration = Registration()
    travel: Travel = Travel()
    behaviours: dict[str, Behaviour] = Field(default_factory=_default_behaviours)
    sanctions: dict[str, Sanction] = Field(
        default_factory=lambda: {
            "no_flights": Sanction(cost_income_share=0.05, restricts="flights"),
            "no_trains": Sanction(cost_income_share=0.05, restricts="trains"),
        }
    )
    rewards: dict[str, Reward] = Field(
        default_factory=lambda: {"fast_track_approval": Reward(value_income_share=0.02)}
    )
    schemes: dict[str, Scheme] = Field(
        default_factory=lambda: {
            "default": Scheme(
                points={"loan_default": -100, "traffic_violation": -20, "blood_donation": 20},
                blacklist_behaviours=["loan_default"],
                sanctions=["no_flights", "no_trains"],
                rewards=["fast_track_approval"],
            )
        }
    )
    cities: dict[str, City] = Field(default_factory=lambda: {"city": City(scheme="default")})
    zones: dict[str, Zone] = Field(default_factory=dict)
    agencies: dict[str, Agency] = Field(default_factory=dict)
    lists: dict[str, ListRule] = Field(default_factory=dict)
    memoranda: dict[str, Memorandum] = Field(default_factory=dict)
    firm_ratings: FirmRatings = FirmRatings()
    departments: Departments = Departments()
    legitimacy: Legitimacy = Legitimacy()
    awareness: Awareness = Awareness()
    rollout: Rollout = Rollout()

    @model_validator(mode="after")
    def _references_exist(self) -> Scenario:
        problems: list[str] = []
        known = {
            "behaviour": set(self.behaviours),
            "sanction": set(self.sanctions),
            "reward": set(self.rewards),
        }
        for name, scheme in self.schemes.items():
            for key, kind, used in (
                ("points", "behaviour", scheme.points),
                ("blacklist_behaviours", "behaviour", scheme.blacklist_behaviours),
                (
                    "blacklist_duration_by_behaviour",
                    "behaviour",
                    scheme.blacklist_duration_by_behaviour,
                ),
                ("sanctions", "sanction", scheme.sanctions),
                ("rewards", "reward", scheme.rewards),
                ("grade_caps", "behaviour", scheme.grade_caps),
            ):
                for ref in used:
                    if ref not in known[kind]:
                        problems.append(
                            f"schemes.{name}.{key}: unknown {kind} {ref!r};"
                            f"{did_you_mean(ref, known[kind])} allowed: {sorted(known[kind])}"
                        )
        for name, city in self.cities.items():
            if city.scheme is not None and city.scheme not in self.schemes:
                problems.append(
                    f"cities.{name}.scheme: unknown scheme {city.scheme!r};"
                    f"{did_you_mean(city.scheme, self.schemes)} allowed: {sorted(self.schemes)}"
                )
        zone_of: dict[str, str] = {}
        for name, zone in self.zones.items():
            for member in zone.members:
                if member in zone_of and zone_of[member] != name:
                    problems.append(
                        f"zones.{name}.members: city {member!r} is already in zone "
                        f"{zone_of[member]!r}; a city belongs to at most one zone"
                    )
                zone_of[member] = name
                if member not in self.cities:
                    problems.append(
                        f"zones.{name}.members: unknown city {member!r};"
                        f"{did_you_mean(member, self.cities)} allowed: {sorted(self.cities)}"
                    )
            for behaviour in zone.behaviours:
                if behaviour not in self.behaviours:
                    problems.append(
                        f"zones.{name}.behaviours: unknown behaviour {behaviour!r};"
                        f"{did_you_mean(behaviour, self.behaviours)} "
                        f"allowed: {sorted(self.behaviours)}"
                    )
        professions = set(self.population.professions)
        for profession in self.registration.initial_coverage:
            if profession not in professions:
                problems.append(
                    f"registration.initial_coverage: unknown profession {profession!r}; "
                    f"allowed: {sorted(professions)}"
                )
        for profession, share in self.registration.initial_coverage.items():
            if not 0.0 <= share <= 1.0:
                problems.append(
                    f"registration.initial_coverage.{profession}: {share} is not in [0, 1]"
                )
        for behaviour in self.rollout.behaviour_start_month:
            if behaviour not in self.behaviours:
                problems.append(
                    f"rollout.behaviour_start_month: unknown behaviour {behaviour!r};"
                    f"{did_you_mean(behaviour, self.behaviours)} "
                    f"allowed: {sorted(self.behaviours)}"
                )
        if self.departments.scored and not self.departments.enabled:
            problems.append(
                "departments.scored: true needs departments.enabled = true (there are no "
                "departments to score)"
            )
        if not self.cities:
            problems.append("cities: at least one city is needed")
        if self.travel.enabled:
            problems.extend(
                f"sanctions.{name}.blocked_purchases_per_month: "
                f"{sanction.blocked_purchases_per_month} with travel.enabled = true; "
                "allowed: 0 (blocked purchases then come from [travel], one rule for every "
                "sanction)"
                for name, sanction in self.sanctions.items()
                if sanction.blocked_purchases_per_month > 0
            )
        problems.extend(self._registry_problems())
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _registry_problems(self) -> list[str]:
        """Unknown names and mismatches in [lists] and [memoranda]."""
        problems: list[str] = []

        def check(key: str, kind: str, used: list[str] | dict, allowed: set[str]) -> None:
            for ref in used:
                if ref not in allowed:
                    problems.append(
                        f"{key}: unknown {kind} {ref!r};{did_you_mean(ref, allowed)} "
                        f"allowed: {sorted(allowed)}"
                    )

        if len(self.lists) > MAX_LISTS:
            problems.append(f"lists: {len(self.lists)} lists; at most {MAX_LISTS} are allowed")
        for name, rule in self.lists.items():
            key = f"lists.{name}"
            check(f"{key}.owner", "agency", [rule.owner], set(self.agencies))
            check(f"{key}.behaviours", "behaviour", rule.behaviours, set(self.behaviours))
            check(
                f"{key}.duration_by_behaviour",
                "behaviour",
                rule.duration_by_behaviour,
                set(rule.behaviours),
            )
            check(f"{key}.sanctions", "sanction", rule.sanctions, set(self.sanctions))
            check(f"{key}.rewards", "reward", rule.rewards, set(self.rewards))
            check(f"{key}.cities", "city", rule.cities, set(self.cities))
            if rule.score_scheme is not None:
                check(f"{key}.score_scheme", "scheme", [rule.score_scheme], set(self.schemes))
            wanted = "prosocial" if rule.kind == "redlist" else "violation"
            actors = {"citizen", "firm"} if rule.subjects == "both" else {rule.subjects}
            for behaviour in rule.behaviours:
                if behaviour not in self.behaviours:
                    continue
                definition = self.behaviours[behaviour]
                if definition.kind != wanted:
                    problems.append(
                        f"{key}.behaviours: {behaviour!r} is a {definition.kind} act; a "
                        f"{rule.kind} is triggered by {wanted} acts"
                    )
                if definition.actor not in actors:
                    problems.append(
                        f"{key}.behaviours: {behaviour!r} is done by a {definition.actor}; "
                        f"the list's subjects are {rule.subjects!r}"
                    )
        blacklists = {name for name, rule in self.lists.items() if rule.kind == "blacklist"}
        for name, memo in self.memoranda.items():
            key = f"memoranda.{name}"
            check(f"{key}.signatories", "agency", memo.signatories, set(self.agencies))
            check(f"{key}.lists", "blacklist", memo.lists, blacklists)
            check(f"{key}.sanctions", "sanction", memo.sanctions, set(self.sanctions))
            check(f"{key}.cities", "city", memo.cities, set(self.cities))
            check(f"{key}.zones", "zone", memo.zones, set(self.zones))
        return problems

    def warnings(self) -> list[str]:
        """Things that are allowed but probably not meant (printed, never refused)."""
        found = []
        used = {
            behaviour
            for scheme in self.schemes.values()
            for behaviour in (
                *scheme.points,
                *scheme.blacklist_behaviours,
                *scheme.grade_caps,
            )
        } | {behaviour for rule in self.lists.values() for behaviour in rule.behaviours}
        for name in self.behaviours:
            if name not in used:
                found.append(
                    f"behaviours.{name}: no scheme scores it and no list is triggered by it, so "
                    "it is fined when detected but never recorded or listed"
                )
        for name, scheme in self.schemes.items():
            if scheme.blacklist_permanent:
                for key in ("blacklist_duration_months", "blacklist_duration_by_behaviour"):
                    if key in scheme.model_fields_set:
                        found.append(
                            f"schemes.{name}.{key}: has no effect, the scheme's blacklist is "
                            "permanent (blacklist_permanent = true)"
                        )
        for name, rule in self.lists.items():
            if rule.permanent:
                for key in ("duration_by_behaviour", "extension_months"):
                    if key in rule.model_fields_set:
                        found.append(
                            f"lists.{name}.{key}: has no effect, the list is permanent "
                            "(permanent = true)"
                        )
        return found

    def digest(self) -> str:
        """SHA-256 of the scenario as run (canonical JSON).

        `simulation.warning` is left out: a caveat about a scenario does not change its runs.
        Optional tables and keys at their "unused" default are left out too (see below).
        """
        data = self.model_dump(mode="json")
        data["simulation"].pop("warning")
        # Tables and keys added after a format was in use leave the digest of a scenario
        # that does not use them unchanged, so its run ids (and resumed sweeps) stay valid.
        for table in ("agencies", "lists", "memoranda", "extends"):
            if not data.get(table):
                data.pop(table, None)
        if not data["firm_ratings"]["grades"]:
            data.pop("firm_ratings")
        for table in ("departments", "legitimacy", "awareness", "rollout"):
            if data[table] == type(getattr(self, table))().model_dump(mode="json"):
                data.pop(table)
        if not data["registration"]["channels"]:
            data["registration"].pop("channels")
        if data["decision"]["combined_burden_cap_income_share"] is None:
            data["decision"].pop("combined_burden_cap_income_share")
        for reward in data["rewards"].values():
            if reward["policy"] == "other":
                reward.pop("policy")
        text = json.dumps(data, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()
