"""A bad-input corpus generated from a file format's JSON Schema and a valid document.

Every case takes a valid document (a bundled scenario or experiment file) and breaks exactly
one thing the schema forbids: a number below or above its range, a wrong type, an unknown
enum value, a table given as a list or a scalar, a misspelt key. Each case records the key
path an error message must name. Cases are data; the tests decide how to submit them
(validation call, file on the command line, `--set`).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import tomli_w


@dataclass(frozen=True)
class Case:
    """One broken document: `value` put at `path`; the message must name `named`."""

    kind: str
    path: tuple[str | int, ...]
    value: Any
    must_name: str | None = None
    meant: str | None = None  # a misspelt key: the key that was meant

    @property
    def named(self) -> str:
        """The dotted key path an error must name (list positions dropped)."""
        if self.must_name is not None:
            return self.must_name
        keys = [str(part) for part in self.path if not isinstance(part, int)]
        return ".".join(keys)

    @property
    def id(self) -> str:
        """A readable test id."""
        return f"{self.kind}:{'.'.join(str(part) for part in self.path)}"

    @property
    def settable(self) -> bool:
        """Whether `--set key=value` can express the case (no list positions)."""
        return not any(isinstance(part, int) for part in self.path)

    def applied(self, document: dict[str, Any]) -> dict[str, Any]:
        """A deep copy of the document with the case's value in place."""
        broken = copy.deepcopy(document)
        node: Any = broken
        for part in self.path[:-1]:
            node = node.setdefault(part, {}) if isinstance(node, dict) else node[part]
        node[self.path[-1]] = self.value
        return broken

    def set_option(self) -> str:
        """The case as a `--set` argument: key.path=TOML value."""
        literal = tomli_w.dumps({"v": self.value}).strip().removeprefix("v = ")
        return f"{'.'.join(str(part) for part in self.path)}={literal}"


def misspelt(key: str, siblings: set[str]) -> str:
    """A plausible typo of `key` that is no valid sibling key: its last two letters swapped."""
    typo = key[:-2] + key[-1] + key[-2] if len(key) > 2 else key + "x"
    return typo if typo not in siblings and typo != key else key + "_x"


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow a $ref and pick the non-null branch of an optional value."""
    if "$ref" in node:
        node = schema["$defs"][node["$ref"].split("/")[-1]]
    branches = [branch for branch in node.get("anyOf", []) if branch.get("type") != "null"]
    if len(branches) == 1:
        node = {**node, **_resolve(schema, branches[0])}
        node.pop("anyOf", None)
    return node


def _number_cases(node: dict[str, Any], path: tuple[str | int, ...]) -> Iterator[Case]:
    """Below and above the documented range; a wrong type; a fraction for an integer."""
    integer = node.get("type") == "integer"
    step = 1 if integer else 0.5
    if "minimum" in node:
        yield Case("below minimum", path, _typed(node["minimum"] - step, integer))
    if "exclusiveMinimum" in node:
        yield Case("at exclusive minimum", path, _typed(node["exclusiveMinimum"], integer))
    if "maximum" in node:
        yield Case("above maximum", path, _typed(node["maximum"] + step, integer))
    if "exclusiveMaximum" in node:
        yield Case("at exclusive maximum", path, _typed(node["exclusiveMaximum"], integer))
    yield Case("text for a number", path, "many")
    if integer:
        yield Case("fraction for an integer", path, 1.5)


def _typed(value: float, integer: bool) -> float | int:
    return int(value) if integer else float(value)


def cases(schema: dict[str, Any], document: dict[str, Any]) -> list[Case]:
    """Every case the schema allows for the values present in `document`."""
    found: list[Case] = []
    _walk(schema, schema, document, (), found)
    return found


def _walk(
    schema: dict[str, Any],
    node: dict[str, Any],
    value: Any,
    path: tuple[str | int, ...],
    found: list[Case],
) -> None:
    node = _resolve(schema, node)
    if value is None or "anyOf" in node:
        return
    kind = node.get("type")
    if "enum" in node or "const" in node:
        found.append(Case("unknown choice", path, "no_such_choice"))
    elif kind in ("number", "integer"):
        found.extend(_number_cases(node, path))
    elif kind == "boolean":
        found.append(Case("text for true/false", path, "maybe"))
    elif kind == "string":
        found.append(Case("number for text", path, 7))
    elif kind == "array" and isinstance(value, list):
        if path:
            found.append(Case("scalar for a list", path, 3))
        items = node.get("items") or (node.get("prefixItems") or [None])[0]
        if value and isinstance(items, dict):
            _walk(schema, items, value[0], (*path, 0), found)
    elif kind == "object" and isinstance(value, dict):
        if path:
            found.append(Case("list for a table", path, [1, 2]))
            found.append(Case("scalar for a table", path, 3))
        properties = node.get("properties", {})
        entries = node.get("additionalProperties")
        if properties:
            keys = set(properties)
            present = [key for key in properties if key in value]
            if present and node.get("additionalProperties") is False:
                typo = misspelt(present[0], keys)
                found.append(
                    Case("misspelt key", (*path, typo), value[present[0]], meant=present[0])
                )
            for key in present:
                _walk(schema, properties[key], value[key], (*path, key), found)
        elif isinstance(entries, dict):
            for key, entry in value.items():
                _walk(schema, entries, entry, (*path, key), found)


UNKNOWN = "no_such_name"


def scenario_reference_cases(document: dict[str, Any]) -> list[Case]:
    """A name that refers to nothing, at every place a scenario refers to another table."""
    found = []
    for name, city in document.get("cities", {}).items():
        if city.get("scheme"):
            found.append(Case("unknown reference", ("cities", name, "scheme"), UNKNOWN))
    for name, zone in document.get("zones", {}).items():
        for key in ("members", "behaviours"):
            if zone.get(key):
                path = ("zones", name, key)
                found.append(Case("unknown reference", (*path, 0), UNKNOWN, ".".join(path)))
    for name, scheme in document.get("schemes", {}).items():
        for key in ("blacklist_behaviours", "sanctions", "rewards"):
            if scheme.get(key):
                path = ("schemes", name, key)
                found.append(Case("unknown reference", (*path, 0), UNKNOWN, ".".join(path)))
        for key, entry in (
            ("points", -10.0),
            ("blacklist_duration_by_behaviour", 12),
            ("grade_caps", "A"),
        ):
            if key in scheme:
                path = ("schemes", name, key)
                found.append(Case("unknown reference", (*path, UNKNOWN), entry, ".".join(path)))
    for name, entry in document.get("lists", {}).items():
        path = ("lists", name, "owner")
        found.append(Case("unknown reference", path, UNKNOWN))
        if entry.get("score_scheme"):
            found.append(Case("unknown reference", ("lists", name, "score_scheme"), UNKNOWN))
        for key in ("behaviours", "sanctions", "rewards", "cities"):
            if entry.get(key):
                path = ("lists", name, key)
                found.append(Case("unknown reference", (*path, 0), UNKNOWN, ".".join(path)))
        if not entry.get("permanent") and "duration_months" in entry:
            path = ("lists", name, "permanent")
            found.append(Case("contradictory durations", path, True, f"lists.{name}"))
        if entry.get("behaviours") and "score_scheme" not in entry:
            path = ("lists", name, "behaviours")
            found.append(Case("list without a trigger", path, [], f"lists.{name}"))
    for name, memo in document.get("memoranda", {}).items():
        for key in ("signatories", "lists", "sanctions", "cities", "zones"):
            if memo.get(key):
                path = ("memoranda", name, key)
                found.append(Case("unknown reference", (*path, 0), UNKNOWN, ".".join(path)))
    if "registration" in document:
        path = ("registration", "initial_coverage")
        found.append(Case("unknown reference", (*path, UNKNOWN), 0.5, ".".join(path)))
    return found
