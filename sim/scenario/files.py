"""Scenario files on disk: reading TOML, `--set` overrides, validation and the JSON Schema."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.errors import ScenarioError, describe_validation_error
from sim.scenario.schema import Scenario
from sim.scenario.units import unit_of


def parse_override(text: str) -> tuple[list[str], Any]:
    """Parse `key.path=value`; the value is read as TOML, else taken as a string."""
    if "=" not in text:
        raise ScenarioError(f"--set {text!r}: expected key.path=value")
    key, raw = text.split("=", 1)
    path = [part for part in key.strip().split(".") if part]
    if not path:
        raise ScenarioError(f"--set {text!r}: empty key path")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return path, value


NAMED_TABLES = ("behaviours", "sanctions", "rewards", "schemes", "cities", "zones")


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of raw scenario data with dotted-path overrides applied.

    Overriding `population.citizens` in a file that scales agents to people
    (`people_per_agent` other than 1, no `real_population`) keeps the real population: the
    file's citizens x people_per_agent becomes `real_population`, unless the overrides set
    the scale themselves.

    Overriding one entry of a named table the file leaves at its default (e.g.
    `behaviours.traffic_violation.fine_yuan` in a file without [behaviours]) starts from the
    default entries, so the override changes one value rather than replacing the table.
    """
    merged = json.loads(json.dumps(data))
    keys = {dotted if isinstance(dotted, str) else ".".join(dotted) for dotted in overrides}
    _keep_people_represented(merged, keys)
    for dotted, value in overrides.items():
        path = dotted.split(".") if isinstance(dotted, str) else list(dotted)
        if len(path) > 2 and path[0] in NAMED_TABLES and path[0] not in merged:
            merged[path[0]] = Scenario().model_dump(mode="json", exclude_none=True)[path[0]]
        node = merged
        for part in path[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        node[path[-1]] = value
    _permanent_drops_duration(merged, keys)
    return merged


def _permanent_drops_duration(data: dict[str, Any], overridden: set[str]) -> None:
    """An override making a list permanent drops the list's duration.

    A file must not give both (they contradict each other), but a design or lever that means
    "make this list permanent" is one key; beside a duration lever, permanence wins (the
    duration of a permanent list is moot).
    """
    lists = data.get("lists")
    if not isinstance(lists, dict):
        return
    for name, rule in lists.items():
        if isinstance(rule, dict) and rule.get("permanent") is True:
            if f"lists.{name}.permanent" in overridden:
                rule.pop("duration_months", None)


def _keep_people_represented(data: dict[str, Any], overridden: set[str]) -> None:
    """Turn a people_per_agent scale into a fixed real population when citizens change."""
    scale_keys = {"population", "population.people_per_agent", "population.real_population"}
    if "population.citizens" not in overridden or overridden & scale_keys:
        return
    population = data.get("population")
    if not isinstance(population, dict) or population.get("real_population") is not None:
        return
    per_agent = population.get("people_per_agent", 1.0)
    citizens = population.get("citizens", Scenario().population.citizens)
    if not isinstance(per_agent, int | float) or not isinstance(citizens, int) or per_agent == 1:
        return
    population["real_population"] = citizens * per_agent
    population.pop("people_per_agent")


def read_scenario_data(path: Path, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a TOML file into a dict, turning I/O and syntax errors into ScenarioError.

    A file with `extends = "other.toml"` (a path relative to the file) starts from that
    file's data: every table it gives is merged key by key into the inherited one (a named
    entry such as `[lists.tax]` changes only the keys it sets), every other value replaces
    the inherited value. Files may extend files that extend others, but not in a circle.
    """
    path = Path(path)
    data = _read_toml(path)
    base = data.pop("extends", None)
    if base is None:
        return data
    if not isinstance(base, str) or not base:
        raise ScenarioError(f"{path}: extends = {base!r}: give the path of a scenario file")
    parent = (path.parent / base).resolve()
    chain = (*_seen, path.resolve())
    if parent in chain:
        cycle = " -> ".join(str(p) for p in (*chain, parent))
        raise ScenarioError(f"{path}: extends = {base!r} makes a circle: {cycle}")
    try:
        inherited = read_scenario_data(parent, chain)
    except ScenarioError as error:
        raise ScenarioError(f"{path}: extends = {base!r}: {error}") from None
    return merge_tables(inherited, data)


def merge_tables(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """`base` with `changes` merged in: tables merge key by key, other values replace."""
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_tables(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_toml(path: Path) -> dict[str, Any]:
    """One TOML file as a dict (no inheritance), errors as ScenarioError."""
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise ScenarioError(f"{path}: is a directory, expected a .toml file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError(f"{path}: cannot read file ({error})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(
            f"{path}: not valid TOML: {error}{_offending_line(text, error)}"
        ) from None
    if not data:
        raise ScenarioError(
            f"{path}: the file is empty; it would run the built-in defaults. Write at least "
            "[simulation] name = ... (every key: docs/scenarios.md, `creditsim schema`)"
        )
    return data


def _offending_line(text: str, error: tomllib.TOMLDecodeError) -> str:
    """The line a TOML error points at, so a duplicate key is named, not only located."""
    match = re.search(r"at line (\d+)", str(error))
    lines = text.splitlines()
    if match is None or not 0 < int(match.group(1)) <= len(lines):
        return ""
    line = lines[int(match.group(1)) - 1].strip()
    key = line.split("=", 1)[0].strip() if "=" in line else line
    hint = (
        f"; `{key}` is given twice" if "overwrite" in str(error) or "declare" in str(error) else ""
    )
    return f": `{line}`{hint}"


def scenario_from_data(data: dict[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate raw data into a Scenario, or raise ScenarioError naming source and key."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        message = describe_validation_error(source, error, Scenario, unit_of)
        raise ScenarioError(message) from None


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load and validate a scenario file, with optional `{"a.b": value}` overrides.

    A message about a key written in the file gives its line: `file.toml:12: key = ...`.
    """
    data = read_scenario_data(Path(path))
    if overrides:
        data = apply_overrides(data, overrides)
    try:
        return scenario_from_data(data, str(path))
    except ScenarioError as error:
        overridden = {k if isinstance(k, str) else ".".join(k) for k in (overrides or {})}
        raise ScenarioError(with_line_numbers(str(error), Path(path), overridden)) from None


KEY_LINE = re.compile(r"^\s*([A-Za-z0-9_\-.\"]+)\s*=")
HEADER_LINE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


def key_lines(text: str) -> dict[str, int]:
    """Dotted key path -> 1-based line of every `key = value` written in a TOML text."""
    lines: dict[str, int] = {}
    table = ""
    for number, line in enumerate(text.splitlines(), start=1):
        header = HEADER_LINE.match(line)
        if header:
            table = header.group(1).replace('"', "").replace(" ", "")
            lines.setdefault(table, number)
            continue
        key = KEY_LINE.match(line)
        if key:
            name = key.group(1).replace('"', "")
            lines.setdefault(f"{table}.{name}" if table else name, number)
    return lines


def with_line_numbers(message: str, path: Path, overridden: set[str]) -> str:
    """Each `path: key...` line of a message as `path:N: key...` where the file writes key."""
    try:
        lines = key_lines(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return message
    prefix = f"{path}: "
    out = []
    for line in message.splitlines():
        if line.startswith(prefix):
            rest = line[len(prefix) :]
            key = re.split(r" = |: | ", rest, maxsplit=1)[0].rstrip(":")
            parts = key.split(".")
            prefixes = [".".join(parts[:end]) for end in range(len(parts), 0, -1)]
            if not any(prefix in overridden for prefix in prefixes):  # not a --set value
                # the key's own line, else the line of the table that holds it
                found = next((lines[prefix] for prefix in prefixes if prefix in lines), None)
                if found is not None:
                    line = f"{path}:{found}: {rest}"
        out.append(line)
    return "\n".join(out)


def json_schema() -> dict[str, Any]:
    """JSON Schema of the scenario format, for editors (with the file-level `extends`)."""
    schema = Scenario.model_json_schema()
    schema["properties"]["extends"] = {
        "type": "string",
        "title": "Extends",
        "description": "Path (relative to this file) of a scenario this one starts from; "
        "its tables are merged key by key with this file's.",
    }
    return schema
