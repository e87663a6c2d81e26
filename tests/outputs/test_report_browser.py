"""Reports read in a real browser: the comparison table as a planner reads it.

With CREDITSIM_UPDATE_SCREENSHOT=1 the test also refreshes docs/images/compare_report.png and
docs/images/sweep_report.png (otherwise the screenshots go to results/screenshots/).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from helpers import CHROMIUM, CHROMIUM_ARGS
from results_tables import write_comparison, write_sweep

from sim.experiments.compare import compare_designs
from sim.outputs.comparison_text import comparison_rows
from sim.outputs.report import write_report
from sim.runs import layout

ROOT = Path(__file__).resolve().parents[2]
SHOTS = (
    ROOT / "docs" / "images"
    if os.environ.get("CREDITSIM_UPDATE_SCREENSHOT") == "1"
    else ROOT / "results" / "screenshots"
)
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = chromium.new_page(viewport={"width": 1200, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page, errors
        chromium.close()


def test_the_compare_report_table_reads_as_the_comparison_says(tmp_path, browser_page):
    page, errors = browser_page
    directory = write_comparison(tmp_path / "designs")
    summary = pd.read_parquet(directory / layout.SUMMARY).assign(point=0)  # pair by replicate
    outcomes = [c.removeprefix("outcome.") for c in summary if c.startswith("outcome.")]
    designs = list(dict.fromkeys(summary["design"]))
    compare_designs(summary, designs, "lenient", outcomes).to_parquet(
        directory / layout.COMPARISON
    )  # as `creditsim compare` writes it: levels, verdicts and ranks
    written = write_report(directory)
    page.goto(written.html.as_uri())
    table = page.locator("#comparison_table table")
    table.wait_for()
    headers = [h.strip() for h in table.locator("th").all_text_contents()]
    expected = comparison_rows(pd.read_parquet(directory / layout.COMPARISON))
    assert headers == list(expected.columns)
    rows = table.locator("tbody tr")
    assert rows.count() == len(expected) and (expected["pairs"] == 3).all()
    for index, row in enumerate(expected.astype(str).to_dict("records")):
        cells = [c.strip() for c in rows.nth(index).locator("td").all_text_contents()]
        assert cells == list(row.values())  # what the reader sees is the comparison, unrounded
    page.locator("#chart-comparison .main-svg").first.wait_for()  # the chart drew
    assert errors == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "compare_report.png"), full_page=False)


def test_the_sweep_report_draws_its_charts(tmp_path, browser_page):
    page, errors = browser_page
    written = write_report(write_sweep(tmp_path / "sweep"))
    page.goto(written.html.as_uri())
    for chart in page.locator("section.chart").all():
        chart.locator(".main-svg").first.wait_for()
    assert page.locator("section.chart").count() >= 3 and errors == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "sweep_report.png"), full_page=False)
