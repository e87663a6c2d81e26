"""The one error class for user mistakes, and its wording of pydantic errors."""

from __future__ import annotations

import re

from pydantic import ValidationError

RELATIVE_KEY = re.compile(r"^[A-Za-z_][\w.]*(?= =|:)")


class ScenarioError(Exception):
    """A user's input is wrong: a file, a key, a value. Printed without a traceback, exit 2."""


class RunFailure(Exception):
    """Work stopped for a reason outside the input (a worker died): no traceback, exit 1."""


def _allowed(error: dict) -> str:
    """Describe what a pydantic error says is allowed."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        return "unknown key (check the spelling; see `creditsim schema`)"
    if kind == "missing":
        return "required key is missing"
    if "ge" in ctx or "gt" in ctx or "le" in ctx or "lt" in ctx:
        low = f">= {ctx['ge']}" if "ge" in ctx else f"> {ctx['gt']}" if "gt" in ctx else ""
        high = f"<= {ctx['le']}" if "le" in ctx else f"< {ctx['lt']}" if "lt" in ctx else ""
        return "allowed: " + " and ".join(part for part in (low, high) if part)
    if kind == "literal_error" and "expected" in ctx:
        return f"allowed: {ctx['expected']}"
    return error.get("msg", "invalid value")


def describe_validation_error(source: str, error: ValidationError) -> str:
    """One message per problem: file, key path, value given and what is allowed."""
    lines = []
    for item in error.errors():
        location = ".".join(str(part) for part in item.get("loc", ()))
        kind = item.get("type", "")
        if kind == "value_error":
            message = str(item.get("msg", "")).removeprefix("Value error, ")
            if location and RELATIVE_KEY.match(message):
                lines.append(f"{source}: {location}.{message}")  # a key inside the table
                continue
            where = f" {location}:" if location else ""
            lines.append(f"{source}:{where} {message}")
            continue
        value = item.get("input")
        shown = "" if kind == "missing" or isinstance(value, dict) else f" = {value!r}"
        lines.append(f"{source}: {location}{shown}: {_allowed(item)}")
    return "\n".join(lines)
