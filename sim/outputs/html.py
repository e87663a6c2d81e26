"""A report as one self-contained HTML page (plotly.js embedded once, so it opens offline)."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import plotly.io as pio
from plotly.offline import get_plotlyjs

from sim.outputs.document import Report

STYLE = """
body { font-family: Arial, Helvetica, sans-serif; margin: 2em auto; max-width: 1100px;
       color: #222; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
.meta { color: #666; font-size: 0.9em; margin-top: 0; }
.summary { background: #f5f5f5; border-left: 4px solid #0072B2; padding: 0.6em 1.2em; }
.summary li { margin: 0.35em 0; line-height: 1.4; }
nav { margin: 1em 0; line-height: 1.8; }
nav a { margin-right: 1em; }
section.chart { margin: 2em 0; }
table.results { border-collapse: collapse; font-size: 0.9em; margin: 0.5em 0 1.5em; }
table.results th, table.results td { border-bottom: 1px solid #ddd; padding: 0.3em 0.7em;
       text-align: left; }
table.results th { background: #f0f0f0; }
"""


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page (plotly.js embedded once)."""
    config = {"displaylogo": False, "responsive": True}
    sections = []
    for chart in report.charts:
        div = pio.to_html(
            chart.figure,
            full_html=False,
            include_plotlyjs=False,
            div_id=f"chart-{chart.name}",
            config=config,
        )
        sections.append(f'<section class="chart" id="{chart.name}">{div}</section>')
    tables = [
        f'<section class="table" id="{table.name}"><h2>{html.escape(table.caption)}</h2>'
        + table.frame.to_html(index=False, escape=True, classes="results", border=0)
        + "</section>"
        for table in report.tables
    ]
    items = "".join(f"<li>{html.escape(s)}</li>" for s in report.summary)
    contents = " ".join(
        f'<a href="#{c.name}">{html.escape(c.figure.layout.title.text or c.name).split(" (")[0]}'
        "</a>"
        for c in report.charts
    )
    created = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(report.title)}</title>\n<style>{STYLE}</style>\n"
        f"<script>{get_plotlyjs()}</script>\n</head>\n<body>\n"
        f"<h1>{html.escape(report.title)}</h1>\n"
        f'<p class="meta">From {html.escape(str(report.source))}; '
        f"made {created} by creditsim.</p>\n"
        f'<section class="summary"><h2>Summary</h2><ul>{items}</ul></section>\n'
        f"<nav>{contents}</nav>\n" + "\n".join(tables + sections) + "\n</body>\n</html>\n"
    )
