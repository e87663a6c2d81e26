"""Every number and name a person reads, formatted in one place (charts, reports, app, docs)."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

FACTOR_PREFIX = "factor."
OUTCOME_PREFIX = "outcome."
UNITS = {
    "months": "months",
    "yuan": "yuan",
    "people": "people",
    "points": "points",
    "steps": "months",
}
PERCENT_WORDS = ("share", "rate", "compliance", "probability", "coverage", "detectability")


def factor_columns(summary: pd.DataFrame) -> list[str]:
    """The `factor.<key>` columns of a summary table, in table order."""
    return [c for c in summary.columns if c.startswith(FACTOR_PREFIX)]


def outcome_columns(summary: pd.DataFrame) -> list[str]:
    """The `outcome.<name>` columns of a summary table, in table order."""
    return [c for c in summary.columns if c.startswith(OUTCOME_PREFIX)]


def is_percent(name: str, percent: Collection[str] = ()) -> bool:
    """Whether a factor or outcome is a share (drawn in per cent).

    Args:
        name: Column name (`factor.<key>`, `outcome.<name>`) or bare outcome name.
        percent: Names known to be shares (e.g. outcomes whose metric is a share), with or
            without the `outcome.` prefix; others are judged by their name.
    """
    if name in percent or name.removeprefix(OUTCOME_PREFIX) in percent:
        return True
    last = name.split(".")[-1]
    if any(last.endswith(unit) for unit in UNITS) or "time_to" in last:
        return False
    return any(word in last for word in PERCENT_WORDS)


def label(name: str, percent: Collection[str] = ()) -> str:
    """Plain words for a factor or outcome column, with its unit."""
    parts = name.removeprefix(FACTOR_PREFIX).removeprefix(OUTCOME_PREFIX).split(".")
    words = parts[-1].split("_")
    unit = UNITS.get(words[-1]) if len(words) > 1 else None
    if unit:
        words = words[:-1]
    text = " ".join(words).capitalize()
    if len(parts) > 1:
        text += f" ({'.'.join(parts[:-1])})"
    if unit:
        text += f", {unit}"
    elif is_percent(name, percent):
        text += ", %"
    return text


def number_format(name: str, percent: Collection[str] = ()) -> str:
    """d3 number format for a factor or outcome: per cent for shares, else decimal notation.

    d3's `r` keeps 4 significant digits without an exponent: "1,806,000", "0.0006146",
    never "1.806e+6".
    """
    return ".1~%" if is_percent(name, percent) else ",.4~r"


def formatted(value: float, name: str, percent: Collection[str] = ()) -> str:
    """A factor's or outcome's value as text (per cent for shares)."""
    if value is None or not np.isfinite(value):
        return "n/a"
    return f"{value:.1%}" if is_percent(name, percent) else plain_number(value)


def plain_number(value: float, signed: bool = False) -> str:
    """A number as people write it, never in scientific notation.

    Millions as "1.23 M", thousands with separators ("12,345"), smaller numbers to three
    significant digits ("4.57", "0.000123"); `signed` adds "+" to positive values.
    """
    if value is None or not np.isfinite(value):
        return "n/a"
    sign = "+" if signed and value > 0 else ""
    magnitude = abs(value)
    if magnitude >= 1e6:
        return f"{sign}{value / 1e6:,.2f} M"
    if magnitude >= 1e3:
        return f"{sign}{value:,.0f}"
    if magnitude == 0:
        return "0"
    digits = min(max(2 - int(np.floor(np.log10(magnitude))), 0), 12)
    text = f"{value:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return sign + text if text not in ("0", "-0") else "0"


def p_value(value: float) -> str:
    """A (quasi-)p-value as people read it: "0.03", "0.002", "< 0.001"."""
    if value is None or not np.isfinite(value):
        return "n/a"
    return "< 0.001" if value < 0.001 else plain_number(value)


def human_number(value: float) -> str:
    """1.23 M, 45.6 k or 0.123."""
    magnitude = abs(value)
    if magnitude >= 1e6:
        return f"{value / 1e6:.2f} M"
    if magnitude >= 1e3:
        return f"{value / 1e3:.1f} k"
    return plain_number(value)


def percent(value: float) -> str:
    """A share as a percentage with one decimal ("n/a" when not finite)."""
    return f"{value:.1%}" if np.isfinite(value) else "n/a"


def people(value: float) -> str:
    """A head count with thousands separators."""
    return f"{value:,.0f}"


def difference(value: float, name: str, percent_names: Collection[str] = ()) -> str:
    """A signed difference: percentage points for shares, else four significant digits."""
    if not np.isfinite(value):
        return "n/a"
    if is_percent(name, percent_names):
        return f"{value * 100:+.2f}"
    return plain_number(value, signed=True)
