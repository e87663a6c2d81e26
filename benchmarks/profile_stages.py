"""Where the time goes: the model's setup and step, profiled stage by stage.

    uv run python -m benchmarks.profile_stages                       # 1M citizens, 120 steps
    uv run python -m benchmarks.profile_stages --citizens 100000 --scenario all_mechanisms
    uv run python -m benchmarks.profile_stages --citizens 100000 --scenario core_rule

Runs the full model under cProfile and reports, for every function that `CreditModel.__init__`
and `CreditModel.step` call directly, its calls and cumulative time from those call sites, so
the table follows the stages as the model calls them; then the same one level down for the
costliest stage, `sim.model.stages.behave.behave`. Writes
results/benchmarks/profile_<scenario>_<citizens>.json.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import time
from pathlib import Path
from typing import Any

from benchmarks.scenarios import FULL_MODELS, ROOT, core_rule_scenario, full_model_scenario
from sim.model.model import CreditModel
from sim.seeding import make_generator

RESULTS = ROOT / "results" / "benchmarks"
CORE_RULE = "core_rule"
MODEL_FILE = str(Path(CreditModel.__module__.replace(".", "/") + ".py"))
BEHAVE_FILE = "sim/model/stages/behave.py"


def _label(function: tuple[str, int, str]) -> str:
    """`module.function` for a pstats key (file, line, name)."""
    filename, _, name = function
    path = Path(filename)
    if "sim" in path.parts:
        module = ".".join(path.parts[path.parts.index("sim") :]).removesuffix(".py")
        return f"{module}.{name}"
    if filename == "~":
        return name.strip("<>")
    return f"{path.stem}.{name}"


def callees_of(
    stats: pstats.Stats, caller_name: str, caller_file: str = MODEL_FILE
) -> list[dict[str, Any]]:
    """Direct callees of a function, by cumulative time at its call sites."""
    table = stats.stats  # type: ignore[attr-defined]
    callers = [key for key in table if key[2] == caller_name and key[0].endswith(caller_file)]
    rows, callees = [], []
    for callee, (_, _, _, _, callers_of_callee) in table.items():
        for caller in callers:
            if caller in callers_of_callee:
                _, calls, _, cumulative = callers_of_callee[caller]
                rows.append({"function": _label(callee), "calls": calls, "seconds": cumulative})
                callees.append(callee)
    total = sum(table[caller][3] for caller in callers)
    own = sum(table[caller][2] for caller in callers)
    rows.append({"function": f"({caller_name} itself)", "calls": 0, "seconds": own})
    labels = [row["function"] for row in rows]
    for row, callee in zip(rows, [*callees, None], strict=True):
        if callee is not None and labels.count(row["function"]) > 1:
            row["function"] += f" (line {callee[1]})"
    for row in rows:
        row["share"] = row["seconds"] / total if total else 0.0
    return sorted(rows, key=lambda row: -row["seconds"])


def profile(citizens: int, steps: int, name: str) -> dict[str, Any]:
    """Profile building and stepping a model; per-stage tables for both."""
    if name == CORE_RULE:
        scenario = core_rule_scenario(citizens, steps)
    else:
        scenario = full_model_scenario(citizens, steps, name)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    model = CreditModel(scenario, rng=make_generator(1))
    for _ in range(steps):
        model.step()
    profiler.disable()
    wall = time.perf_counter() - started
    stats = pstats.Stats(profiler)
    return {
        "scenario": name,
        "citizens": citizens,
        "firms": model.firms.size,
        "steps": steps,
        "profiled_wall_seconds": wall,
        "setup": callees_of(stats, "__init__"),
        "step": callees_of(stats, "step"),
        "behave": callees_of(stats, "behave", BEHAVE_FILE),
    }


def render(report: dict[str, Any]) -> str:
    """Both tables as markdown."""
    parts = [
        f"{report['scenario']}, {report['citizens']:,} citizens + {report['firms']:,} firms, "
        f"{report['steps']} steps; {report['profiled_wall_seconds']:.1f} s under cProfile."
    ]
    for part, title in (
        ("step", "CreditModel.step"),
        ("behave", "sim.model.stages.behave.behave"),
        ("setup", "CreditModel.__init__"),
    ):
        parts += [
            "",
            f"{title}: direct callees, cumulative time at the call site",
            "",
            "| function | calls | seconds | share |",
            "|---|---:|---:|---:|",
        ]
        parts += [
            f"| {row['function']} | {row['calls']} | {row['seconds']:.2f} | "
            f"{100 * row['share']:.1f}% |"
            for row in report.get(part, [])
            if row["seconds"] >= 0.005
        ]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Parse arguments, profile, print and write the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=1_000_000)
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--scenario", choices=(*FULL_MODELS, CORE_RULE), default=FULL_MODELS[0])
    parser.add_argument("--out", type=Path, help="JSON path")
    args = parser.parse_args(argv)
    report = profile(args.citizens, args.steps, args.scenario)
    out = args.out or RESULTS / f"profile_{args.scenario}_{args.citizens}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(render(report))
    print(f"\nwritten {out}")
    return report


if __name__ == "__main__":
    main()
