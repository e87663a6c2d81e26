"""Record the golden outputs: every bundled scenario at a fixed seed, and a 4-run sweep.

    python -m tests.golden.record      # rewrite tests/golden/expected/ (say why in the commit)

The golden test (`tests/system/test_golden.py`) reruns the same and compares tables and run
ids exactly; its expected values change only in commits that name the behaviour that changed.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = Path(__file__).resolve().parent / "expected"
SEED = 20260
OVERRIDES = {"population.citizens": 600, "simulation.steps": 6}
SWEEP = """
[experiment]
name = "golden_sweep"
scenario = "{scenario}"
replications = 2
seed = 11

[overrides]
"simulation.steps" = 8
"population.citizens" = 800

[levers]
"schemes.blacklist.blacklist_duration_months" = {{ values = [6, 24] }}

[outcomes.compliance]
metric = "compliance_rate"
statistic = "mean"
window = [-4, -1]
more_is_better = true

[outcomes.blacklisted]
metric = "blacklisted_share"
more_is_better = false
"""
SUMMARY_COLUMNS_IGNORED = ("error",)


def scenario_files() -> list[Path]:
    """The bundled scenarios, in name order."""
    return sorted((ROOT / "scenarios").glob("*.toml"))


def run_scenarios(out: Path) -> dict[str, Path]:
    """Run every bundled scenario into `out`; map scenario file stem -> run directory."""
    from sim import load_scenario, run_to_disk

    return {
        path.stem: run_to_disk(load_scenario(path, OVERRIDES), out, seed=SEED)
        for path in scenario_files()
    }


def run_sweep(out: Path) -> pd.DataFrame:
    """Run the 4-run golden sweep of the classroom scenario inline; its summary table."""
    from sim.experiments.executors import InlineExecutor
    from sim.experiments.experiment_file import load_experiment
    from sim.experiments.sweep import run_experiment

    experiment_file = out / "golden_sweep.toml"
    scenario = (ROOT / "scenarios" / "classroom.toml").as_posix()
    experiment_file.write_text(SWEEP.format(scenario=scenario))
    report = run_experiment(
        load_experiment(experiment_file), out, executor=InlineExecutor(), progress=False
    )
    return pq.read_table(report.results_dir / "summary.parquet").to_pandas()


def record() -> None:
    """Rewrite the expected outputs."""
    if EXPECTED.exists():
        shutil.rmtree(EXPECTED)
    EXPECTED.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as scratch:
        runs = run_scenarios(Path(scratch) / "runs")
        for stem, run_dir in runs.items():
            target = EXPECTED / stem
            target.mkdir()
            (target / "run_id").write_text(run_dir.name + "\n")
            for name in ("timeseries.parquet", "agents.parquet"):
                shutil.copy(run_dir / name, target / name)
        summary = run_sweep(Path(scratch))
        summary.to_parquet(EXPECTED / "summary.parquet", index=False)
    print(f"recorded {len(runs)} scenarios and the sweep in {EXPECTED}", file=sys.stderr)


if __name__ == "__main__":
    record()
