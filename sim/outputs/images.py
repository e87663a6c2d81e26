"""Chart images (PNG, SVG) through kaleido and the system's Chromium (never a download)."""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import plotly.io as pio

from sim.errors import ScenarioError
from sim.outputs.document import Report

FORMATS = ("html", "png", "svg")
IMAGE_WIDTH = 1000
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
NO_BROWSER_HINT = (
    "PNG/SVG images need Chromium: install it with `apt-get install chromium` "
    "(or set BROWSER_PATH to a Chrome/Chromium executable) and run `creditsim report` again"
)


def find_browser() -> str | None:
    """A Chrome/Chromium executable for kaleido: BROWSER_PATH, else one on PATH."""
    given = os.environ.get("BROWSER_PATH")
    if given and Path(given).is_file():
        return given
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def export_images(report: Report, out_dir: Path, formats: Sequence[str]) -> list[Path]:
    """Write every chart as PNG/SVG through kaleido and the system Chromium.

    Raises:
        RuntimeError: No Chromium was found (the message says how to install it).
    """
    if importlib.util.find_spec("kaleido") is None:
        raise RuntimeError(
            "chart images need the images extra (kaleido): python3 -m uv sync --extra images "
            "(or pip install 'creditsim[images]'); report.html is written without them"
        )
    browser = find_browser()
    if browser is None:
        raise RuntimeError(NO_BROWSER_HINT)
    out_dir.mkdir(parents=True, exist_ok=True)
    figures, paths = [], []
    for chart in report.charts:
        for image_format in formats:
            figures.append(chart.figure)
            paths.append(out_dir / f"{chart.name}.{image_format}")
    if not figures:
        return []
    previous = os.environ.get("BROWSER_PATH")
    os.environ["BROWSER_PATH"] = browser  # where kaleido looks first
    try:
        heights = [figure.layout.height for figure in figures]
        pio.write_images(figures, paths, width=IMAGE_WIDTH, height=heights)
    finally:
        if previous is None:
            os.environ.pop("BROWSER_PATH", None)
        else:
            os.environ["BROWSER_PATH"] = previous
    return paths


def parse_formats(text: str | Sequence[str]) -> tuple[str, ...]:
    """Formats from `html,png,svg` (any order, any subset); ScenarioError for unknown ones."""
    items = text.split(",") if isinstance(text, str) else list(text)
    formats = tuple(dict.fromkeys(item.strip().lower() for item in items if item.strip()))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ScenarioError(
            f"--format: {', '.join(unknown) or 'nothing'} is not a report format; "
            f"allowed: {', '.join(FORMATS)} (comma-separated)"
        )
    return formats
