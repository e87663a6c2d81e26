"""Reproduce a run from its manifest: the scenario as run, its seed and keys, run again."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import ScenarioError
from sim.model.version import MODEL_VERSION
from sim.runs import layout
from sim.runs.runner import run_to_disk
from sim.runs.store import RUN_KEYS
from sim.scenario.files import scenario_from_data

UNVERSIONED = "1.0"  # manifests written before model versions were recorded


@dataclass(frozen=True)
class Rerun:
    """A run made again from a manifest, and how it compares with the original."""

    run_dir: Path
    original_dir: Path
    recorded_version: str
    identical: bool | None  # None: the original tables are not beside the manifest

    @property
    def same_model(self) -> bool:
        """Whether the installed model version is the one that wrote the manifest."""
        return self.recorded_version == MODEL_VERSION


def _results(path: Path) -> pa.Table:
    """A stored table without the run-key labels (a rerun has its own run id)."""
    table = pq.read_table(path)
    labels = [name for name, _, _ in RUN_KEYS if name in table.column_names]
    return table.drop_columns(labels)


def rerun(manifest_path: Path, out: Path) -> Rerun:
    """Run the manifest's scenario again with its seed and keys into `out`; compare tables."""
    manifest_path = Path(manifest_path)
    if manifest_path.is_dir():
        manifest_path = manifest_path / layout.MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text())
        data, seed = manifest["scenario"], int(manifest["seed"])
        keys = tuple(int(k) for k in manifest.get("seed_keys", []))
    except FileNotFoundError:
        raise ScenarioError(f"{manifest_path}: file not found") from None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ScenarioError(
            f"{manifest_path}: not a run manifest (need scenario, seed; {error})"
        ) from None
    original = manifest_path.parent
    if Path(out).resolve() == original.parent.resolve():
        raise ScenarioError(
            f"--out {out}: holds the original run; choose another directory to rerun into"
        )
    scenario = scenario_from_data(data, str(manifest_path))
    run_keys = {
        "experiment": manifest.get("experiment", "") or "",
        "design": manifest.get("design", "") or "",
        "point": int(manifest.get("point", -1)),
        "replicate": int(manifest.get("replicate", -1)),
        "seed": seed,
    }
    run_dir = run_to_disk(scenario, Path(out), seed=seed, keys=keys, run_keys=run_keys)
    identical = None
    if all((original / name).is_file() for name in (layout.TIMESERIES, layout.AGENTS)):
        identical = all(
            _results(original / name).equals(_results(run_dir / name))
            for name in (layout.TIMESERIES, layout.AGENTS)
        )
    return Rerun(
        run_dir=run_dir,
        original_dir=original,
        recorded_version=str(manifest.get("model_version", UNVERSIONED)),
        identical=identical,
    )
