"""The calibration's words: its table for the terminal and docs/calibration.md with its chart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sim.outputs.charts.calibration import calibration_chart
from sim.outputs.labels import human_number

if TYPE_CHECKING:  # result types only: outputs read results, they never run the model
    from sim.experiments.calibration import Calibration, CalibrationResult


def format_table(table: pd.DataFrame) -> str:
    """The target table as aligned text for the terminal and the docs."""
    shown = table.assign(
        published=table["published"].map(human_number),
        simulated_mean=table["simulated_mean"].map(human_number),
        ci=[
            f"{human_number(lo)} .. {human_number(hi)}"
            for lo, hi in zip(table["ci_low"], table["ci_high"], strict=True)
        ],
        relative_error=table["relative_error"].map(lambda e: f"{e:+.1%}"),
        published_as=[{"equal": "=", "at_least": ">=", "at_most": "<="}[b] for b in table["bound"]],
    )[["target", "metric", "published_as", "published", "simulated_mean", "ci", "relative_error"]]
    return shown.to_markdown(index=False)


def write_docs_page(calibration: Calibration, result: CalibrationResult, directory: Path) -> Path:
    """Write `<directory>/calibration.md` and its chart (PNG through kaleido)."""
    images = directory / "images"
    images.mkdir(parents=True, exist_ok=True)
    calibration_chart(result.table).write_image(images / "calibration.png", scale=1)
    settings = calibration.spec.calibration
    fitted = "\n".join(
        f"| `{calibration.spec.parameters[name].key}` | {value:.4g} | "
        f"{calibration.spec.parameters[name].low:g} .. {calibration.spec.parameters[name].high:g}"
        f" | {calibration.spec.parameters[name].description} |"
        for name, value in result.fitted.items()
    )
    bounds = "".join(
        f"\n`{row.target}` is a bound "
        f"({row.bound.replace('_', ' ')} {human_number(row.published)}): "
        f"{'met' if row.loss_error == 0 else 'missed'} at {human_number(row.simulated_mean)}; its "
        "point in the chart sits away from 1 by design.\n"
        for row in result.table.itertuples()
        if row.bound != "equal"
    )
    sources = "\n".join(
        f"- **{name}**: {target.source}" for name, target in calibration.spec.targets.items()
    )
    text = f"""# Calibration to the published figures

`creditsim calibrate {calibration.path.name}` fits the parameters no source gives so that
`{calibration.scenario_path.name}` reproduces the figures of `DATA.md`. {settings.description}
Loss: weighted sum of squared relative errors of replication means ({settings.replications}
replications an evaluation, common random numbers, {settings.max_evaluations} evaluations at
most, bounded Nelder-Mead). A target with a bound (`>=`, `<=`) costs nothing when met.
Fitting overrides: `{json.dumps(settings.overrides)}`. The fitted scenario is
`{Path(settings.output_scenario).name}`. Final loss: {result.loss:.4g}.

![calibration](images/calibration.png)

{format_table(result.table)}
{bounds}
## Fitted parameters

| key | fitted | search range | meaning |
|---|---|---|---|
{fitted}

## Sources of the targets

{sources}

Regenerate: `creditsim calibrate {calibration.path} --docs docs`.
"""
    path = directory / "calibration.md"
    path.write_text(text)
    return path
