"""What a report is: a title, sentences of summary and charts; and where it was written."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import plotly.graph_objects as go


@dataclass(frozen=True)
class Chart:
    """One chart of a report: a file-name stem and its figure."""

    name: str
    figure: go.Figure


@dataclass
class Report:
    """What a report shows: a title, sentences of summary and charts."""

    title: str
    source: Path
    summary: list[str]
    charts: list[Chart] = field(default_factory=list)


@dataclass
class WrittenReport:
    """Files a report was written to, and a message when images could not be made."""

    html: Path | None
    images: list[Path]
    message: str | None = None
