"""Results store: run directories are complete or absent, never half-written."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers import make_scenario

from sim import run_to_disk, simulate
from sim.errors import ScenarioError
from sim.runs.read import read_manifest
from sim.runs.runner import RunResult, manifest, run_id
from sim.runs.store import PACKAGES, RUN_KEYS, agents_table, package_versions, write_run
from sim.scenario.schema import Scenario

FILES = ["agents.parquet", "manifest.json", "timeseries.parquet"]


@pytest.fixture(scope="module")
def small_scenario_module() -> Scenario:
    return make_scenario(simulation__steps=6)


@pytest.fixture(scope="module")
def finished(small_scenario_module: Scenario) -> RunResult:
    return simulate(small_scenario_module, seed=4)


def _write(result: RunResult, run_dir: Path, **kwargs: object) -> Path:
    return write_run(
        run_dir, result.timeseries, result.agents(), manifest(result, run_dir.name), **kwargs
    )


def test_a_run_directory_holds_the_three_files(finished: RunResult, tmp_path: Path) -> None:
    run_dir = _write(finished, tmp_path / "out" / "run")
    assert sorted(p.name for p in run_dir.iterdir()) == FILES
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["run"]
    timeseries = pd.read_parquet(run_dir / "timeseries.parquet")
    keys = [name for name, _, _ in RUN_KEYS]
    assert list(timeseries.columns[: len(keys)]) == keys
    pd.testing.assert_frame_equal(timeseries.drop(columns=keys), finished.timeseries)
    assert (timeseries["run_id"] == "run").all() and (timeseries["point"] == -1).all()
    assert (timeseries["experiment"] == "").all()
    assert read_manifest(run_dir)["run_id"] == "run"


def test_agents_table_has_one_row_per_citizen_and_firm(finished: RunResult) -> None:
    model = finished.model
    table = finished.agents().to_pandas()
    assert len(table) == model.citizens.size + model.firms.size
    assert (table["kind"] == "citizen").sum() == model.citizens.size
    citizens = table[table["kind"] == "citizen"]
    assert citizens["score"].tolist() == model.citizens.score.tolist()
    assert set(citizens["income_quintile"]) == {1, 2, 3, 4, 5}
    assert set(table["city"].astype(str)) <= set(model.rules.city_names)
    firms = table[table["kind"] == "firm"]
    assert (firms["employer"] == -1).all()
    alone = agents_table(model.firms, model.rules.city_names)
    assert alone.num_rows == model.firms.size


def test_a_failure_while_writing_leaves_nothing(finished: RunResult, tmp_path: Path) -> None:
    out = tmp_path / "out"

    def fail_after_writing_a_file(staging: Path) -> None:
        (staging / "extra.csv").write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        _write(finished, out / "run", extra=fail_after_writing_a_file)
    assert list(out.iterdir()) == []


def test_a_table_that_cannot_be_written_leaves_nothing(finished: RunResult, tmp_path: Path) -> None:
    broken = finished.timeseries.assign(step=[1, "two", 3.0, None, b"x", object()])
    out = tmp_path / "out"
    with pytest.raises((pa.ArrowInvalid, pa.ArrowTypeError)):
        write_run(out / "run", broken, finished.agents(), {"run_id": "run"})
    assert list(out.iterdir()) == []


def test_a_failed_rewrite_keeps_the_old_run(finished: RunResult, tmp_path: Path) -> None:
    run_dir = _write(finished, tmp_path / "run")
    before = {name: (run_dir / name).read_bytes() for name in FILES}

    def fail(staging: Path) -> None:
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        _write(finished, run_dir, extra=fail)
    assert {name: (run_dir / name).read_bytes() for name in FILES} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_an_output_path_under_a_file_fails_without_leftovers(
    small_scenario_module: Scenario, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    with pytest.raises(ScenarioError, match=r"cannot write the run .*nothing was kept"):
        run_to_disk(small_scenario_module, blocker / "results", seed=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-directory"]


def test_manifest_records_what_a_rerun_needs(
    small_scenario_module: Scenario, tmp_path: Path
) -> None:
    run_dir = run_to_disk(
        small_scenario_module, tmp_path, seed=3, keys=(2, 5), extra_manifest={"note": "x"}
    )
    assert run_dir.name == run_id(small_scenario_module, 3, (2, 5))
    data = json.loads((run_dir / "manifest.json").read_text())
    assert data["seed"] == 3 and data["seed_keys"] == [2, 5]
    assert data["scenario_sha256"] == small_scenario_module.digest()
    assert Scenario.model_validate(data["scenario"]) == small_scenario_module
    assert set(data["packages"]) == set(PACKAGES)
    assert data["packages"]["numpy"] != "not installed"
    assert {"setup_seconds", "run_seconds", "collect_seconds"} <= set(data["timings"])
    assert data["note"] == "x"
    rerun = simulate(
        Scenario.model_validate(data["scenario"]), data["seed"], tuple(data["seed_keys"])
    )
    stored = pq.read_table(run_dir / "timeseries.parquet").to_pandas()
    assert stored.drop(columns=[name for name, _, _ in RUN_KEYS]).equals(rerun.timeseries)


def test_package_versions_name_every_dependency() -> None:
    versions = package_versions()
    assert set(versions) == set(PACKAGES)
    assert all(isinstance(v, str) and v for v in versions.values())


@pytest.mark.parametrize("name", ["../escaped", "a/b", "/abs", "..", "  spaced name  "])
def test_a_scenario_name_cannot_put_the_run_outside_the_output_directory(
    small_scenario_module: Scenario, tmp_path: Path, name: str
) -> None:
    scenario = small_scenario_module.model_copy(
        update={"simulation": small_scenario_module.simulation.model_copy(update={"name": name})}
    )
    out = tmp_path / "out"
    run_dir = run_to_disk(scenario, out, seed=1)
    assert run_dir.parent == out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert [p.name for p in out.iterdir()] == [run_dir.name]


def sim_run(tmp_path: Path) -> Path:
    scenario = make_scenario(simulation__steps=3, population__citizens=200)
    return run_to_disk(scenario, tmp_path, seed=2)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("compliance_rate_q1", "compliance_rate__q1"),
        ("involuntary_blacklisted_share_q5", "involuntary_blacklisted_share__q5"),
        ("list_reward_yuan_q3", "list_reward_yuan__q3"),
        ("act_rate.debt_default", "act_rate__debt_default"),
        ("opportunities.tax_evasion", "opportunities__tax_evasion"),
        ("band_share.A", "band_share__A"),
        ("compliance_rate__q1", "compliance_rate__q1"),
        ("compliance_rate__northtown", "compliance_rate__northtown"),
        ("blacklisted_people", "blacklisted_people"),
    ],
)
def test_old_column_names_map_to_the_one_separator(old, new):
    from sim.runs.read import renamed_column

    assert renamed_column(old) == new


def test_every_column_of_a_run_is_its_own_current_name(tmp_path):
    from sim.runs.read import renamed_column

    frame = pd.read_parquet(sim_run(tmp_path) / "timeseries.parquet")
    assert all(renamed_column(column) == column for column in frame.columns)


def test_a_run_written_before_model_1_11_is_read_with_the_current_names(tmp_path):
    from sim.runs.read import read_timeseries, renamed_column

    run_dir = sim_run(tmp_path)
    current = pd.read_parquet(run_dir / "timeseries.parquet")
    old_names = {
        c: c.replace("__q", "_q")
        if c.endswith(("__q1", "__q5"))
        else c.replace("act_rate__", "act_rate.")
        for c in current.columns
    }
    assert sum(o != c for c, o in old_names.items()) > 5
    current.rename(columns=old_names).to_parquet(run_dir / "timeseries.parquet")
    assert all(renamed_column(old_names[c]) == c for c in current.columns)
    pd.testing.assert_frame_equal(read_timeseries(run_dir), current)
    chosen = [*[c for c in current.columns if c.startswith("act_rate__")][:2], "step"]
    assert list(read_timeseries(run_dir, columns=chosen).columns) == chosen
