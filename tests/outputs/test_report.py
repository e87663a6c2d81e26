"""Reports: written by `run` and `report`, load offline in headless Chromium, export images."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from helpers import CHROMIUM, CHROMIUM_ARGS
from results_tables import ishigami_sensitivity, write_comparison, write_sweep
from typer.testing import CliRunner

from sim.cli import app
from sim.errors import ScenarioError
from sim.outputs.report import build_report, results_kind, write_report

needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).is_file(), reason="needs Chromium: apt-get install chromium"
)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

runner = CliRunner()


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run written by `creditsim run` (which writes its report)."""
    from helpers import write_scenario

    folder = tmp_path_factory.mktemp("run")
    scenario = write_scenario(folder / "tiny.toml")
    result = runner.invoke(
        app, ["run", str(scenario), "--out", str(folder / "results"), "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    return Path(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def experiment_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = write_comparison(tmp_path_factory.mktemp("designs"))
    ishigami_sensitivity().to_parquet(folder / "sensitivity.parquet")
    return folder


def load_in_chromium(page_path: Path) -> tuple[list[str], int, str]:
    """Open a page from disk with no network; return console errors, plot count, page text."""
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_path.resolve().as_uri(), wait_until="load")
            page.wait_for_function(
                "document.querySelectorAll('.js-plotly-plot .main-svg').length > 0"
            )
            plots = page.evaluate("document.querySelectorAll('.js-plotly-plot').length")
            text = page.inner_text("body")
        finally:
            browser.close()
    outside = [url for url in requests if not url.startswith(("file:", "data:", "blob:"))]
    assert not outside, f"the report fetched {outside}"
    return errors, plots, text


def test_run_writes_its_report_unless_told_not_to(run_dir: Path, tmp_path: Path):
    assert (run_dir / "report.html").is_file()
    from helpers import write_scenario

    scenario = write_scenario(tmp_path / "tiny.toml")
    result = runner.invoke(
        app, ["run", str(scenario), "--out", str(tmp_path), "--no-progress", "--no-report"]
    )
    assert result.exit_code == 0, result.output
    assert not (Path(result.stdout.strip().splitlines()[-1]) / "report.html").exists()


def test_report_detects_what_a_directory_holds(run_dir: Path, experiment_dir: Path, tmp_path):
    assert results_kind(run_dir) == "run"
    assert results_kind(experiment_dir) == "experiment"
    for path, words in (
        (tmp_path / "missing", "no such directory"),
        (tmp_path, "no manifest.json (a run) or summary.parquet (an experiment)"),
        (run_dir / "manifest.json", "not a directory"),
    ):
        with pytest.raises(ScenarioError, match=re.escape(words)) as caught:
            results_kind(path)
        assert str(path) in str(caught.value)
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert "summary.parquet" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["report", str(run_dir), "--format", "html,pdf"])
    assert result.exit_code == 2 and "pdf" in result.output and "allowed" in result.output


def test_run_summary_states_the_headline_numbers(run_dir: Path):
    timeseries = pd.read_parquet(run_dir / "timeseries.parquet")
    report = build_report(run_dir)
    text = " ".join(report.summary)
    last = timeseries.iloc[-1]
    assert f"{last['compliance_rate']:.1%}" in text
    assert f"{last['blacklisted_share']:.1%} of citizens were blacklisted" in text
    assert f"{last['redlisted_share']:.1%} of citizens were red-listed" in text
    assert [c.name for c in report.charts] == ["over_time", "by_city", "by_income"]


def test_experiment_report_draws_what_applies(experiment_dir: Path, tmp_path: Path):
    report = build_report(experiment_dir)
    names = [c.name for c in report.charts]
    assert names == [
        "over_time",
        "by_city",
        "by_income",
        "tradeoff",
        "comparison",
        "sensitivity",
    ]
    comparison = pd.read_parquet(experiment_dir / "comparison.parquet")
    text = " ".join(report.summary)
    assert "6 runs, 6 finished" in text
    compliance = comparison.set_index("outcome").loc["final_compliance_rate"]
    assert (
        f"strict against lenient: final compliance rate "
        f"{compliance['mean_difference'] * 100:+.2f} percentage points "
        f"(95% CI {compliance['ci_low'] * 100:+.2f} to {compliance['ci_high'] * 100:+.2f}"
    ) in text
    assert text.count("strict against lenient") == 2  # the compliance and exclusion outcomes
    sweep = build_report(write_sweep(tmp_path))
    sweep_names = [c.name for c in sweep.charts]
    assert "heatmap_final_compliance_rate" in sweep_names
    assert "heatmap_mean_blacklisted_share" in sweep_names
    assert sum(name.startswith("response_") for name in sweep_names) == 2
    assert "1 failed" in " ".join(sweep.summary)


@needs_chromium
@pytest.mark.browser
def test_run_report_loads_offline_without_console_errors(run_dir: Path):
    html = (run_dir / "report.html").read_text()
    assert "<script src=" not in html  # plotly.js is embedded, nothing is fetched
    errors, plots, text = load_in_chromium(run_dir / "report.html")
    assert errors == []
    assert plots == len(build_report(run_dir).charts)
    assert "Compliance (citizens who broke no rule in the month)" in text


@needs_chromium
@pytest.mark.browser
def test_experiment_report_loads_offline_without_console_errors(experiment_dir: Path):
    result = runner.invoke(app, ["report", str(experiment_dir)])
    assert result.exit_code == 0, result.output
    errors, plots, _ = load_in_chromium(experiment_dir / "report.html")
    assert errors == []
    assert plots == 6


@needs_chromium
@pytest.mark.browser
def test_png_and_svg_export_through_the_system_chromium(run_dir: Path, monkeypatch):
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    result = runner.invoke(app, ["report", str(run_dir), "--format", "html,png,svg"])
    assert result.exit_code == 0, result.output
    written = [Path(line) for line in result.stdout.strip().splitlines()]
    assert written[0] == run_dir / "report.html"
    pngs = [p for p in written if p.suffix == ".png"]
    svgs = [p for p in written if p.suffix == ".svg"]
    assert {p.stem for p in pngs} == {"over_time", "by_city", "by_income"}
    for png in pngs:
        assert png.read_bytes()[:8] == PNG_MAGIC
        assert png.stat().st_size > 10_000
    for svg in svgs:
        assert svg.read_text()[:400].lstrip().startswith("<svg")


def test_without_a_browser_the_html_is_written_and_the_message_says_how(
    run_dir: Path, tmp_path: Path, monkeypatch
):
    copy = shutil.copytree(run_dir, tmp_path / run_dir.name)
    (copy / "report.html").unlink()
    shutil.rmtree(copy / "charts", ignore_errors=True)
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    written = write_report(copy, "html,png")
    assert written.html == copy / "report.html" and written.html.is_file()
    assert written.images == []
    assert "apt-get install chromium" in written.message
    assert not (copy / "charts").exists()


COMPARE_EXPERIMENT = """
[experiment]
name = "durations"
scenario = "tiny.toml"
replications = 2
seed = 5

[designs.short]
"schemes.strict.blacklist_duration_months" = 3
[designs.long]
"schemes.strict.blacklist_duration_months" = 36

[compare]
baseline = "short"

[outcomes.compliance]
metric = "compliance_rate__north"
statistic = "mean"
window = [-6, -1]
more_is_better = true

[outcomes.blacklisted]
metric = "blacklisted_share"
more_is_better = false
"""


def test_compare_writes_its_report_unless_told_not_to(tmp_path: Path):
    from helpers import write_scenario

    write_scenario(tmp_path / "tiny.toml")
    experiment = tmp_path / "durations.toml"
    experiment.write_text(COMPARE_EXPERIMENT)
    command = ["compare", str(experiment), "--workers", "1", "--no-progress", "--out"]
    result = runner.invoke(app, [*command, str(tmp_path / "quiet"), "--no-report"])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "quiet" / "durations" / "report.html").exists()
    result = runner.invoke(app, [*command, str(tmp_path / "results")])
    assert result.exit_code == 0, result.output
    results = tmp_path / "results" / "durations"
    assert (results / "report.html").is_file()
    report = build_report(results)
    assert [c.name for c in report.charts][-2:] == ["tradeoff", "comparison"]
    # outcomes of shares (known from experiment.json) are drawn and told in per cent
    tradeoff = report.charts[-2].figure
    assert tradeoff.layout.yaxis.tickformat == tradeoff.layout.xaxis.tickformat == ".1~%"
    comparison = pd.read_parquet(results / "comparison.parquet").set_index("outcome")
    difference = comparison.loc["compliance", "mean_difference"] * 100
    level = comparison.loc["compliance", "baseline_level"]
    assert f"against short at {level:.1%}: long {difference:+.2f} pp" in " ".join(report.summary)


def test_an_experiment_with_no_finished_run_gets_a_summary_and_no_charts(
    experiment_dir: Path, tmp_path: Path
):
    summary = pd.read_parquet(experiment_dir / "summary.parquet")
    summary["status"] = "failed"
    summary[[c for c in summary if c.startswith("outcome.")]] = float("nan")
    summary.to_parquet(tmp_path / "summary.parquet")
    written = write_report(tmp_path)
    report = build_report(tmp_path)
    assert report.charts == []
    assert "0 finished, 6 failed" in report.summary[0]
    assert "Summary" in written.html.read_text()
