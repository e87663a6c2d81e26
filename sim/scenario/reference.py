"""The scenario-file reference (docs/scenarios.md), generated from the pydantic models.

Every table and key of sim/scenario/schema.py with its type, default, unit, allowed range (from the
Field constraints) and description, after a hand-written introduction. Regenerate with

    uv run python -m sim.scenario.reference > docs/scenarios.md

tests/test_docs.py fails when docs/scenarios.md differs from this module's output.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from sim.scenario.schema import Scenario
from sim.scenario.units import strip_optional, unit_of

COMMAND = "uv run python -m sim.scenario.reference > docs/scenarios.md"

# Units of numeric keys, by "Model.key". A key not listed here takes the unit its description
# gives in parentheses, e.g. "(yuan/month)"; tests/test_docs.py checks every numeric key has one.

# Rules that tie several keys together: the Scenario and table validators in sim/scenario/schema.py.
CROSS_KEY_RULES: dict[str, list[str]] = {
    "Population": [
        "`professions` needs at least one profession; shares must be >= 0 and not all 0 "
        "(they are normalised to sum to 1).",
    ],
    "Registration": [
        "Every key of `initial_coverage` must be a profession named in "
        "`population.professions`, with a share in [0, 1]; a profession left out starts at "
        "coverage 0.",
    ],
    "Travel": [
        "With `enabled = true`, every sanction's `blocked_purchases_per_month` must be 0: "
        "blocked purchases come from travel demand, one rule for every sanction.",
    ],
    "Scheme": [
        "`min_score <= base_score <= max_score` and `blacklist_threshold <= redlist_threshold`.",
        "Keys of `points` and entries of `blacklist_behaviours` must name `[behaviours.*]` "
        "tables; `sanctions` must name `[sanctions.*]`, `rewards` must name `[rewards.*]`.",
    ],
    "City": ["`scheme`, when given, must name a `[schemes.*]` table."],
    "Zone": [
        "Every member must name a `[cities.*]` table; a city belongs to at most one zone.",
    ],
    "ListRule": [
        "`owner` must name an `[agencies.*]` table; `behaviours` must name `[behaviours.*]` "
        "tables (violations for a blacklist, pro-social acts for a red list, done by the "
        "list's `subjects`); keys of `duration_by_behaviour` must be among `behaviours`; "
        "`sanctions`, `rewards`, `cities` and `score_scheme` must name tables of their kind.",
        "A list needs a trigger (`behaviours`, or `score_scheme` with `score_threshold`); "
        "`permanent = true` and `duration_months` contradict each other (an override setting "
        "`permanent = true` drops the duration); a red list has no "
        "sanctions, extension or escalation, a blacklist no rewards; a red list is joined by "
        "`behaviours` or by a score, not both (a red list by score is a state: its members "
        "are recomputed each month). At most 64 lists.",
    ],
    "FirmRatings": [
        "Grades are given best first with falling, distinct `min_score`s and distinct names; "
        "`listed_grade`, when given, must be one of them.",
    ],
    "Memorandum": [
        "`signatories` must name `[agencies.*]` tables, `lists` blacklists of `[lists.*]`, "
        "`sanctions`, `cities` and `zones` tables of their kind.",
    ],
    "Scenario": [
        "`cities` must not be empty (a file without `[cities.*]` tables gets the built-in city).",
    ],
}

INTRO = """\
# Scenario file reference

<!-- Generated from sim/scenario/schema.py by `{command}`; do not edit by hand. -->

A scenario file is a TOML file that describes one simulated world: its population, the behaviours
that are scored, the points schemes with their red-list and blacklist rules, the sanctions and
rewards those lists carry, the cities and the pilot zones. Rules are data: a new city or a new
pilot design is a new file, not new code. Check a file with `creditsim validate FILE`; print the
JSON Schema (for editors) with `creditsim schema`.

`creditsim convert A.toml --out B.toml` writes a file that extends A and turns each points
scheme's blacklist and red list into an agency's `[lists.<scheme>_blacklist]` and
`[lists.<scheme>_redlist]` (triggered by the scheme's threshold and serious behaviours, with
its durations, extension, escalation, sanctions and rewards), switches the scheme's own lists
off (it keeps scoring) and makes a zone's recognition a memorandum; the file's header lists
where the two mechanisms differ.

A file may start from another: `extends = "national_2018.toml"` (a path relative to the file)
at the top takes every table of that file, and this file's tables are merged into them key by
key (`[lists.court_defaulters] duration_months = 36` changes that one key). `creditsim diff
A.toml B.toml` prints every value in which two scenarios differ, inheritance and defaults
applied.

## How a file is laid out

- **Single tables** hold one set of parameters each: `[simulation]`, `[population]`,
  `[network]`, `[decision]`, `[income_shocks]`, `[records]`, `[migration]`, `[registration]`.
  Every key has a default: leave out a key, or a whole table, to keep it.
- **Named tables** hold one entry per name you choose: `[behaviours.NAME]`,
  `[sanctions.NAME]`, `[rewards.NAME]`, `[schemes.NAME]`, `[cities.NAME]`, `[zones.NAME]`,
  and the system's structure: `[agencies.NAME]`, `[lists.NAME]` (black and red lists held by
  agencies) and `[memoranda.NAME]` (joint punishment). Within an entry every key has a default
  (but a list's `owner` and a memorandum's parties), but the set of entries is all-or-nothing:
  a file that has any `[behaviours.*]` table replaces the whole built-in set of behaviours (the
  same holds for the other named tables). The built-in entries, used when a file has none, are
  shown under each table.
  An override (`--set behaviours.traffic_violation.fine_yuan=500`) of an entry in a named table
  the file leaves out starts from the built-in entries and changes just that value.
- **References by name** tie the named tables together:

  | key | names a |
  |---|---|
  | `schemes.NAME.points` (keys), `schemes.NAME.blacklist_behaviours` | behaviour |
  | `schemes.NAME.sanctions` | sanction |
  | `schemes.NAME.rewards` | reward |
  | `cities.NAME.scheme` | scheme (leave it out: the city scores nobody and lists nobody) |
  | `zones.NAME.members` | city |
  | `lists.NAME.owner`, `memoranda.NAME.signatories` | agency |
  | `lists.NAME.behaviours`, `lists.NAME.duration_by_behaviour` (keys) | behaviour |
  | `lists.NAME.sanctions`, `memoranda.NAME.sanctions` | sanction |
  | `lists.NAME.rewards` | reward |
  | `lists.NAME.score_scheme` | scheme |
  | `lists.NAME.cities`, `memoranda.NAME.cities` | city |
  | `memoranda.NAME.lists` | list (a blacklist) |
  | `memoranda.NAME.zones` | zone |
  | `registration.initial_coverage` (keys) | profession of `population.professions` |

  A reference to a name that does not exist is an error that names the file, the key path, the
  value and the names allowed.
- **Overrides**: `creditsim run FILE --set population.citizens=5000 --set
  cities.hangzhou.enforcement=1.5` (values are read as TOML), or
  `load_scenario(path, {{"population.citizens": 5000}})` in Python. An override of a key inside a
  named table that the file does not define creates that entry alone, which replaces the built-in
  set (see above).

## Units

- **yuan**: money; `yuan/month` for incomes and profits.
- **income share**: months of the agent's own monthly income (for firms: monthly profit). All
  terms of the decision (gains, penalties, honesty, peer pressure, rewards, sanctions) are in this
  unit, so a fine in yuan is divided by the agent's income before it is compared.
- **probability per month**: the chance of an event in one step; one step is one month.
- **month (0-based)**: a month of the run counted from 0, for keys that say when something
  starts (`scheme_start_month`, `start_month`): month 0 is the first month. The time series'
  `step` column counts months completed instead (1 for the first month), so what starts in
  month m first shows in the row with `step` = m + 1, whose `calendar_month` says which month
  of the calendar it is.
- **points**: credit-score points of a scheme.
- **1**: dimensionless.

## Example

Two cities of a pilot zone sharing one points scheme, and a third city without a scheme.

```toml
{example}```
"""

EXAMPLE = """\
[simulation]
name = "delta-pilot"
description = "Two zone cities recognise each other's lists; a third city scores nobody."
steps = 60

[population]
citizens = 20000
people_per_agent = 70000.0  # 20,000 agents stand for 1.4 billion people

[behaviours.loan_default]
opportunity_rate_per_month = 1.0
debtors_only = true
gain_income_share = 0.05
fine_yuan = 0.0
detectability = 0.9
involuntary_from_income_shock = true
repayable = true

[behaviours.traffic_violation]
opportunity_rate_per_month = 0.2
fine_yuan = 200.0

[behaviours.blood_donation]
kind = "prosocial"
opportunity_rate_per_month = 0.05
honour_income_share = 0.01

[behaviours.no_social_insurance]
actor = "firm"
gain_income_share = 0.05
detectability = 0.2
fine_yuan = 50000.0
harms_employees_income_share = 0.1

[sanctions.no_flights]
cost_income_share = 0.05
restricts = "flights"

[sanctions.no_procurement]
applies_to = "firm"
cost_income_share = 0.1

[rewards.fast_track_approval]
value_income_share = 0.02

[schemes.points_1000]
points = { loan_default = -100, traffic_violation = -5, blood_donation = 20, \
no_social_insurance = -100 }
blacklist_behaviours = ["loan_default", "no_social_insurance"]
blacklist_duration_months = 24
sanctions = ["no_flights", "no_procurement"]
rewards = ["fast_track_approval"]
bands = [
    { name = "A", min_score = 1050.0 },
    { name = "B", min_score = 850.0 },
    { name = "C", min_score = 600.0 },
    { name = "D", min_score = 0.0 },
]

[cities.shanghai]
population_share = 2.0
scheme = "points_1000"

[cities.hangzhou]
scheme = "points_1000"
scheme_start_month = 6

[cities.elsewhere]
population_share = 10.0  # no scheme: nothing is scored or listed here

[zones.yangtze_delta]
members = ["shanghai", "hangzhou"]
start_month = 12
"""


@dataclass(frozen=True)
class Section:
    """One table of the reference: the model it documents and its TOML header."""

    model: type[BaseModel]
    header: str
    named: str | None = None  # the top-level key, for named tables
    array: bool = False  # an array of tables ([[...]])


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def sections() -> list[Section]:
    """Every table of a scenario file, in the order of the Scenario model."""
    found: list[Section] = []

    def visit(model: type[BaseModel], header: str, named: str | None, array: bool) -> None:
        found.append(Section(model, header, named, array))
        for key, info in model.model_fields.items():
            annotation, _ = strip_optional(info.annotation)
            origin, args = get_origin(annotation), get_args(annotation)
            path = header.strip("[]")
            if origin is list and args and _is_model(args[0]):
                visit(args[0], f"[[{path}.{key}]]", None, True)
            elif _is_model(annotation):
                visit(annotation, f"[{path}.{key}]", None, False)

    for key, info in Scenario.model_fields.items():
        annotation = info.annotation
        if _is_model(annotation):
            visit(annotation, f"[{key}]", None, False)
        elif get_origin(annotation) is dict and _is_model(get_args(annotation)[1]):
            visit(get_args(annotation)[1], f"[{key}.NAME]", key, False)
    return found


def type_name(annotation: Any) -> str:
    """A key's type in TOML words."""
    annotation, optional = strip_optional(annotation)
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Literal:
        name = "string"
    elif origin is dict:
        name = f"table of {type_name(args[0])} → {type_name(args[1])}"
    elif origin is list:
        name = "array of tables" if _is_model(args[0]) else f"array of {type_name(args[0])}s"
    else:
        name = {str: "string", int: "integer", float: "float", bool: "boolean"}.get(
            annotation, getattr(annotation, "__name__", str(annotation))
        )
    return f"{name} (optional)" if optional else name


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(value)


def allowed_range(info: FieldInfo) -> str:
    """What values a key allows, from its type and Field constraints."""
    annotation, _ = strip_optional(info.annotation)
    if get_origin(annotation) is Literal:
        return "one of " + ", ".join(f"`{json.dumps(v)}`" for v in get_args(annotation))
    low = high = ""
    low_open = high_open = False
    length = ""
    for item in info.metadata:
        if isinstance(item, annotated_types.Ge):
            low = _number(item.ge)
        elif isinstance(item, annotated_types.Gt):
            low, low_open = _number(item.gt), True
        elif isinstance(item, annotated_types.Le):
            high = _number(item.le)
        elif isinstance(item, annotated_types.Lt):
            high, high_open = _number(item.lt), True
        elif isinstance(item, annotated_types.MinLen):
            length = f"at least {item.min_length} item{'s' if item.min_length != 1 else ''}"
    if low and high:
        return f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    if low:
        return f"{'>' if low_open else '≥'} {low}"
    if high:
        return f"{'<' if high_open else '≤'} {high}"
    if length:
        return length
    if annotation is bool:
        return "`true`, `false`"
    return "any"


def toml_value(value: Any) -> str:
    """A value as TOML (inline tables and arrays)."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} as TOML")


def toml_key(key: str) -> str:
    """A bare TOML key when possible, else a quoted one."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def default_of(info: FieldInfo) -> Any:
    """A field's default value (calling its factory), or PydanticUndefined when required."""
    if info.default_factory is not None:
        return info.default_factory()
    return info.default


def default_text(info: FieldInfo) -> str:
    """A key's default as it would be written in TOML."""
    value = default_of(info)
    if value is PydanticUndefined:
        return "required"
    if value is None:
        return "(none: leave the key out)"
    return f"`{toml_value(value)}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def field_table(model: type[BaseModel]) -> list[str]:
    """The markdown table of one model's keys."""
    lines = [
        "| key | type | default | unit | allowed | description |",
        "|---|---|---|---|---|---|",
    ]
    for key, info in model.model_fields.items():
        cells = (
            f"`{key}`",
            type_name(info.annotation),
            default_text(info),
            unit_of(model, key, info),
            allowed_range(info),
            info.description or "",
        )
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return lines


def built_in_entries(top_key: str) -> list[str]:
    """The built-in entries of a named table as TOML (keys that differ from the defaults)."""
    entries = default_of(Scenario.model_fields[top_key])
    if not entries:
        return [f"Built in: none (a file without `[{top_key}.*]` tables has no {top_key})."]
    lines = [f"Built in (used when the file has no `[{top_key}.*]` table):", "", "```toml"]
    for name, entry in entries.items():
        lines.append(f"[{top_key}.{toml_key(name)}]")
        changed = entry.model_dump(mode="json", exclude_defaults=True)
        if not changed:
            lines.append("# every key at its default")
        for key, value in changed.items():
            lines.append(f"{toml_key(key)} = {toml_value(value)}")
        lines.append("")
    lines[-1] = "```"
    return lines


def singular(plural: str) -> str:
    """`cities` -> `city`, `zones` -> `zone`, `memoranda` -> `memorandum`."""
    if plural.endswith("a"):
        return plural[:-1] + "um"
    return plural[:-3] + "y" if plural.endswith("ies") else plural.removesuffix("s")


def _doc_line(model: type[BaseModel]) -> str:
    return " ".join((model.__doc__ or "").split())


def section_text(section: Section) -> list[str]:
    """One table's heading, summary, key table, cross-key rules and built-in entries."""
    lines = [f"## `{section.header}`", "", _doc_line(section.model), ""]
    if section.named:
        lines += [f"One table per {singular(section.named)}; NAME is yours to choose.", ""]
    if section.array:
        lines += [
            "An array of tables: repeat the header once per entry, or write an inline array.",
            "",
        ]
    lines += field_table(section.model)
    rules = CROSS_KEY_RULES.get(section.model.__name__, [])
    if rules:
        lines += ["", *[f"- {rule}" for rule in rules]]
    if section.named:
        lines += ["", *built_in_entries(section.named)]
    return [*lines, ""]


def render() -> str:
    """The whole reference as markdown."""
    lines = [INTRO.format(command=COMMAND, example=EXAMPLE), "## Tables", ""]
    all_sections = sections()
    for section in all_sections:
        anchor = re.sub(r"[^a-z0-9_ -]", "", section.header.lower()).replace(" ", "-")
        lines.append(f"- [`{section.header}`](#{anchor}): {_doc_line(section.model)}")
    lines.append("")
    for section in all_sections:
        lines += section_text(section)
    scenario_rules = CROSS_KEY_RULES.get("Scenario", [])
    if scenario_rules:
        lines += ["## Whole-file rules", "", *[f"- {rule}" for rule in scenario_rules], ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def main() -> None:
    """Print the reference to stdout."""
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
