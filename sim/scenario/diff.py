"""What differs between two scenarios, key by key, after inheritance and defaults."""

from __future__ import annotations

from typing import Any

from sim.scenario.schema import Scenario

ABSENT = "(absent)"


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted key path -> value for every leaf of nested tables (lists stay values)."""
    if not isinstance(data, dict) or (prefix and not data):
        return {prefix: data}
    leaves: dict[str, Any] = {}
    for key, value in data.items():
        leaves.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return leaves


def differences(first: Scenario, second: Scenario) -> list[tuple[str, Any, Any]]:
    """(key path, value in first, value in second) for every value that differs, sorted.

    Both scenarios are compared as run (defaults filled in), so a key one file sets to its
    default does not count as a difference; a key only one has is shown as ABSENT.
    """
    a = flatten(first.model_dump(mode="json"))
    b = flatten(second.model_dump(mode="json"))
    return [
        (key, a.get(key, ABSENT), b.get(key, ABSENT))
        for key in sorted(a.keys() | b.keys())
        if a.get(key, ABSENT) != b.get(key, ABSENT)
    ]
