"""Policy levers: what the page's sliders and switches set, and the scenario they make."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from sim.app.assets import PROJECT_ROOT
from sim.errors import ScenarioError
from sim.scenario.files import load_scenario, scenario_from_data
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from pathlib import Path

SCENARIO_DIR = PROJECT_ROOT / "scenarios"
BUILT_IN = "built-in example"
PREFERRED_SCENARIO = "classroom"
POPULATION_CHOICES = (1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000)
DEFAULT_CITIZENS = 10_000
MAX_ENFORCEMENT = 10.0  # the scenario schema's bound on City.enforcement


@dataclass(frozen=True)
class Levers:
    """The settings a class can change. Policy levers act on the running model.

    Attributes:
        detection: multiplies every city's enforcement (the chance an act is detected).
        blacklist_months: how long a listing lasts, in every scheme and every blacklist of
            the agencies' lists.
        permanent: listings never end ("once untrustworthy, always restricted"), on every
            scheme and list.
        reward: multiplies the value of every red-list reward.
        published: listings are published (public shaming), on every scheme and list.
        zone_sharing: cities of a pilot zone recognise each other's blacklists; with no zone
            in the scenario, all its cities form one.
        departments_scored: the second system scores departments' promise-keeping (seed
            003); a scenario without departments gets them, with the defaults of
            docs/scenarios.md.
        citizens: citizen agents (rebuilds the model).
        seed: random seed (rebuilds the model).
    """

    detection: float = 1.0
    blacklist_months: int = 24
    permanent: bool = False
    reward: float = 1.0
    published: bool = True
    zone_sharing: bool = False
    citizens: int = DEFAULT_CITIZENS
    seed: int = 42
    departments_scored: bool = False


def classroom_population(citizens: int) -> int:
    """The largest population choice up to `citizens` and to the classroom default."""
    fitting = [c for c in POPULATION_CHOICES if c <= min(citizens, DEFAULT_CITIZENS)]
    return fitting[-1] if fitting else POPULATION_CHOICES[0]


def levers_of(scenario: Scenario) -> Levers:
    """The lever settings a scenario has as written (population capped for the classroom)."""
    schemes = list(scenario.schemes.values())
    blacklists = [rule for rule in scenario.lists.values() if rule.kind == "blacklist"]
    months = [s.blacklist_duration_months for s in schemes]
    months += [rule.duration_months for rule in blacklists if rule.duration_months is not None]
    permanent = [s.blacklist_permanent for s in schemes] + [r.permanent for r in blacklists]
    return Levers(
        detection=1.0,
        blacklist_months=max(months, default=24),
        permanent=bool(permanent) and all(permanent),
        reward=1.0,
        published=any(s.published for s in schemes) or any(r.published for r in blacklists),
        zone_sharing=bool(scenario.zones),
        departments_scored=scenario.departments.scored,
        citizens=classroom_population(scenario.population.citizens),
        seed=scenario.simulation.seed,
    )


def apply_levers(base: Scenario, levers: Levers) -> Scenario:
    """The scenario with the levers applied; levers left as the scenario has them change nothing.

    The population keeps representing as many real people: `people_per_agent` is scaled by
    the change in agents.
    """
    own = levers_of(base)
    data: dict[str, Any] = base.model_dump(mode="json")
    if levers.detection != own.detection:
        for city in data["cities"].values():
            city["enforcement"] = min(city["enforcement"] * levers.detection, MAX_ENFORCEMENT)
    for scheme in data["schemes"].values():
        if levers.blacklist_months != own.blacklist_months:
            scheme["blacklist_duration_months"] = levers.blacklist_months
        if levers.permanent != own.permanent:
            scheme["blacklist_permanent"] = levers.permanent
        if levers.published != own.published:
            scheme["published"] = levers.published
    for rule in data.get("lists", {}).values():  # the agencies' blacklists follow too
        if rule.get("kind", "blacklist") != "blacklist":
            continue
        if levers.permanent != own.permanent:
            rule["permanent"] = levers.permanent
            if levers.permanent:  # a permanent list has no duration
                rule["duration_months"] = None
            elif rule.get("duration_months") is None:
                rule["duration_months"] = levers.blacklist_months
        if levers.blacklist_months != own.blacklist_months and not rule.get("permanent"):
            rule["duration_months"] = levers.blacklist_months
            rule["duration_by_behaviour"] = {}
        if levers.published != own.published:
            rule["published"] = levers.published
    if levers.reward != own.reward:
        for reward in data["rewards"].values():
            reward["value_income_share"] *= levers.reward
    if levers.zone_sharing != own.zone_sharing:
        data["zones"] = (
            {"all_cities": {"members": list(data["cities"])}} if levers.zone_sharing else {}
        )
    if levers.departments_scored != own.departments_scored:
        data["departments"]["scored"] = levers.departments_scored
        if levers.departments_scored:
            data["departments"]["enabled"] = True
    people = base.population.citizens * base.population.people_per_agent
    data["population"]["citizens"] = levers.citizens
    data["population"]["people_per_agent"] = people / levers.citizens
    data["simulation"]["seed"] = levers.seed
    return scenario_from_data(data, f"{base.simulation.name} (classroom levers)")


def scenario_files(directory: Path = SCENARIO_DIR) -> dict[str, Path]:
    """Bundled scenario files by name (file stem), sorted."""
    return {path.stem: path for path in sorted(directory.glob("*.toml"))}


def load_named(name: str, directory: Path = SCENARIO_DIR) -> Scenario:
    """A bundled scenario by file stem, or the built-in example."""
    if name == BUILT_IN:
        return Scenario()
    files = scenario_files(directory)
    if name not in files:
        raise ScenarioError(f"{directory}/{name}.toml: no such scenario; allowed: {sorted(files)}")
    return load_scenario(files[name])


def default_scenario_name(directory: Path = SCENARIO_DIR) -> str:
    """The scenario the page opens with: `classroom.toml` if present, else the first file."""
    files = scenario_files(directory)
    if PREFERRED_SCENARIO in files:
        return PREFERRED_SCENARIO
    return next(iter(files), BUILT_IN)


def open_first_scenario(directory: Path = SCENARIO_DIR) -> tuple[str, Scenario, str]:
    """(name, scenario, error) the page opens with: the built-in example if the file is broken."""
    name = default_scenario_name(directory)
    try:
        return name, load_named(name, directory), ""
    except ScenarioError as problem:
        return BUILT_IN, Scenario(), str(problem)


def describe_change(old: Levers, new: Levers) -> str:
    """Short text for a policy change, drawn on the charts."""
    parts = []
    if new.detection != old.detection:
        parts.append(f"detection x{new.detection:g}")
    if new.blacklist_months != old.blacklist_months:
        parts.append(f"listing {new.blacklist_months} mo")
    if new.permanent != old.permanent:
        parts.append("permanent" if new.permanent else "listings expire")
    if new.reward != old.reward:
        parts.append(f"rewards x{new.reward:g}")
    if new.published != old.published:
        parts.append("published" if new.published else "unpublished")
    if new.zone_sharing != old.zone_sharing:
        parts.append("zone shares lists" if new.zone_sharing else "no zone sharing")
    if new.departments_scored != old.departments_scored:
        parts.append("departments scored" if new.departments_scored else "not scored")
    return ", ".join(parts)


# ---------------------------------------------------------------- one class's simulation


LINK_RANGES = {  # lever: (kind, low, high, step) as the page's controls allow
    "detection": (float, 0.0, 3.0, 0.25),
    "blacklist_months": (int, 1, 60, 1),
    "reward": (float, 0.0, 5.0, 0.25),
    "seed": (int, 0, 2**31 - 1, 1),
}
LINK_SWITCHES = ("permanent", "published", "zone_sharing", "departments_scored")


def link_query(scenario_name: str, levers: Levers) -> str:
    """The page's query string that reopens this scenario with these lever settings."""
    parts = {"scenario": scenario_name}
    for name in (*LINK_RANGES, *LINK_SWITCHES, "citizens"):
        value = getattr(levers, name)
        if isinstance(value, bool):
            parts[name] = "true" if value else "false"
        else:
            parts[name] = str(value) if isinstance(value, int) else repr(float(value))
    return urlencode(parts)


def levers_from_link(query: str, levers: Levers) -> tuple[str | None, Levers, list[str]]:
    """Read a shared link's query: (scenario name or None, levers, problems in words).

    A value that is not allowed is left at its setting in `levers` and named in a problem;
    unknown keys are named too, so a mistyped link says why it did not apply.
    """
    scenario = None
    changes: dict[str, Any] = {}
    problems = []
    for key, text in parse_qsl(query.lstrip("?"), keep_blank_values=True):
        if key == "scenario":
            scenario = text
        elif key in LINK_RANGES:
            kind, low, high, step = LINK_RANGES[key]
            try:
                number = float(text)
            except ValueError:
                number = math.nan
            on_step = math.isfinite(number) and abs(number / step - round(number / step)) < 1e-9
            if on_step and low <= number <= high:
                changes[key] = kind(round(number) if kind is int else number)
            else:
                problems.append(
                    f"{key} = {text!r}: allowed {low:g} to {high:g} in steps of {step:g}"
                )
        elif key in LINK_SWITCHES:
            if text.lower() in ("true", "false"):
                changes[key] = text.lower() == "true"
            else:
                problems.append(f"{key} = {text!r}: allowed true or false")
        elif key == "citizens":
            if text.isdigit() and int(text) in POPULATION_CHOICES:
                changes[key] = int(text)
            else:
                problems.append(
                    f"citizens = {text!r}: allowed {', '.join(map(str, POPULATION_CHOICES))}"
                )
        else:
            problems.append(f"{key!r}: not a setting of the page")
    return scenario, replace(levers, **changes), problems


def open_from_link(query: str, directory: Path = SCENARIO_DIR) -> tuple[str, Scenario, Levers, str]:
    """(name, scenario, levers, note) the page opens with for a shared link's query.

    Without a query: the first scenario at its own settings. A link's scenario that cannot be
    opened, or settings that are not allowed, are said in `note`; the rest of the link applies.
    """
    name, base, error = open_first_scenario(directory)
    wanted, _, _ = levers_from_link(query, levers_of(base))
    notes = [error] if error else []
    if wanted is not None and wanted != name:
        try:
            base, name = load_named(wanted, directory), wanted
        except ScenarioError as problem:
            notes.append(f"link: scenario {wanted!r} not opened ({problem})")
    _, levers, problems = levers_from_link(query, levers_of(base))
    notes += [f"link: {problem}" for problem in problems]
    return name, base, levers, "; ".join(notes)
