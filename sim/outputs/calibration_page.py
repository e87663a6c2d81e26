"""The calibration's words: its table for the terminal and docs/calibration.md with its chart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sim.outputs.charts.calibration import calibration_chart
from sim.outputs.labels import human_number

if TYPE_CHECKING:  # result types only: outputs read results, they never run the model
    from sim.experiments.bayesian import BayesianResult
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


def _percent(value: float) -> str:
    return f"{value:+.1%}"


def format_bayesian_table(table: pd.DataFrame) -> str:
    """Target, unit, observed, predicted median and interval, in or out, which sample."""
    shown = pd.DataFrame(
        {
            "target": table["target"],
            "unit": table["unit"],
            "observed": [
                {"equal": "", "at_least": ">= ", "at_most": "<= "}[b] + human_number(v)
                for b, v in zip(table["bound"], table["observed"], strict=True)
            ],
            "predicted median": table["predicted_median"].map(human_number),
            "interval": [
                f"{human_number(lo)} .. {human_number(hi)}"
                for lo, hi in zip(table["interval_low"], table["interval_high"], strict=True)
            ],
            "in interval": table["inside"].map({True: "in", False: "out"}),
            "median error": table["median_error"].map(_percent),
            "sample": table["sample"],
        }
    )
    return shown.to_markdown(index=False)


def format_parameters(parameters: pd.DataFrame, interval: float) -> str:
    """The posterior table: prior, median, interval and how far the data narrowed it."""
    shown = pd.DataFrame(
        {
            "parameter": parameters["parameter"],
            "key": parameters["key"].map(lambda k: f"`{k}`"),
            "prior": [
                f"{r.prior} {r.prior_low:g} .. {r.prior_high:g}" for r in parameters.itertuples()
            ],
            "posterior median": parameters["median"].map(lambda v: f"{v:.4g}"),
            f"{interval:.0%} interval": [
                f"{r.low:.4g} .. {r.high:.4g}" for r in parameters.itertuples()
            ],
            "narrowing": parameters["narrowing"].map(lambda v: f"{v:.2f}"),
            "pinned down": parameters["narrowing"].map(
                lambda v: "yes" if v >= 0.5 else ("partly" if v >= 0.2 else "no")
            ),
        }
    )
    return shown.to_markdown(index=False)


def format_seeds(table: pd.DataFrame) -> str:
    """Errors of the posterior median over fresh seeds."""
    shown = pd.DataFrame(
        {
            "target": table["target"],
            "sample": table["sample"],
            "mean error": table["seed_error_mean"].map(_percent),
            "range over seeds": [
                f"{_percent(lo)} .. {_percent(hi)}"
                for lo, hi in zip(table["seed_error_low"], table["seed_error_high"], strict=True)
            ],
        }
    )
    return shown.to_markdown(index=False)


def format_scale(scale: pd.DataFrame) -> str:
    """The fitted population size against a larger one."""
    shown = pd.DataFrame(
        {
            "target": scale["target"],
            "fitted size": scale["mean_fitted"].map(human_number),
            "larger size": scale["mean_larger"].map(human_number),
            "difference": scale["difference"].map(human_number),
            "standard error": scale["standard_error"].map(human_number),
            "within 2 SE": scale["within_noise"].map({True: "yes", False: "no"}),
        }
    )
    return shown.to_markdown(index=False)


def bayesian_provenance(calibration: Calibration, result: BayesianResult) -> list[str]:
    """Header lines of the fitted scenario: how and when it was fitted."""
    from sim.model.version import MODEL_VERSION

    abc = calibration.spec.calibration.abc
    posterior = result.posterior
    lines = [
        f"Posterior median of ABC-SMC (pyabc), model version {MODEL_VERSION}: "
        f"{len(posterior.generations)} generations of {abc.population_size} particles, "
        f"{posterior.simulations} simulations, final distance threshold "
        f"{posterior.generations['epsilon'].iloc[-1]:.4g}.",
        f"Fitted at {json.dumps(calibration.spec.calibration.overrides)}; "
        f"{abc.interval:.0%} posterior intervals:",
    ]
    lines += [
        f"  {row.key}: {row.low:.4g} .. {row.high:.4g}" for row in result.parameters.itertuples()
    ]
    return lines


def _charts(calibration: Calibration, result: BayesianResult):
    from sim.outputs.charts.calibration import (
        posterior_marginals,
        posterior_pairs,
        predictive_chart,
    )

    interval = calibration.spec.calibration.abc.interval
    particles = result.posterior.particles
    return {
        "calibration_predictive": predictive_chart(result.table, interval),
        "calibration_marginals": posterior_marginals(particles, result.parameters),
        "calibration_pairs": posterior_pairs(particles, result.parameters),
    }


def write_bayesian_report(calibration: Calibration, result: BayesianResult, directory: Path):
    """An offline HTML page with the tables and interactive charts beside the results."""
    charts = _charts(calibration, result)
    interval = calibration.spec.calibration.abc.interval
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>Calibration "
        f"{calibration.spec.calibration.name}</title></head><body style='font-family:Arial'>",
        f"<h1>Calibration: {calibration.spec.calibration.name}</h1>",
        f"<p>{calibration.spec.calibration.description}</p>",
        "<h2>Targets</h2>",
        result.table.drop(columns=["source"]).to_html(index=False, float_format="%.4g"),
        "<h2>Posterior</h2>",
        result.parameters.to_html(index=False, float_format="%.4g"),
    ]
    for number, (name, figure) in enumerate(charts.items()):
        parts.append(figure.to_html(full_html=False, include_plotlyjs=number == 0, div_id=name))
    parts.append(f"<p>Intervals: {interval:.0%}.</p></body></html>")
    path = directory / "report.html"
    partial = directory / ".report.html.partial"
    partial.write_text("\n".join(parts))
    partial.replace(path)
    return path


def write_bayesian_docs(calibration: Calibration, result: BayesianResult, directory: Path):
    """Write `<directory>/calibration.md` and its charts (PNG through kaleido)."""
    images = directory / "images"
    images.mkdir(parents=True, exist_ok=True)
    for name, figure in _charts(calibration, result).items():
        figure.write_image(images / f"{name}.png", scale=1)
    settings = calibration.spec.calibration
    abc = settings.abc
    posterior = result.posterior
    table = result.table
    sample_lines = []
    for sample in ("in-sample", "out-of-sample", "check"):
        rows = table[table["sample"] == sample]
        if rows.empty:
            continue
        inside = int(rows["inside"].sum())
        sample_lines.append(
            f"- **{sample}**: {inside} of {len(rows)} figures inside their {abc.interval:.0%} "
            "predictive interval; median errors "
            + ", ".join(f"{r.target} {_percent(r.median_error)}" for r in rows.itertuples())
            + "."
        )
    sources = "\n".join(
        f"- **{name}** ({target.unit}): {target.source}"
        for name, target in calibration.spec.targets.items()
    )
    scale = result.scale
    within = int(scale["within_noise"].sum())
    text = f"""# Calibration to the published figures

`creditsim calibrate {calibration.path.name}` ({settings.description}) fits the parameters no
source gives so that `{calibration.scenario_path.name}` reproduces the figures of `DATA.md`,
by ABC-SMC (pyabc): uniform priors on documented ranges (log-uniform where marked), the
distance the square root of the weighted sum of squared relative errors of the in-sample
targets (a bound costs nothing when met), {len(posterior.generations)} generations of
{abc.population_size} particles, {posterior.simulations} simulations, final distance
threshold {posterior.generations["epsilon"].iloc[-1]:.3g}, at
`{json.dumps(settings.overrides)}`. Sampling took {posterior.sampling_seconds / 60:.1f} min
and the checks after it {result.seconds / 60:.1f} min. The fitted scenario
`{Path(settings.output_scenario).name}` holds the posterior median.

{{{{LIKE_FOR_LIKE}}}}

## Targets: posterior predictive

Each of {abc.predictive_draws} particles drawn from the posterior by weight ran once with
fresh seeds; the table gives the median and the {abc.interval:.0%} interval of those runs.

![predictive](images/calibration_predictive.png)

{format_bayesian_table(table)}

{chr(10).join(sample_lines)}

## Posterior

"Narrowing" is 1 minus the posterior interval's width over the prior's (on the sampling
scale): near 0 the data do not pin the parameter down, near 1 they do.

{format_parameters(result.parameters, abc.interval)}

![marginals](images/calibration_marginals.png)

![pairs](images/calibration_pairs.png)

## Seeds and population size

The posterior median at {abc.fresh_seeds} fresh seeds (none used in fitting):

{format_seeds(table)}

The posterior median at {int(scale["citizens_fitted"].iloc[0]):,} and
{int(scale["citizens_larger"].iloc[0]):,} citizens, {abc.scale_seeds} seeds each: {within} of
{len(scale)} targets agree within two standard errors of the difference.

{format_scale(scale)}

{{{{ASSUMPTIONS}}}}

## Sources of the targets

{sources}

Regenerate: `creditsim calibrate {calibration.path} --docs docs` (results, the ABC database
and `report.html` in `results/calibration/{settings.name}/`; an interrupted calibration
resumes from its database).
"""
    path = directory / "calibration.md"
    text = _keep_written_sections(path, text)
    path.write_text(text)
    return path


SECTIONS = ("LIKE_FOR_LIKE", "ASSUMPTIONS")


def _keep_written_sections(path: Path, text: str) -> str:
    """Fill the page's hand-written sections from docs/calibration_notes.md beside it."""
    notes = path.with_name("calibration_notes.md")
    written = notes.read_text() if notes.exists() else ""
    for name in SECTIONS:
        marker = f"<!-- {name} -->"
        if marker in written:
            body = written.split(marker)[1].split("<!-- END -->")[0].strip()
        else:
            body = ""
        text = text.replace(f"{{{{{name}}}}}", body)
    return text
