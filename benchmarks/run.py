"""Benchmark the model: speed, setup and memory at national scale, against per-agent Mesa.

    uv run python -m benchmarks.run            # the figures of docs/performance.md (minutes)
    uv run python -m benchmarks.run --quick    # tiny sizes, seconds: checks the code runs

Every timed model runs in a fresh spawned interpreter, so sizes do not share memory. Prints
markdown tables and writes results/benchmarks/benchmark.json (benchmark_quick.json with
--quick). Ratios (speed-up, cost growth, parallel gain) are measured within one run, so they
hold better than the absolute rates on a shared machine; the load average is recorded.
"""

from __future__ import annotations

import argparse
import json
import operator
import os
import platform
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import measure
from benchmarks.scenarios import FULL_MODELS, GOVERNMENT_MODELS, ROOT, full_model_source

RESULTS = ROOT / "results" / "benchmarks"
RELATIONS = {"<": operator.lt, "<=": operator.le, ">=": operator.ge}


@dataclass(frozen=True)
class Plan:
    """What to measure: sizes and steps of every part of the benchmark."""

    full_sizes: tuple[int, ...]
    full_steps: int
    core_sizes: tuple[int, ...]
    core_steps: int
    per_agent_steps: dict[int, int]
    sweep_runs: int | None  # None: as in experiments/benchmark.toml
    sweep_citizens: int | None
    sweep_steps: int | None
    sweep_workers: tuple[int, ...] = (1, 2)
    repeat: bool = True  # time the core rule and the sweep twice, in mirrored order
    evaluate_targets: bool = True
    fresh_processes: bool = True
    scale_sizes: tuple[int, int] = field(default=(100_000, 1_000_000))
    huge_citizens: int = 10_000_000
    small_sweep_runs: int | None = None  # None: as in experiments/benchmark_small.toml
    small_sweep_citizens: int | None = None
    small_sweep_steps: int | None = None


PLAN = Plan(
    full_sizes=(10_000, 100_000, 1_000_000),
    full_steps=120,
    core_sizes=(10_000, 100_000),
    core_steps=120,
    per_agent_steps={10_000: 24, 100_000: 12},
    sweep_runs=None,
    sweep_citizens=None,
    sweep_steps=None,
)
QUICK_PLAN = Plan(
    full_sizes=(500, 1_000, 2_000),
    full_steps=4,
    core_sizes=(500, 1_000),
    core_steps=4,
    per_agent_steps={500: 2, 1_000: 2},
    sweep_runs=4,
    sweep_citizens=500,
    sweep_steps=3,
    repeat=False,
    evaluate_targets=False,
    fresh_processes=False,
    scale_sizes=(1_000, 2_000),
    huge_citizens=4_000,
    small_sweep_runs=4,
    small_sweep_citizens=500,
    small_sweep_steps=3,
)
# Issue figures this round's targets are relative to (this 2-core machine, one run each).
SMALL_RUNS_PER_HOUR_BEFORE = 2.2 * 3600  # 24-run sweep of 10,000-citizen runs: 2.2 runs/s


def environment() -> dict[str, Any]:
    """The machine and software the figures come from."""
    import mesa
    import numpy

    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {
        "started_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "mesa": mesa.__version__,
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
        "load_average_start": os.getloadavg(),
        "full_model_scenarios": {name: full_model_source(name) for name in FULL_MODELS},
    }


def _measured(plan: Plan, function: Any, *args: Any) -> dict[str, Any]:
    """Run a measurement in a fresh process, or here when the plan says so (--quick)."""
    if plan.fresh_processes:
        return measure.in_fresh_process(function, *args)
    return function(*args)


def measure_full_model(plan: Plan) -> list[dict[str, Any]]:
    """The full model at each size, each in a fresh process."""
    rows = []
    for name in FULL_MODELS:
        for citizens in plan.full_sizes:
            row = _measured(plan, measure.full_model, citizens, plan.full_steps, name)
            rows.append(row)
            print(f"  {name} {citizens:>9,} citizens: {row['run_seconds']:.1f} s", flush=True)
    return rows


def measure_departments(plan: Plan) -> dict[str, Any]:
    """National with trust and rollout on, with and without departments, at the large size.

    Timed alternately (without, with, with, without when the plan repeats) in fresh
    processes; the fastest of each is compared.
    """
    citizens = plan.scale_sizes[1]
    trust, departments = GOVERNMENT_MODELS
    order = (trust, departments, departments, trust) if plan.repeat else GOVERNMENT_MODELS
    runs: dict[str, list[dict[str, Any]]] = {trust: [], departments: []}
    for name in order:
        row = _measured(plan, measure.full_model, citizens, plan.full_steps, name)
        runs[name].append(row)
        print(f"  {name} {citizens:,} citizens: {row['run_seconds']:.1f} s", flush=True)
    best = {name: min(rows, key=lambda r: r["run_seconds"]) for name, rows in runs.items()}
    return {
        "citizens": citizens,
        "steps": plan.full_steps,
        "runs": runs,
        "ratio": best[departments]["run_seconds"] / best[trust]["run_seconds"],
        "ratio_cpu": best[departments]["run_cpu_seconds"] / best[trust]["run_cpu_seconds"],
    }


def measure_scale(plan: Plan, million: dict[str, Any]) -> dict[str, Any]:
    """National at `plan.huge_citizens` (10 million), against the same at 1 million."""
    row = _measured(plan, measure.full_model, plan.huge_citizens, plan.full_steps)
    print(
        f"  national_2018 {plan.huge_citizens:,} citizens: {row['run_seconds']:.1f} s", flush=True
    )
    model_mb = row["peak_rss_mb"] - row["rss_before_model_mb"]
    return {
        **row,
        "model_bytes_per_agent": model_mb * 2**20 / row["agents"],
        "million_bytes_per_agent": (million["peak_rss_mb"] - million["rss_before_model_mb"])
        * 2**20
        / million["agents"],
        "cost_ratio_cpu": (row["run_cpu_seconds"] / row["agent_steps"])
        / (million["run_cpu_seconds"] / million["agent_steps"]),
    }


def measure_small_runs(plan: Plan) -> dict[str, Any]:
    """Small runs in a real sweep written to disk, on 2 workers: runs per hour."""
    timing = measure.sweep(
        2,
        plan.small_sweep_runs,
        plan.small_sweep_citizens,
        plan.small_sweep_steps,
        measure.SMALL_SWEEP_EXPERIMENT,
    )
    print(f"  small sweep: {timing['runs']} runs in {timing['seconds']:.1f} s", flush=True)
    return timing


def measure_start() -> list[dict[str, Any]]:
    """Start-up of the command line: `--help` and `validate` of the national scenario."""
    rows = [
        measure.command_start(["--help"]),
        measure.command_start(["validate", "scenarios/national_2018.toml"]),
    ]
    for row in rows:
        print(f"  {row['command']}: {row['seconds']:.2f} s", flush=True)
    return rows


def measure_core_rule(plan: Plan) -> list[dict[str, Any]]:
    """Per-agent Mesa and the array model on the core rule, side by side at each size.

    With `plan.repeat`, each is timed twice in mirrored order (array, per-agent, per-agent,
    array) and the faster run of each kept.
    """
    kinds = {
        "array": (measure.vectorised_core_rule, lambda citizens: plan.core_steps),
        "per_agent": (measure.per_agent_core_rule, plan.per_agent_steps.__getitem__),
    }
    order = ["array", "per_agent", "per_agent", "array"] if plan.repeat else list(kinds)
    rows = []
    for citizens in plan.core_sizes:
        runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in kinds}
        for kind in order:
            function, steps = kinds[kind]
            runs[kind].append(_measured(plan, function, citizens, steps(citizens)))
        array, per_agent = (
            max(runs[kind], key=lambda run: run["agent_steps_per_second"]) for kind in kinds
        )
        rows.append(
            {
                "citizens": citizens,
                "array": array,
                "per_agent": per_agent,
                "speedup": array["agent_steps_per_second"] / per_agent["agent_steps_per_second"],
                "speedup_cpu": array["agent_steps_per_cpu_second"]
                / per_agent["agent_steps_per_cpu_second"],
                "all_agent_steps_per_second": {
                    kind: [run["agent_steps_per_second"] for run in runs[kind]] for kind in kinds
                },
            }
        )
        print(f"  core rule {citizens:>9,} citizens: x{rows[-1]['speedup']:.0f}", flush=True)
    return rows


def measure_sweep(plan: Plan) -> dict[str, Any]:
    """The same sweep on 1 and on 2 workers; with `plan.repeat`, 1, 2, 2, 1 and the faster.

    Timing each twice, in mirrored order, keeps a change in the machine's load from
    favouring one worker count.
    """
    order = [*plan.sweep_workers, *reversed(plan.sweep_workers)]
    timings: dict[int, list[dict[str, Any]]] = {workers: [] for workers in plan.sweep_workers}
    for workers in order[: len(order) if plan.repeat else len(plan.sweep_workers)]:
        timing = measure.sweep(workers, plan.sweep_runs, plan.sweep_citizens, plan.sweep_steps)
        timings[workers].append(timing)
        print(f"  sweep on {workers} worker(s): {timing['seconds']:.1f} s", flush=True)
    best = {k: min(v, key=lambda timing: timing["seconds"]) for k, v in timings.items()}
    one, two = plan.sweep_workers[0], plan.sweep_workers[-1]
    return {
        "runs": best[one]["runs"],
        "citizens": best[one]["citizens"],
        "steps": best[one]["steps"],
        "by_workers": {str(k): v for k, v in best.items()},
        "all_seconds": {str(k): [t["seconds"] for t in v] for k, v in timings.items()},
        "speedup": best[one]["seconds"] / best[two]["seconds"],
    }


def _per_agent_step(row: dict[str, Any], key: str) -> float:
    return row[key] / row["agent_steps"]


def cost_growth(full: list[dict[str, Any]], sizes: tuple[int, int], name: str) -> dict[str, float]:
    """Cost per agent-step at the larger size relative to the smaller (1 = linear)."""
    by_size = {row["citizens"]: row for row in full if row["scenario"] == name}
    small, large = by_size[sizes[0]], by_size[sizes[1]]
    return {
        "scenario": name,
        "from_citizens": sizes[0],
        "to_citizens": sizes[1],
        "ratio": _per_agent_step(large, "run_seconds") / _per_agent_step(small, "run_seconds"),
        "ratio_cpu": _per_agent_step(large, "run_cpu_seconds")
        / _per_agent_step(small, "run_cpu_seconds"),
    }


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's targets, each with the value measured and whether it is met."""
    core = {row["citizens"]: row for row in report["core_rule"]}
    checks = []
    for name in FULL_MODELS:
        million = next(
            row
            for row in report["full_model"]
            if row["scenario"] == name and row["citizens"] == 1_000_000
        )
        growth = next(g for g in report["cost_growth"] if g["scenario"] == name)
        checks += [
            (f"{name}, 1M: 120 steps (wall s)", million["run_seconds"], "<", 20.0),
            (f"{name}, 1M: 120 steps (CPU s)", million["run_cpu_seconds"], "<", 20.0),
            (f"{name}, 1M: setup (wall s)", million["setup_seconds"], "<", 3.0),
            (f"{name}, 1M: setup (CPU s)", million["setup_cpu_seconds"], "<", 3.0),
            (f"{name}, 1M: peak memory (MB)", million["peak_rss_mb"], "<", 1024.0),
            (f"{name}: cost per agent-step 1M / 100k (wall)", growth["ratio"], "<=", 1.5),
            (f"{name}: cost per agent-step 1M / 100k (CPU)", growth["ratio_cpu"], "<=", 1.5),
        ]
    full = {(row["scenario"], row["citizens"]): row for row in report["full_model"]}
    with_lists = full[("national_2018_lists", 1_000_000)]["run_seconds"]
    national = full[("national_2018", 1_000_000)]["run_seconds"]
    checks.append(
        ("national with its lists / national, 1M x 120 (wall)", with_lists / national, "<=", 1.5)
    )
    departments = report["departments"]
    checks += [
        ("national with departments / without, 1M x 120 (wall)", departments["ratio"], "<=", 1.25),
        (
            "national with departments / without, 1M x 120 (CPU)",
            departments["ratio_cpu"],
            "<=",
            1.25,
        ),
        ("core rule, 100k: speed-up vs per-agent (wall)", core[100_000]["speedup"], ">=", 50.0),
        ("core rule, 100k: speed-up vs per-agent (CPU)", core[100_000]["speedup_cpu"], ">=", 50.0),
        ("sweep: 2 workers vs 1 (speed-up)", report["sweep"]["speedup"], ">=", 1.8),
    ]
    national_cpu_ns = 1e9 / full[("national_2018", 1_000_000)]["agent_steps_per_cpu_second"]
    all_cpu_ns = 1e9 / full[("all_mechanisms", 1_000_000)]["agent_steps_per_cpu_second"]
    scale, small = report["scale"], report["small_runs"]
    checks += [
        ("national, 1M: ns per agent-step (CPU)", national_cpu_ns, "<=", 45.0),
        ("all mechanisms, 1M: ns per agent-step (CPU)", all_cpu_ns, "<=", 70.0),
        (
            "core rule, 100k: speed-up vs per-agent (CPU), round 2",
            core[100_000]["speedup_cpu"],
            ">=",
            100.0,
        ),
        ("national, 10M: peak memory (MB)", scale["peak_rss_mb"], "<", 3072.0),
        ("national, 10M: model bytes per agent", scale["model_bytes_per_agent"], "<=", 200.0),
        ("national, 1M: model bytes per agent", scale["million_bytes_per_agent"], "<=", 200.0),
        ("national: CPU per agent-step 10M / 1M", scale["cost_ratio_cpu"], "<=", 1.2),
        (
            "small runs (10k x 120, 2 workers): runs per hour / before",
            small["runs_per_hour"] / SMALL_RUNS_PER_HOUR_BEFORE,
            ">=",
            3.0,
        ),
    ]
    checks += [
        (f"start: {row['command']} (s)", row["seconds"], "<", 0.5) for row in report["start"]
    ]
    return [
        {
            "target": name,
            "value": value,
            "bound": f"{relation} {bound:g}",
            "met": bool(RELATIONS[relation](value, bound)),
        }
        for name, value, relation, bound in checks
    ]


def _table(header: list[str], rows: list[list[str]]) -> str:
    rule = "|---|" + "".join("---:|" for _ in header[1:])
    lines = ["| " + " | ".join(header) + " |", rule]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def render(report: dict[str, Any]) -> str:
    """The report as markdown tables."""
    env = report["environment"]
    steps = report["full_model"][0]["steps"]
    sources = "; ".join(f"{k}: {v}" for k, v in env["full_model_scenarios"].items())
    parts = [
        f"Full model ({steps} monthly steps, citizens + 5% as many firms; agent-steps count "
        f"citizens and firms; {sources}):",
        "",
        _table(
            [
                "scenario",
                "citizens",
                "agents",
                "setup wall / CPU (s)",
                "run (s)",
                "run CPU (s)",
                "agent-steps/s",
                "ns / agent-step (CPU)",
                "peak RSS (MB)",
                "of which model (MB)",
            ],
            [
                [
                    row["scenario"],
                    f"{row['citizens']:,}",
                    f"{row['agents']:,}",
                    f"{row['setup_seconds']:.2f} / {row['setup_cpu_seconds']:.2f}",
                    f"{row['run_seconds']:.2f}",
                    f"{row['run_cpu_seconds']:.2f}",
                    f"{row['agent_steps_per_second'] / 1e6:.2f} M",
                    f"{1e9 / row['agent_steps_per_cpu_second']:.0f}",
                    f"{row['peak_rss_mb']:.0f}",
                    f"{row['peak_rss_mb'] - row['rss_before_model_mb']:.0f}",
                ]
                for row in report["full_model"]
            ],
        ),
        "",
        "Core rule (decide, detect, score, list; one city, one violation, no firms): "
        "per-agent Mesa vs the array model:",
        "",
        _table(
            [
                "citizens",
                "per-agent steps",
                "per-agent agent-steps/s",
                "array steps",
                "array agent-steps/s",
                "speed-up (wall)",
                "speed-up (CPU)",
            ],
            [
                [
                    f"{row['citizens']:,}",
                    str(row["per_agent"]["steps"]),
                    f"{row['per_agent']['agent_steps_per_second'] / 1e3:.0f} k",
                    str(row["array"]["steps"]),
                    f"{row['array']['agent_steps_per_second'] / 1e6:.2f} M",
                    f"{row['speedup']:.0f}x",
                    f"{row['speedup_cpu']:.0f}x",
                ]
                for row in report["core_rule"]
            ],
        ),
        "",
    ]
    for growth in report["cost_growth"]:
        parts.append(
            f"- {growth['scenario']}: cost per agent-step at {growth['to_citizens']:,} relative "
            f"to {growth['from_citizens']:,} citizens: {growth['ratio']:.2f} (wall), "
            f"{growth['ratio_cpu']:.2f} (CPU)."
        )
    departments = report["departments"]
    times = {
        name: "/".join(f"{row['run_seconds']:.1f}" for row in rows)
        for name, rows in departments["runs"].items()
    }
    parts.append(
        f"- National at {departments['citizens']:,} citizens x {departments['steps']} months "
        "with awareness, legitimacy and rollout on (benchmarks/scenarios.py TRUST_OVERRIDES), "
        "without and with 31 scored departments: "
        + ", ".join(f"{name} {t} s" for name, t in times.items())
        + f"; with / without {departments['ratio']:.2f} (wall), "
        f"{departments['ratio_cpu']:.2f} (CPU), fastest of each."
    )
    scale = report["scale"]
    parts.append(
        f"- National at {scale['citizens']:,} citizens ({scale['agents']:,} agents) x "
        f"{scale['steps']} months: setup {scale['setup_seconds']:.1f} s, run "
        f"{scale['run_seconds']:.1f} s ({scale['run_cpu_seconds']:.1f} s CPU, "
        f"{1e9 / scale['agent_steps_per_cpu_second']:.0f} ns per agent-step), peak "
        f"{scale['peak_rss_mb']:.0f} MB; model {scale['model_bytes_per_agent']:.0f} bytes per "
        f"agent ({scale['million_bytes_per_agent']:.0f} at 1M); CPU per agent-step "
        f"{scale['cost_ratio_cpu']:.2f} x that at 1M."
    )
    small = report["small_runs"]
    parts.append(
        f"- Small runs (experiments/benchmark_small.toml: {small['runs']} runs of "
        f"{small['citizens']:,} citizens x {small['steps']} months, written to disk, 2 workers "
        f"with {small['cores_used']:.2f} cores): {small['seconds']:.1f} s, "
        f"{small['runs_per_hour']:,.0f} runs per hour."
    )
    parts.append(
        "- Start-up (fastest of 3): "
        + ", ".join(f"`{row['command']}` {row['seconds']:.2f} s" for row in report["start"])
        + "."
    )
    sweep = report["sweep"]
    seconds = {k: "/".join(f"{t:.1f}" for t in v) for k, v in sweep["all_seconds"].items()}
    parts.append(
        f"- Sweep of {sweep['runs']} runs (experiments/benchmark.toml: {sweep['citizens']:,} "
        f"citizens, {sweep['steps']} steps, sim.experiments.sweep on a spawn process pool): "
        + ", ".join(f"{k} worker(s) {v} s" for k, v in seconds.items())
        + f"; speed-up {sweep['speedup']:.2f} (fastest of each); the workers got "
        + ", ".join(
            f"{v['cores_used']:.2f} cores ({k} worker(s))" for k, v in sweep["by_workers"].items()
        )
        + "."
    )
    parts.append(
        f"- Load average (1, 5, 15 min) at start {_load(env['load_average_start'])}, "
        f"at end {_load(report['load_average_end'])}; {env['cpu_count']} CPUs; "
        f"commit {env['commit']}; {env['started_utc']}."
    )
    if report["targets"]:
        parts += [
            "",
            _table(
                ["target", "measured", "bound", "met"],
                [
                    [t["target"], f"{t['value']:.2f}", t["bound"], "yes" if t["met"] else "no"]
                    for t in report["targets"]
                ],
            ),
        ]
    return "\n".join(parts)


def _load(values: list[float] | tuple[float, ...]) -> str:
    return "/".join(f"{v:.1f}" for v in values)


def run(plan: Plan, out: Path) -> dict[str, Any]:
    """Measure everything in the plan, write the JSON report and return it."""
    started = time.perf_counter()
    report: dict[str, Any] = {"environment": environment(), "plan": asdict(plan)}
    report["full_model"] = measure_full_model(plan)
    report["core_rule"] = measure_core_rule(plan)
    report["cost_growth"] = [
        cost_growth(report["full_model"], plan.scale_sizes, name) for name in FULL_MODELS
    ]
    report["departments"] = measure_departments(plan)
    million = next(
        row
        for row in report["full_model"]
        if row["scenario"] == "national_2018" and row["citizens"] == plan.scale_sizes[1]
    )
    report["scale"] = measure_scale(plan, million)
    report["small_runs"] = measure_small_runs(plan)
    report["start"] = measure_start()
    report["sweep"] = measure_sweep(plan)
    report["load_average_end"] = os.getloadavg()
    report["benchmark_seconds"] = time.perf_counter() - started
    report["targets"] = targets(report) if plan.evaluate_targets else []
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(f".{out.name}.tmp")
    staging.write_text(json.dumps(report, indent=2, default=str))
    staging.replace(out)
    return report


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Parse arguments, run the benchmark, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (seconds)")
    parser.add_argument("--out", type=Path, help="JSON report path")
    args = parser.parse_args(argv)
    plan = QUICK_PLAN if args.quick else PLAN
    out = args.out or RESULTS / ("benchmark_quick.json" if args.quick else "benchmark.json")
    report = run(plan, out)
    print()
    print(render(report))
    print(f"\nwritten {out}")
    return report


if __name__ == "__main__":
    main()
