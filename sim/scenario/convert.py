"""Convert a scenario's points-scheme lists into agencies' lists (`creditsim convert`).

Each scheme that lists agents becomes an agency holding two lists: `<scheme>_blacklist`
(triggered by a record that leaves the score below the scheme's threshold, and by its
serious behaviours) and `<scheme>_redlist` (members while the score is at or above the red
threshold). The scheme keeps scoring; its own blacklist and red list are switched off
(threshold at the lowest score, red threshold above the highest), exactly as
`scenarios/national_2018_lists.toml` does by hand. A pilot zone's recognition of the
scheme's listings becomes a joint-punishment memorandum over the zone.

The converted file `extends` the original and holds only the tables that change. Where the
two mechanisms differ, the converted lists approximate the scheme and say so in
`DIFFERENCES` (written into the file's header): listing on a serious behaviour happens with
`listing_probability` = the cities' (population-weighted) data sharing instead of each city's
own; one start month (the earliest city's) for behaviour triggers; a zone's recognition
covers every behaviour, not only the zone's `behaviours`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import tomli_w

from sim.errors import ScenarioError
from sim.scenario.files import load_scenario
from sim.scenario.schema import Scenario

DIFFERENCES = (
    "A serious behaviour lists on detection with listing_probability = the scheme's cities' "
    "population-weighted data sharing (the scheme listed on a record, each city at its own "
    "data sharing).",
    "Behaviour triggers start at the earliest city's scheme_start_month (score triggers "
    "follow each city's start, as before).",
    "A zone's recognition becomes a memorandum over all the list's listings (a zone's "
    "`behaviours` limit is not carried).",
    "Time-series columns: the scheme's members are now `list_*__<scheme>_blacklist` and "
    "`red_list_*` columns; blacklisted_people counts them as before.",
)


def _listing_cities(scenario: Scenario, scheme: str) -> list[str]:
    return sorted(name for name, city in scenario.cities.items() if city.scheme == scheme)


def converted_tables(scenario: Scenario) -> tuple[dict[str, Any], list[str]]:
    """(tables to merge over the scenario, notes) turning its schemes' lists into [lists].

    Raises ScenarioError when there is nothing to convert or a name it would add is taken.
    """
    changes: dict[str, Any] = {"schemes": {}, "agencies": {}, "lists": {}, "memoranda": {}}
    notes: list[str] = []
    for name, scheme in scenario.schemes.items():
        cities = _listing_cities(scenario, name)
        if not cities:
            continue
        agency = f"{name}_scheme"
        black, red = f"{name}_blacklist", f"{name}_redlist"
        for table, key in (("agencies", agency), ("lists", black), ("lists", red)):
            if key in getattr(scenario, table):
                raise ScenarioError(
                    f"[{table}.{key}] already exists: the conversion of scheme {name!r} would "
                    "add it; rename the existing table"
                )
        weights = [scenario.cities[c].population_share for c in cities]
        sharing = sum(
            w * scenario.cities[c].data_sharing for w, c in zip(weights, cities, strict=True)
        )
        sharing /= sum(weights)
        start = min(scenario.cities[c].scheme_start_month for c in cities)
        changes["agencies"][agency] = {
            "description": f"Holder of the lists of points scheme {name!r} (converted).",
            "source": f"the scheme [schemes.{name}] of the original file",
        }
        blacklist: dict[str, Any] = {
            "owner": agency,
            "kind": "blacklist",
            "subjects": "both",
            "score_scheme": name,
            "score_threshold": scheme.blacklist_threshold,
            "extension_months": scheme.blacklist_extension_months,
            "escalation": scheme.sanction_escalation,
            "delist_on_payment": scheme.delist_on_payment,
            "published": scheme.published,
            "sanctions": list(scheme.sanctions),
            "scope": scheme.scope,
            "cities": cities,
            "start_month": start,
            "source": f"converted from [schemes.{name}]",
        }
        if scheme.blacklist_permanent:
            blacklist["permanent"] = True
        else:
            blacklist["duration_months"] = scheme.blacklist_duration_months
        if scheme.blacklist_duration_by_behaviour:
            blacklist["duration_by_behaviour"] = dict(scheme.blacklist_duration_by_behaviour)
        if scheme.blacklist_behaviours:
            blacklist["behaviours"] = list(scheme.blacklist_behaviours)
            blacklist["listing_probability"] = round(sharing, 12)
        changes["lists"][black] = blacklist
        changes["lists"][red] = {
            "owner": agency,
            "kind": "redlist",
            "subjects": "both",
            "score_scheme": name,
            "score_threshold": scheme.redlist_threshold,
            "published": scheme.published,
            "rewards": list(scheme.rewards),
            "scope": scheme.scope,
            "cities": cities,
            "start_month": start,
            "source": f"converted from [schemes.{name}]",
        }
        changes["schemes"][name] = {
            "blacklist_threshold": scheme.min_score,
            "blacklist_behaviours": [],
            "redlist_threshold": scheme.max_score + 1.0,
            "sanctions": [],
            "rewards": [],
        }
        for zone_name, zone in scenario.zones.items():
            if scheme.scope == "national" or not set(zone.members) & set(cities):
                continue
            changes["memoranda"][f"{zone_name}_{name}"] = {
                "signatories": [agency],
                "lists": [black],
                "zones": [zone_name],
                "start_month": zone.start_month,
                "source": f"converted from [zones.{zone_name}] (recognition of {name!r})",
            }
            if zone.behaviours:
                notes.append(
                    f"zones.{zone_name}.behaviours = {list(zone.behaviours)}: the memorandum "
                    "recognises listings of every behaviour"
                )
        if (
            scheme.blacklist_behaviours
            and len({scenario.cities[c].data_sharing for c in cities}) > 1
        ):
            notes.append(
                f"schemes.{name}: its cities share data at different rates; serious behaviours "
                f"list with probability {sharing:.4f} everywhere"
            )
    if not changes["lists"]:
        raise ScenarioError("no city runs a points scheme: there is nothing to convert")
    return {key: value for key, value in changes.items() if value}, notes


def write_converted(source: Path, scenario: Scenario, out: Path, force: bool = False) -> list[str]:
    """Write the converted scenario to `out` (extending `source`); return the notes.

    Nothing is written unless the whole file can be and it loads as a valid scenario: it
    is written next to `out`, loaded, and moved into place.
    """
    if out.exists() and not force:
        raise ScenarioError(f"{out}: exists; give --force to replace it")
    if out.resolve() == source.resolve():
        raise ScenarioError(f"{out}: is the file being converted; choose another path")
    tables, notes = converted_tables(scenario)
    relative = os.path.relpath(source.resolve(), out.resolve().parent)
    header = [
        f"# {source.name} with its points schemes' lists as agencies' lists (`creditsim convert`).",
        "# Differences from the original mechanism:",
        *[f"# - {line}" for line in (*DIFFERENCES, *notes)],
        "",
    ]
    text = "\n".join(header) + "\n" + tomli_w.dumps({"extends": relative, **tables})
    partial = out.with_name(f".{out.name}.partial")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(text, encoding="utf-8")
        load_scenario(partial)
        partial.replace(out)
    except OSError as error:
        raise ScenarioError(
            f"{out}: cannot write the converted scenario ({error.strerror})"
        ) from None
    finally:
        partial.unlink(missing_ok=True)
    return notes
