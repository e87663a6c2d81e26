"""What a report is: a title, sentences of summary, tables and charts; where it was written."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go


@dataclass(frozen=True)
class Chart:
    """One chart of a report: a file-name stem and its figure."""

    name: str
    figure: go.Figure


@dataclass(frozen=True)
class Table:
    """One table of a report: an anchor name, a caption and rows of text a person reads."""

    name: str
    caption: str
    frame: pd.DataFrame


@dataclass
class Report:
    """What a report shows: a title, sentences of summary, tables and charts."""

    title: str
    source: Path
    summary: list[str]
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass
class WrittenReport:
    """Files a report was written to, and a message when images could not be made."""

    html: Path | None
    images: list[Path]
    message: str | None = None
