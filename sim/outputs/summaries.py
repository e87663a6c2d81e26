"""The reports' summaries in words: what a run or an experiment showed, in a few sentences."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.outputs import charts, labels
from sim.outputs.comparison_text import comparison_summary

EXCLUSION_METRICS = ("blacklisted_share", "blacklisted_people", "flight_banned", "train_banned")


def plain_name(name: str) -> str:
    """A factor's or outcome's name in lower-case words, without its unit."""
    return labels.label(name).split(",")[0].lower()


def shares(definitions: dict[str, Any]) -> set[str]:
    """Outcomes (from experiment.json) whose metric is a share, drawn in per cent."""
    return {
        name
        for name, outcome in definitions.items()
        if outcome.get("statistic") != "time_to_threshold"
        and labels.is_percent(str(outcome.get("metric", "")).split("__")[0])
    }


def run_summary(
    manifest: dict[str, Any], timeseries: pd.DataFrame, quintiles: pd.DataFrame
) -> list[str]:
    """Headline numbers of one run, in sentences."""
    scenario = manifest.get("scenario", {})
    simulation = scenario.get("simulation", {})
    cities = charts.city_names(timeseries)
    first, last = timeseries.iloc[0], timeseries.iloc[-1]
    start_year = simulation.get("start_year")
    months = int(last["step"])
    sentences = [
        f"Scenario {simulation.get('name', '?')}: {manifest.get('citizens', 0):,} citizen agents "
        f"in {len(cities)} {'city' if len(cities) == 1 else 'cities'} over {months} months"
        + (f" from {start_year}" if start_year else "")
        + f", seed {manifest.get('seed')}.",
        f"Compliance (citizens who broke no rule in the month) went from "
        f"{labels.percent(first['compliance_rate'])} in month {int(first['step'])} to "
        f"{labels.percent(last['compliance_rate'])} in month {months}.",
    ]
    listed = last["blacklisted_share"]
    sentence = (
        f"At the end {labels.percent(listed)} of citizens were blacklisted "
        f"({labels.people(last.get('blacklisted_people', np.nan))} people)"
    )
    if listed > 0:
        sentence += (
            f"; of these, {labels.percent(last['involuntary_blacklisted_share'])} were listed "
            f"after an income shock left them unable to pay (involuntary) and "
            f"{labels.percent(last['false_positive_blacklisted_share'])} on a wrong record"
        )
    sentences.append(sentence + ".")
    if last.get("flight_banned", 0) > 0 or last.get("train_banned", 0) > 0:
        sentences.append(
            f"{labels.people(last['flight_banned'])} people were barred from flights and "
            f"{labels.people(last['train_banned'])} from high-speed trains at the end."
        )
    rewards = quintiles.groupby("quintile")["reward_share"].mean()
    if len(rewards) and quintiles["rewards_yuan"].sum() > 0:
        sentences.append(
            f"{labels.percent(last['redlisted_share'])} of citizens were red-listed; over the "
            f"run the poorest fifth received {labels.percent(rewards.iloc[0])} of all reward "
            f"value and the richest fifth {labels.percent(rewards.iloc[-1])}."
        )
    else:
        sentences.append(f"{labels.percent(last['redlisted_share'])} of citizens were red-listed.")
    sentences.extend(lists_sentences(scenario, timeseries))
    if len(cities) > 1:
        final = {city: last[f"compliance_rate__{city}"] for city in cities}
        best, worst = max(final, key=final.get), min(final, key=final.get)
        sentences.append(
            f"Compliance at the end was highest in {best} ({labels.percent(final[best])}) and "
            f"lowest in {worst} ({labels.percent(final[worst])})."
        )
    return sentences


def lists_sentences(scenario: dict[str, Any], timeseries: pd.DataFrame) -> list[str]:
    """What the agencies' lists held at the end (nothing when the scenario has none)."""
    table = charts.lists_table(timeseries)
    if table.empty:
        return []
    kinds = {
        name: spec.get("kind", "blacklist") for name, spec in scenario.get("lists", {}).items()
    }
    black = table[table["list"].map(kinds.get) != "redlist"]
    last = timeseries.iloc[-1]
    red = len(table) - len(black)
    sentences = [
        f"The scenario has {len(black)} blacklist{'s' * (len(black) != 1)} and {red} red "
        f"list{'s' * (red != 1)}; at the end {int((black['people'] > 0).sum())} blacklists "
        f"held people and {int((black['people'] + black['firms'] == 0).sum())} held nobody."
    ]
    if len(black) and black["people"].max() > 0:
        top = black.sort_values("people", ascending=False, kind="stable").iloc[0]
        sentences.append(
            f"The largest blacklist was {top['list'].replace('_', ' ')} "
            f"({labels.people(top['people'])} people); "
            f"{labels.people(last.get('multi_listed_people', 0.0))} people were on two or more "
            "blacklists."
        )
    return sentences


def _pick_outcome(
    outcomes: list[str], definitions: dict[str, Any], metrics: Sequence[str], words: Sequence[str]
) -> str | None:
    """The first outcome measuring one of `metrics` (from experiment.json), else by name."""
    for metric in metrics:
        for outcome in outcomes:
            name = outcome.removeprefix(labels.OUTCOME_PREFIX)
            if str(definitions.get(name, {}).get("metric", "")).split("__")[0] == metric:
                return outcome
    for word in words:
        for outcome in outcomes:
            if word in outcome:
                return outcome
    return None


def headline_outcomes(
    outcomes: list[str], definitions: dict[str, Any]
) -> tuple[str | None, str | None]:
    """The compliance outcome and the exclusion outcome of an experiment (None if absent)."""
    return (
        _pick_outcome(outcomes, definitions, ("compliance_rate",), ("compliance",)),
        _pick_outcome(outcomes, definitions, EXCLUSION_METRICS, ("blacklist", "exclu", "banned")),
    )


def experiment_summary(
    summary: pd.DataFrame,
    comparison: pd.DataFrame | None,
    sensitivity: pd.DataFrame | None,
    definitions: dict[str, Any],
    percent: Collection[str] = (),
) -> list[str]:
    """Headline numbers of an experiment, in sentences."""
    ok = charts.finished(summary)
    failed = len(summary) - len(ok)
    name = summary["experiment"].iloc[0] if "experiment" in summary and len(summary) else "?"
    designs = charts.design_order(summary)
    factors = labels.factor_columns(summary)
    sentence = f"Experiment {name}: {len(summary)} runs, {len(ok)} finished"
    sentence += f", {failed} failed (see the error column of summary.parquet)" if failed else ""
    if ok.empty:
        return [sentence + "; with no finished run there is nothing to chart."]
    if designs:
        replicates = ok.groupby("design").size()
        low, high = replicates.min(), replicates.max()
        sentence += f"; {len(designs)} designs ({', '.join(designs)})"
        sentence += f", {low if low == high else f'{low}-{high}'} finished replicates each"
    if factors:
        points = ok["point"].nunique() if "point" in ok else len(ok)
        kinds = "factor" if len(factors) == 1 else "factors"
        sentence += f"; {points} points of {len(factors)} {kinds} ("
        sentence += ", ".join(plain_name(f) for f in factors) + ")"
    sentences = [sentence + "."]
    if comparison is not None and len(comparison):
        outcomes = list(dict.fromkeys(comparison["outcome"]))
        chosen = headline_outcomes([f"{labels.OUTCOME_PREFIX}{o}" for o in outcomes], definitions)
        shown = [o.removeprefix(labels.OUTCOME_PREFIX) for o in chosen if o] or outcomes[:2]
        chosen_rows = comparison[comparison["outcome"].isin(shown)]
        if "verdict" in comparison.columns:  # written by this version: levels, ranks, verdicts
            sentences += comparison_summary(chosen_rows, percent)
        else:
            for row in chosen_rows.itertuples(index=False):
                significant = row.ci_low > 0 or row.ci_high < 0
                unit = " percentage points" if labels.is_percent(row.outcome, percent) else ""
                sentences.append(
                    f"{row.design} against {row.baseline}: {plain_name(row.outcome)} "
                    f"{labels.difference(row.mean_difference, row.outcome, percent)}{unit} "
                    f"(95% CI {labels.difference(row.ci_low, row.outcome, percent)} to "
                    f"{labels.difference(row.ci_high, row.outcome, percent)}, {row.n_pairs} pairs)"
                    + ("." if significant else "; the interval includes zero.")
                )
        if len(shown) < len(outcomes):
            sentences.append(
                f"The chart of differences below shows all {len(outcomes)} outcomes "
                "(comparison.parquet holds the numbers)."
            )
    elif factors:
        for outcome in labels.outcome_columns(ok)[:4]:
            means = ok.groupby(factors, dropna=False)[outcome].mean().dropna()
            if means.empty:
                continue
            more_is_better = definitions.get(outcome.removeprefix(labels.OUTCOME_PREFIX), {}).get(
                "more_is_better"
            )
            where = means.idxmax() if more_is_better is not False else means.idxmin()
            where = where if isinstance(where, tuple) else (where,)
            at = ", ".join(
                f"{plain_name(f)} = {labels.formatted(v, f, percent)}"
                for f, v in zip(factors, where, strict=True)
            )
            best = "highest" if more_is_better is not False else "lowest"
            sentences.append(
                f"{labels.label(outcome).split(',')[0]} ranged from "
                f"{labels.formatted(means.min(), outcome, percent)} to "
                f"{labels.formatted(means.max(), outcome, percent)} across points; {best} at {at}."
            )
    if sensitivity is not None and len(sensitivity):
        for outcome, part in sensitivity.groupby("outcome", sort=False):
            top = part.loc[part["total"].idxmax()]
            sentences.append(
                f"{labels.label(outcome).split(',')[0]} depends most on "
                f"{plain_name(top['factor'])}: "
                f"total Sobol index {top['total']:.2f} (95% CI {top['total_ci_low']:.2f} to "
                f"{top['total_ci_high']:.2f}), first order {top['first_order']:.2f}."
            )
    return sentences
