"""`creditsim rerun <manifest>` reproduces a run bit for bit and names a model-version change."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
from helpers import make_scenario
from typer.testing import CliRunner

from sim.cli import app
from sim.model.version import MODEL_VERSION
from sim.runs.runner import run_to_disk

runner = CliRunner()


def original_run(tmp_path):
    scenario = make_scenario(
        simulation__steps=8,
        records__false_record_rate_per_month=0.01,
        migration__rate_per_month=0.02,
    )
    return run_to_disk(scenario, tmp_path / "runs", seed=13, keys=(2, 1))


def test_a_rerun_reproduces_both_tables_bit_for_bit(tmp_path):
    original = original_run(tmp_path)
    result = runner.invoke(
        app, ["rerun", str(original / "manifest.json"), "--out", str(tmp_path / "again")]
    )
    assert result.exit_code == 0, result.output
    rerun_dir = tmp_path / "again" / original.name
    assert result.output.strip().splitlines()[-1] == str(rerun_dir)
    assert "identical to" in result.output and "warning" not in result.output
    for name in ("timeseries.parquet", "agents.parquet"):
        assert pq.read_table(rerun_dir / name).equals(pq.read_table(original / name))
    assert json.loads((rerun_dir / "manifest.json").read_text())["seed_keys"] == [2, 1]


def test_a_manifest_from_another_model_version_is_named(tmp_path):
    original = original_run(tmp_path)
    manifest = json.loads((original / "manifest.json").read_text())
    del manifest["model_version"]  # as written before versions were recorded
    (original / "manifest.json").write_text(json.dumps(manifest))
    result = runner.invoke(app, ["rerun", str(original), "--out", str(tmp_path / "again")])
    assert (
        "model version 1.0" in result.output and f"model version {MODEL_VERSION}" in result.output
    )


def test_a_broken_manifest_or_an_out_holding_the_original_is_a_user_error(tmp_path):
    broken = tmp_path / "manifest.json"
    broken.write_text("{}")
    result = runner.invoke(app, ["rerun", str(broken)])
    assert result.exit_code == 2 and "not a run manifest" in result.output
    original = original_run(tmp_path)
    result = runner.invoke(app, ["rerun", str(original), "--out", str(original.parent)])
    assert result.exit_code == 2 and "holds the original run" in result.output
    assert "Traceback" not in result.output
