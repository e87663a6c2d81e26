"""The one error class for user mistakes, and its wording of pydantic errors."""

from __future__ import annotations

import difflib
import re
import typing
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pydantic is imported where a message is worded: the CLI starts faster
    from pydantic import BaseModel, ValidationError
    from pydantic.fields import FieldInfo

RELATIVE_KEY = re.compile(r"^[A-Za-z_][\w.]*(?= =|:)")


RANGE_ERRORS = {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}


class ScenarioError(Exception):
    """A user's input is wrong: a file, a key, a value. Printed without a traceback, exit 2."""


class RunFailure(Exception):
    """Work stopped for a reason outside the input (a worker died): no traceback, exit 1."""


UnitOf = Callable[["type[BaseModel]", str, "FieldInfo"], str]


def _closest_key(key: str, keys: Iterable[str]) -> str:
    """' did you mean `x`?' for the closest known key (the scenario layer words names alike)."""
    close = difflib.get_close_matches(str(key), [str(k) for k in keys], n=1, cutoff=0.6)
    return f" did you mean `{close[0]}`?" if close else ""


def _model_of(annotation: object) -> type[BaseModel] | None:
    """The pydantic model inside an annotation (X, X | None, dict[str, X], list[X])."""
    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        found = _model_of(argument)
        if found is not None:
            return found
    return None


def field_at(model: type[BaseModel], location: tuple) -> tuple[type[BaseModel], str] | None:
    """(model, key) of the field a pydantic error location points at, if it is a field."""
    current: type[BaseModel] | None = model
    key = None
    for part in location:
        if current is None:
            return None
        if isinstance(part, str) and part in current.model_fields:
            key = part
            owner = current
            current = _model_of(current.model_fields[part].annotation)
        elif key is not None:
            continue  # a name of a named table, or a list position: stay in the entry model
        else:
            return None
    return (owner, key) if key is not None else None


def _plain(value: float) -> str:
    """A bound in plain decimals (20000000, 0.5, 0.0001): never 2e+07."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.12f}".rstrip("0").rstrip(".")


def _full_range(info: FieldInfo) -> str:
    """The field's whole allowed range, e.g. [0, 1] or >= 0."""
    import annotated_types

    low = high = None
    for item in info.metadata:
        if isinstance(item, annotated_types.Ge):
            low = f"[{_plain(item.ge)}"
        elif isinstance(item, annotated_types.Gt):
            low = f"({_plain(item.gt)}"
        elif isinstance(item, annotated_types.Le):
            high = f"{_plain(item.le)}]"
        elif isinstance(item, annotated_types.Lt):
            high = f"{_plain(item.lt)})"
    if low and high:
        return f"{low}, {high}"
    if low:
        return (">= " if low[0] == "[" else "> ") + low[1:]
    if high:
        return ("<= " if high[-1] == "]" else "< ") + high[:-1]
    return ""


def _allowed(
    error: dict, model: type[BaseModel] | None = None, unit_of: UnitOf | None = None
) -> str:
    """Describe what a pydantic error says is allowed (with the field's range and unit)."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    location = tuple(error.get("loc", ()))
    if kind == "extra_forbidden":
        hint = ""
        if model is not None and len(location) > 1:
            parent = field_at(model, location[:-1])
            owner = _model_of(parent[0].model_fields[parent[1]].annotation) if parent else None
            hint = _closest_key(location[-1], owner.model_fields) if owner else ""
        elif model is not None:
            hint = _closest_key(location[-1], model.model_fields) if location else ""
        if hint:
            return f"unknown key;{hint} (check the spelling; see `creditsim schema`)"
        return "unknown key (check the spelling; see `creditsim schema`)"
    found = field_at(model, location) if model is not None else None
    if found is not None and kind in RANGE_ERRORS:
        owner, key = found
        info = owner.model_fields[key]
        whole = _full_range(info)
        unit = unit_of(owner, key, info) if unit_of else ""
        if whole:
            return f"allowed: {whole}" + (f" ({unit})" if unit and unit != "-" else "")
    if kind == "missing":
        return "required key is missing"
    if "ge" in ctx or "gt" in ctx or "le" in ctx or "lt" in ctx:
        low = f">= {ctx['ge']}" if "ge" in ctx else f"> {ctx['gt']}" if "gt" in ctx else ""
        high = f"<= {ctx['le']}" if "le" in ctx else f"< {ctx['lt']}" if "lt" in ctx else ""
        return "allowed: " + " and ".join(part for part in (low, high) if part)
    if kind == "literal_error" and "expected" in ctx:
        return f"allowed: {ctx['expected']}"
    return error.get("msg", "invalid value")


def describe_validation_error(
    source: str,
    error: ValidationError,
    model: type[BaseModel] | None = None,
    unit_of: UnitOf | None = None,
) -> str:
    """One message per problem: file, key path, value given and what is allowed.

    With the validated `model`, an unknown key gets the closest known key ("did you mean")
    and a value out of range the field's whole range (with its unit, from `unit_of`).
    """
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
        lines.append(f"{source}: {location}{shown}: {_allowed(item, model, unit_of)}")
    return "\n".join(lines)
