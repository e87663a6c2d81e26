"""The notebook API: save a run held in memory, report it, run experiments from a path."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import sim
from sim.runs import layout

REPO = Path(__file__).resolve().parents[2]


def _small() -> sim.Scenario:
    scenario = sim.load_scenario(REPO / "scenarios" / "classroom.toml")
    data = scenario.model_dump(mode="json")
    data["population"]["citizens"] = 300
    data["simulation"]["steps"] = 6
    return sim.Scenario.model_validate(data)


def test_a_saved_result_is_the_run_that_run_to_disk_writes_and_report_finds_it(tmp_path):
    scenario = _small()
    result = sim.simulate(scenario, seed=4)
    saved = result.save(tmp_path / "notebook")
    written = sim.run_to_disk(scenario, tmp_path / "cli", seed=4)
    assert saved.name == written.name  # the same run id
    for table in (layout.TIMESERIES, layout.AGENTS):
        pd.testing.assert_frame_equal(
            pd.read_parquet(saved / table), pd.read_parquet(written / table)
        )
    report = sim.report(result, out=tmp_path / "notebook")  # already saved: not saved again
    assert report.html == saved / layout.REPORT and report.html.is_file()
    assert len(list((tmp_path / "notebook").iterdir())) == 1


def test_report_of_an_unsaved_result_saves_it_first(tmp_path):
    result = sim.simulate(_small(), seed=5)
    report = sim.report(result, out=tmp_path)
    assert (report.html.parent / layout.MANIFEST).is_file()


def test_experiments_run_from_the_file_path_and_report_by_their_result(tmp_path):
    (tmp_path / "base.toml").write_text('[simulation]\nname = "tiny"\nsteps = 6\n'
                                        "[population]\ncitizens = 200\n")  # fmt: skip
    path = tmp_path / "designs.toml"
    path.write_text(
        """
[experiment]
name = "two"
scenario = "base.toml"
replications = 2
[designs.short]
"schemes.default.blacklist_duration_months" = 6
[designs.long]
"schemes.default.blacklist_duration_months" = 48
[outcomes.compliance]
metric = "compliance_rate"
statistic = "mean"
more_is_better = true
"""
    )
    result = sim.compare_experiment(str(path), tmp_path / "results", workers=1, progress=False)
    assert set(result.comparison["design"]) == {"long"}
    written = sim.report(result)
    assert written.html == tmp_path / "results" / "two" / layout.REPORT
