"""What the page says to students: lever help, chart explanations, the introduction."""

from __future__ import annotations

from sim.outputs.style import (
    BLACKLISTED,
    COMPLIANT,
    FALSE_POSITIVE,
    FIRST_ORDER,
    REDLISTED,
    VIOLATING,
)

FIRM_COLOUR = FIRST_ORDER  # firms' line in the charts
STATE_WORDS = {
    "compliant": "compliant",
    "violating": "broke a rule this month",
    "blacklisted": "blacklisted",
    "redlisted": "red-listed",
}


HELP = {
    "detection": "How likely a broken rule is noticed. x2 doubles every city's enforcement "
    "(cameras, inspections, data from courts and banks). People notice a change slowly: "
    "from their own and their neighbours' brushes with the law and, where records are "
    "published, from the published cases; in this town half of a cut is believed after "
    "about twenty months.",
    "blacklist_months": "How long a name stays on the blacklist (the rules say 1 to 3 years).",
    "permanent": "'Once untrustworthy, always restricted': a listing never runs out and paying "
    "does not end it. It is the listing city's list: a person who moves to a city that does "
    "not share that list (outside its pilot zone) leaves it behind.",
    "reward": "How much a place on the red list is worth: cheaper loans, fast-track "
    "approvals, priority in schools and hospitals. x2 doubles every reward.",
    "published": "Names of the blacklisted are made public. Being shamed costs the listed "
    "person, so people weigh it before breaking a rule, and the published cases show "
    "everyone how often offenders are caught.",
    "zone_sharing": "Cities of a pilot zone recognise each other's blacklists, so moving to a "
    "neighbouring city no longer escapes a listing.",
    "departments_scored": "A second system scores the town's departments on whether they keep "
    "their promises (paying suppliers on time, approvals by the deadline) and the scores "
    "count in officials' assessments. Broken promises and listings for poverty wear away "
    "how legitimate people find the rules.",
    "rebuild": "Population and seed build a new town: they apply when you press Reset.",
}

COLOUR_NAMES = {
    "#000000": "black",
    "#E69F00": "orange",
    "#56B4E9": "sky blue",
    "#009E73": "green",
    "#F0E442": "yellow",
    "#0072B2": "blue",
    "#D55E00": "red-orange",
    "#CC79A7": "pink",
}
"""Words for the Okabe-Ito colours, so the explanations name the colours the charts use."""


def colour_name(colour: str) -> str:
    """A word for a chart colour."""
    return COLOUR_NAMES.get(colour.upper(), "coloured")


CHART_HELP = {
    "compliance": f"Share of citizens ({colour_name(COMPLIANT)}) and firms "
    f"({colour_name(FIRM_COLOUR)}) who broke no rule this month. Dotted lines mark the months "
    "you changed a policy.",
    "exclusion": f"Share of citizens on the blacklist ({colour_name(BLACKLISTED)}: barred from "
    f"planes, trains and more) and on the red list ({colour_name(REDLISTED)}: rewarded as "
    "role models).",
    "causes": "Of the blacklisted: listed for poverty (they could not repay after losing "
    "income: no choice) and listed by mistake (a wrong record not yet repaired on appeal).",
    "legitimacy": f"How legitimate people find the rules ({colour_name(COMPLIANT)}; 80% approved "
    f"in 2019), who knows the scheme applies to them ({colour_name(FALSE_POSITIVE)}) and, with "
    f"departments, the share of their promises kept ({colour_name(REDLISTED)}). Broken "
    "promises and listings for poverty or by mistake wear legitimacy away.",
    "income": "Blacklisted, listed for poverty and red-listed, in each fifth of the "
    "population from poorest (Q1) to richest (Q5). Who pays, who gains?",
    "lists": f"Every list of the scenario side by side: how many people are on each this month "
    f"({colour_name(BLACKLISTED)}: blacklists, held by courts, tax offices, regulators...; "
    f"{colour_name(REDLISTED)}: red lists that reward). One person can be on several lists.",
    "population": f"Each mark is one citizen. {colour_name(COMPLIANT).capitalize()}: compliant. "
    f"{colour_name(VIOLATING).capitalize()}: broke a rule this month. "
    f"{colour_name(BLACKLISTED).capitalize()}: blacklisted (square: chose to; diamond: too "
    f"poor to pay; x: a wrong record). {colour_name(REDLISTED).capitalize()}: red-listed. "
    "Point at a mark for details.",
}

INTRO = """
<p><b>A reward-and-blacklist policy, live.</b> A simulated town of citizens and firms lives under
a credit scheme: breaking a rule (defaulting on a loan, a traffic offence, tax evasion...) costs
points if it is detected; good deeds (giving blood, volunteering) earn points. Low scores or
serious offences put a person on the <b>blacklist</b> (no plane or train tickets, no
civil-service job...); high scores put them on the <b>red list</b> (rewards). Each month every
agent weighs what it gains by breaking a rule against the chance of being caught and what a
listing would cost.</p>
<p>Press <b>Step</b> to simulate one month, <b>Play</b> to run on. Move a policy lever at any
time: it applies from the next month. Ask: does compliance rise? Who ends up excluded, and
why?</p>
"""
