"""The unit of every numeric scenario key: declared where the description cannot say it."""

from __future__ import annotations

import re
import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

UNITS: dict[str, str] = {
    "Departments.per_city": "departments per city",
    "Departments.promises_per_month": "promises per department per month",
    "Departments.payment_share": "share of promises",
    "Departments.payment_yuan": "yuan per payment",
    "Departments.arrears_repaid_per_month": "share per month",
    "Departments.integrity_mean": "assessment units",
    "Departments.integrity_sd": "assessment units",
    "Departments.budget_pressure_mean": "assessment units per promise",
    "Departments.budget_pressure_sigma": "log assessment units",
    "Departments.decision_noise": "assessment units",
    "Departments.effort_adjustment_per_month": "share per month",
    "Departments.effort_max": "1 (multiple of the scenario's detection)",
    "Departments.effort_cost_yuan_per_person_month": "yuan per person per month at effort 1",
    "Departments.record_cost_yuan": "yuan per record",
    "Departments.points_kept": "points per promise",
    "Departments.points_broken": "points per promise",
    "Departments.score_base": "points",
    "Departments.score_memory_months": "months",
    "Departments.assessment_weight": "1 (multiplier)",
    "Departments.enforcement_in_assessment": "1 (share of effort per unit of weight)",
    "Departments.manipulation_share": "share of broken promises",
    "Departments.blacklist_threshold": "points",
    "Legitimacy.initial": "share (0-1)",
    "Legitimacy.strength": "1 (multiplier per unit of legitimacy)",
    "Legitimacy.adjustment_per_month": "share per month",
    "Legitimacy.promise_weight": "legitimacy (0-1)",
    "Legitimacy.fairness_weight": "legitimacy (0-1)",
    "Legitimacy.unpublished_visibility": "share of broken promises",
    "Awareness.initial_share": "share of agents",
    "Awareness.monthly_rate": "probability per month",
    "Awareness.peer_rate": "probability per month",
    "Awareness.publication_rate": "probability per month",
    "Rollout.behaviour_start_month": "month (0-based)",
    "Rollout.national_website_month": "month (0-based)",
    "Channel.reach": "share of people",
    "Channel.start_month": "month (0-based)",
    "Channel.monthly_growth": "share per month",
    "Simulation.steps": "months (steps)",
    "Simulation.seed": "integer",
    "Simulation.start_year": "calendar year",
    "Population.citizens": "agents",
    "Population.firms_per_citizen": "firm agents per citizen agent",
    "Population.people_per_agent": "people per agent",
    "Population.real_population": "people",
    "Population.income_sigma": "log yuan",
    "Population.debtor_share": "share of citizens",
    "Population.employed_share": "share of citizens",
    "Population.honesty_mean": "income share",
    "Population.honesty_sd": "income share",
    "Population.risk_aversion_mean": "relative risk aversion (1)",
    "Population.risk_aversion_sd": "relative risk aversion (1)",
    "Decision.wealth_base_months": "months of income",
    "Population.firm_profit_sigma": "log yuan",
    "Population.professions": "share (normalised)",
    "Network.mean_degree": "ties per citizen",
    "Network.rewiring": "share of ties",
    "Decision.logit_noise": "income share",
    "Decision.honesty_weight": "1 (multiplier)",
    "Decision.peer_weight": "income share",
    "Decision.learning_rate_own": "1 (weight per observation)",
    "Decision.learning_rate_social": "1 (weight per observation)",
    "Decision.initial_detection_belief": "1 (multiple of the true probability)",
    "Decision.monthly_discount_rate": "1/month",
    "Decision.shame_income_share": "income share per month",
    "Decision.repayment_propensity": "probability per month",
    "IncomeShocks.probability_per_month": "probability per month",
    "IncomeShocks.loss_share_max": "share of income",
    "IncomeShocks.subsistence_yuan": "yuan/month",
    "IncomeShocks.debt_service_income_share": "share of income",
    "Records.false_record_rate_per_month": "probability per month",
    "Records.false_record_points": "points",
    "Records.appeal_success_per_month": "probability per month",
    "Migration.rate_per_month": "probability per month",
    "Migration.listed_rate_per_month": "probability per month",
    "Registration.initial_coverage": "share of the profession",
    "Registration.monthly_growth": "share per month",
    "Behaviour.opportunity_rate_per_month": "probability per month",
    "Behaviour.gain_income_share": "income share",
    "Behaviour.gain_sigma": "log income share",
    "Behaviour.cost_income_share": "income share",
    "Behaviour.warm_glow_weight": "income share per unit of honesty",
    "Behaviour.honour_income_share": "income share",
    "Behaviour.fine_yuan": "yuan",
    "Behaviour.detectability": "probability per act",
    "Behaviour.harms_employees_income_share": "share of employees' income",
    "Sanction.cost_income_share": "income (or profit) share per month",
    "Sanction.blocked_purchases_per_month": "purchases per listed person per month",
    "Reward.value_income_share": "income (or profit) share per month",
    "Band.min_score": "points",
    "Scheme.monthly_recovery_points": "points per month",
    "Scheme.monthly_decay_points": "points per month",
    "Scheme.blacklist_duration_by_behaviour": "months",
    "Scheme.points": "points per record",
    "Scheme.blacklist_threshold": "points",
    "Scheme.redlist_threshold": "points",
    "Scheme.blacklist_duration_months": "months",
    "Scheme.blacklist_extension_months": "months per re-offence",
    "Decision.learning_rate_news": "1 (weight per month)",
    "Scheme.sanction_escalation": "multiple of the base burden per re-offence",
    "City.population_share": "relative weight",
    "City.enforcement": "1 (multiplier)",
    "City.data_sharing": "probability per detected act",
    "City.scheme_start_month": "month (0-based)",
    "Zone.start_month": "month (0-based)",
    "Decision.combined_burden_cap_income_share": "income share per month",
    "CreditRepair.waiting_months": "months",
    "CreditRepair.success_per_month": "probability per month",
    "CreditRepair.cost_income_share": "months of income (once)",
    "ListRule.listing_probability": "probability per triggering act",
    "ListRule.score_threshold": "points",
    "ListRule.duration_months": "months",
    "ListRule.duration_by_behaviour": "months",
    "ListRule.extension_months": "months per re-offence",
    "ListRule.escalation": "multiple of the base burden per re-offence",
    "ListRule.start_month": "month (0-based)",
    "Memorandum.start_month": "month (0-based)",
    "Grade.min_score": "points",
    "Grade.detection_multiplier": "1 (multiplier)",
    "Grade.cost_income_share": "profit share per month",
    "Grade.reward_value_income_share": "profit share per month",
    "Travel.reference_year": "year",
    "Travel.listed_attempt_share": "share of usual trips",
    "TravelMode.trips_per_person_per_month": "tickets per person per month",
    "TravelMode.income_elasticity": "1 (elasticity)",
    "TravelMode.growth_per_year": "share per year",
}
UNIT_IN_DESCRIPTION = re.compile(
    r"\((yuan(?:/month)?|months?|points|per month|(?:income |profit )?share)\)"
)


def strip_optional(annotation: Any) -> tuple[Any, bool]:
    """The annotation without `None`, and whether None was allowed."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def unit_of(model: type[BaseModel], key: str, info: FieldInfo) -> str:
    """A key's unit: from UNITS, else from its description, else '' (non-numeric keys: '-')."""
    annotation, _ = strip_optional(info.annotation)
    numeric = annotation in (int, float) or (
        get_origin(annotation) is dict and get_args(annotation)[1] in (int, float)
    )
    if not numeric:
        return "-"
    if f"{model.__name__}.{key}" in UNITS:
        return UNITS[f"{model.__name__}.{key}"]
    match = UNIT_IN_DESCRIPTION.search(info.description or "")
    return match.group(1) if match else ""
