"""Scenario discovery and design search in words and plain numbers, for the terminal.

No scientific notation: shares in per cent, people as "4.14 M", small numbers to three
significant digits.
"""

from __future__ import annotations

import math
from collections.abc import Collection

import pandas as pd

from sim.outputs.labels import formatted, is_percent, label, p_value, plain_number

SIGNIFICANT_QP = 0.05


def short_name(key: str) -> str:
    """A dotted scenario key or lever column as its last part, e.g. "duration_months"."""
    return key.removeprefix("lever.").split(".")[-1]


def box_lines(
    limits: pd.DataFrame, cases: int, points: int, coverage: float, density: float,
    description: str, chosen: int,
) -> list[str]:  # fmt: skip
    """The chosen PRIM box: the cases, coverage and density, then each restricted limit."""
    lines = [
        f"cases of interest: {description}: {cases} of {points} points",
        f"chosen box {chosen}: coverage {coverage:.0%} of the cases, density {density:.0%} "
        f"(base rate {cases / points:.0%})",
    ]
    rows = box_rows(limits)
    if rows.empty:
        lines.append("the box restricts no factor: the cases are spread over the whole space")
    for row in rows.to_dict("records"):
        where = f"in {row['box']}" if row["box"].startswith("{") else f"from {row['box']}"
        note = "; may be noise: more points would tell" if row["note"] else ""
        lines.append(
            f"  {row['factor']} {where} (sampled {row['sampled']}); qp {row['quasi-p-value']}{note}"
        )
    return lines


def _gap(value: float, name: str, percent: Collection[str]) -> str:
    """A regret: percentage points for a share, else a plain number."""
    if not math.isfinite(value):
        return "n/a"
    return f"{value * 100:.2f} pp" if is_percent(name, percent) else plain_number(value)


def front_rows(
    front: pd.DataFrame, objectives: list[str], percent: Collection[str] = ()
) -> pd.DataFrame:
    """The front as text columns, best on the first objective first."""
    levers = [c for c in front.columns if c.startswith("lever.")]
    order = front.sort_values(objectives[0], ascending=False).reset_index(drop=True)
    table = pd.DataFrame({"candidate": order["candidate"]})
    for column in levers:
        table[short_name(column)] = [
            value if isinstance(value, bool | str) else plain_number(float(value))
            for value in order[column]
        ]
    for name in objectives:
        table[label(name, percent).split(",")[0]] = [
            formatted(float(v), name, percent) for v in order[name]
        ]
    return table


def box_rows(limits: pd.DataFrame) -> pd.DataFrame:
    """The restricted limits of a PRIM box as text columns."""
    rows = []
    for row in limits[limits["restricted"]].itertuples(index=False):
        values = [q for q in (row.qp_low, row.qp_high) if not math.isnan(q)]
        qp = min(values) if values else math.nan
        if row.levels:
            box, sampled = f"{{{row.levels}}}", f"{{{row.sampled_levels}}}"
        else:
            box = f"{plain_number(row.low)} to {plain_number(row.high)}"
            sampled = f"{plain_number(row.sampled_low)} to {plain_number(row.sampled_high)}"
        note = "may be noise" if qp > SIGNIFICANT_QP else ""
        rows.append({"factor": row.factor, "box": box, "sampled": sampled,
                     "quasi-p-value": p_value(qp), "note": note})  # fmt: skip
    return pd.DataFrame(rows, columns=["factor", "box", "sampled", "quasi-p-value", "note"])


def front_text(
    front: pd.DataFrame,
    candidates: int,
    objectives: list[str],
    robustness: pd.DataFrame | None,
    percent: Collection[str] = (),
) -> str:
    """The front, one design per line, best on the first objective first; then robustness."""
    order = front.sort_values(objectives[0], ascending=False).reset_index(drop=True)
    table = front_rows(front, objectives, percent)
    text = f"front: {len(front)} of {candidates} candidates are not beaten on every objective\n"
    text += table.to_string(index=False)
    if robustness is not None and len(robustness):
        rows = pd.DataFrame({"candidate": order["candidate"]})
        for name in objectives:
            part = robustness[robustness["objective"] == name].set_index("candidate")
            title = label(name, percent).split(",")[0]
            rows[f"{title}: worst"] = [
                formatted(float(part.loc[c, "worst"]), name, percent) for c in rows["candidate"]
            ]
            rows[f"{title}: regret"] = [
                _gap(float(part.loc[c, "max_regret"]), name, percent) for c in rows["candidate"]
            ]
        points = int(robustness["points"].max())
        text += (
            f"\n\nacross {points} conditions of the uncertainty ensemble (worst value; regret: "
            "the most it falls behind the best front design under the same conditions):\n"
        )
        text += rows.to_string(index=False)
    return text
