"""The classroom app: one simulation, live in the browser (`creditsim app`).

A Solara page with plotly charts. The policy levers change the running model from the next
month on, and the charts mark the month; the scenario, population size and seed rebuild it
(Reset). Each browser tab has its own model. Solara's front-end files
come from the local cache that `python -m sim.app.assets` fills, so the page works offline.

Mesa's SolaraViz is not used: it rebuilds a model from keyword arguments on reset and lays
components out in a draggable grid, whereas this page starts from a scenario file plus lever
settings, changes policy mid-run, and keeps a fixed layout with explanations for students.
"""

from __future__ import annotations

from sim.app.assets import plotly_js_path, use_local_assets

use_local_assets()  # before Solara reads its settings

import html  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from dataclasses import replace  # noqa: E402
from typing import Any  # noqa: E402

import ipyvue  # noqa: E402
import solara  # noqa: E402
import traitlets  # noqa: E402

from sim.app.classroom import Classroom, Snapshot  # noqa: E402
from sim.app.figures import Figure, figures  # noqa: E402
from sim.app.levers import (  # noqa: E402
    BUILT_IN,
    POPULATION_CHOICES,
    Levers,
    levers_of,
    link_query,
    load_named,
    open_from_link,
    scenario_files,
)
from sim.app.serve import STOPPING  # noqa: E402
from sim.app.texts import CHART_HELP, HELP, INTRO  # noqa: E402
from sim.errors import ScenarioError  # noqa: E402

SPEEDS = {"slow": 1.0, "normal": 0.4, "fast": 0.1}  # seconds between months while playing


PLOTLY_CHART_VUE = """
<template>
  <div ref="plot" class="creditsim-chart" style="width: 100%"></div>
</template>
<script>
module.exports = {
  mounted() { this.draw(); },
  watch: { figure() { this.draw(); } },
  methods: {
    plotly() {
      if (!window.creditsimPlotly) {
        const cdn = (window.solara && window.solara.cdn) || "/_solara/cdn";
        window.creditsimPlotly = new Promise((resolve, reject) => {
          const loaded = (module) => resolve(module || window.Plotly);
          window.requirejs([cdn + "/" + this.src], loaded, reject);
        });
      }
      return window.creditsimPlotly;
    },
    async draw() {
      const Plotly = await this.plotly();
      // the chart may have left the page while plotly.js loaded (a new scenario adds or
      // removes charts): drawing into a detached element is an error, and there is nothing
      // to draw for
      const element = this.$refs.plot;
      if (!element || !element.isConnected) { return; }
      const config = {
        responsive: true, displaylogo: false, displayModeBar: true,
        toImageButtonOptions: {format: "png", filename: "creditsim-" + this.name, scale: 2},
      };
      const figure = JSON.parse(this.figure);
      await Plotly.react(element, figure.data || [], figure.layout || {}, config);
    },
  },
};
</script>
"""


class PlotlyChart(ipyvue.VueTemplate):
    """A plotly chart drawn with `Plotly.react`: one small message per update.

    plotly.js is loaded once per page from Solara's asset cache (see sim.app.assets); plotly's
    FigureWidget instead sends its 5 MB script inside every chart widget.
    """

    template = traitlets.Unicode(PLOTLY_CHART_VUE).tag(sync=True)
    figure = traitlets.Unicode("{}").tag(sync=True)
    src = traitlets.Unicode(plotly_js_path()).tag(sync=True)
    name = traitlets.Unicode("chart").tag(sync=True)  # the PNG's file name


@solara.component
def Chart(figure: Figure, name: str) -> None:
    """A chart with its explanation underneath."""
    with solara.Card(margin=0, classes=[f"chart-{name}"]):
        PlotlyChart.element(figure=json.dumps(figure), name=name)
        solara.Text(CHART_HELP[name], style={"font-size": "0.85em", "color": "#444"})


@solara.component
def CityPanels(snapshot: Snapshot) -> None:
    """One small card per city: residents, compliance, lists, mean score."""
    latest = snapshot.timeseries.iloc[-1] if len(snapshot.timeseries) else None
    with solara.Row(style={"flex-wrap": "wrap", "gap": "8px"}):
        for name in snapshot.city_names:
            with solara.Card(name, margin=0, classes=["city-panel"], style={"width": "190px"}):
                solara.Text(snapshot.city_details[name], style={"font-size": "0.8em"})
                if latest is None:
                    solara.Text(" — press Step to start", style={"font-size": "0.8em"})
                    continue
                figures_ = (
                    ("residents", latest[f"population_share__{name}"], True),
                    ("compliant", latest[f"compliance_rate__{name}"], True),
                    ("blacklisted", latest[f"blacklisted_share__{name}"], True),
                    ("red-listed", latest[f"redlisted_share__{name}"], True),
                    ("mean score", latest[f"mean_score__{name}"], False),
                )
                for label, value, percent in figures_:
                    text = f"{value:.1%}" if percent else f"{value:.0f}"
                    solara.HTML("div", f"{label}: <b>{text}</b>", style={"font-size": "0.9em"})


@solara.component
def LeverControls(levers: solara.Reactive[Levers], applied: Levers, on_policy: Any) -> None:
    """Sliders and switches for the levers, each with a line of explanation."""

    def setter(name: str):
        def set_value(value: Any) -> None:
            levers.value = replace(levers.value, **{name: value})
            if name not in ("citizens", "seed"):
                on_policy(levers.value)

        return set_value

    def caption(key: str) -> None:
        solara.Text(HELP[key], style={"font-size": "0.8em", "color": "#555"})

    current = levers.value
    solara.SliderFloat(
        f"Detection (x enforcement): {current.detection:g}", value=current.detection,
        min=0.0, max=3.0, step=0.25, on_value=setter("detection"), tick_labels="end_points",
    )  # fmt: skip
    caption("detection")
    solara.SliderInt(
        "Blacklist duration (months): "
        + ("permanent" if current.permanent else f"{current.blacklist_months}"),
        value=current.blacklist_months, min=1, max=60,
        on_value=setter("blacklist_months"), disabled=current.permanent,
    )  # fmt: skip
    caption("blacklist_months")
    solara.Switch(label="Permanent listing", value=current.permanent, on_value=setter("permanent"))
    caption("permanent")
    solara.SliderFloat(
        f"Reward generosity (x rewards): {current.reward:g}", value=current.reward,
        min=0.0, max=5.0, step=0.25, on_value=setter("reward"), tick_labels="end_points",
    )  # fmt: skip
    caption("reward")
    solara.Switch(
        label="Publish the blacklist", value=current.published, on_value=setter("published")
    )
    caption("published")
    solara.Switch(
        label="Zone cities share blacklists", value=current.zone_sharing,
        on_value=setter("zone_sharing"),
    )  # fmt: skip
    caption("zone_sharing")
    solara.Switch(
        label="Score the departments (second system)", value=current.departments_scored,
        on_value=setter("departments_scored"),
    )  # fmt: skip
    caption("departments_scored")
    set_citizens = setter("citizens")
    solara.Select(
        "Population (citizens)",
        values=[f"{count:,}" for count in POPULATION_CHOICES],
        value=f"{current.citizens:,}",
        on_value=lambda text: set_citizens(int(text.replace(",", ""))),
    )
    solara.InputInt("Seed", value=current.seed, on_value=setter("seed"), continuous_update=False)
    pending = (current.citizens, current.seed) != (applied.citizens, applied.seed)
    caption("rebuild")
    if pending:
        solara.Warning("Press Reset to build the new town.", dense=True, classes=["pending"])


@solara.component
def Page() -> None:
    """The classroom page."""
    names = [*scenario_files(), BUILT_IN]
    router = solara.use_router()
    first_name, first_base, first_levers, first_error = solara.use_memo(
        lambda: open_from_link(router.search or ""), []
    )
    scenario_name = solara.use_reactive(first_name)
    classroom = solara.use_memo(lambda: Classroom(first_base, first_levers), [])
    levers = solara.use_reactive(classroom.levers)
    version = solara.use_reactive(classroom.version)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive("normal")
    error = solara.use_reactive(first_error)

    def refresh() -> None:
        version.value = classroom.version

    def play_loop() -> None:
        model = classroom.model  # a Reset or a new scenario ends the loop
        # A closed page (its task no longer current) or a stopping server ends it too.
        while playing.value and player.is_current() and not STOPPING.is_set():
            started = time.perf_counter()
            if not classroom.step(model):
                break
            refresh()
            time.sleep(max(SPEEDS[speed.value] - (time.perf_counter() - started), 0.0))
        if model is classroom.model:
            playing.value = False

    player = solara.lab.use_task(play_loop, dependencies=[playing.value], prefer_threaded=True)

    def step() -> None:
        classroom.step()
        refresh()

    def reset() -> None:
        playing.value = False
        try:
            classroom.reset(load_named(scenario_name.value), levers.value)
            error.value = ""
        except ScenarioError as problem:
            error.value = str(problem)
        refresh()

    def pick_scenario(name: str) -> None:
        playing.value = False
        try:
            base = load_named(name)
        except ScenarioError as problem:
            error.value = str(problem)
            return
        scenario_name.value = name
        levers.value = levers_of(base)
        classroom.reset(base, levers.value)
        error.value = ""
        refresh()

    def change_policy(new: Levers) -> None:
        try:
            classroom.change_policy(new)
        except ScenarioError as problem:
            error.value = str(problem)
        refresh()

    snapshot = solara.use_memo(classroom.snapshot, [version.value])
    charts = solara.use_memo(lambda: figures(snapshot), [snapshot.version])

    solara.Title("creditsim: rewards and blacklists")
    with solara.AppBar():
        solara.AppBarTitle("creditsim — rewards and blacklists, live")

    with solara.Sidebar():
        with solara.Card("Scenario", margin=0):
            solara.Select(
                "Scenario", values=names, value=scenario_name.value, on_value=pick_scenario
            )
            description = classroom.base.simulation.description
            if description:
                solara.Text(description[:400], style={"font-size": "0.8em"})
        with solara.Card("Policy levers", margin=0):
            LeverControls(levers, classroom.levers, change_policy)
            query = html.escape(link_query(scenario_name.value, levers.value), quote=True)
            solara.HTML(
                "div",
                f'<a class="share-link" href="?{query}">Link to these settings</a>: '
                "copy it to open this scenario with these levers (on this server).",
                style={"font-size": "0.8em", "margin-top": "8px"},
            )

    with solara.Column(style={"padding": "8px"}):
        with solara.Details("What is this?", expand=False):
            solara.HTML("div", INTRO, style={"max-width": "60em"})
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Button("Reset", on_click=reset, color="primary", outlined=True)
            solara.Button(
                "Pause" if playing.value else "Play",
                on_click=lambda: playing.set(not playing.value),
                color="primary",
                disabled=classroom.finished,
            )
            solara.Button(
                "Step", on_click=step, color="primary", disabled=playing.value or classroom.finished
            )
            solara.ToggleButtonsSingle(value=speed, values=list(SPEEDS))
            solara.Text(
                f"Month {snapshot.month} of {snapshot.months}",
                classes=["month-label"],
                style={"font-size": "1.2em", "font-weight": "bold", "margin-left": "12px"},
            )
            solara.Text(
                f"{snapshot.citizens:,} citizens · last step {snapshot.step_seconds * 1000:.0f} ms",
                classes=["status-label"],
                style={"font-size": "0.85em", "color": "#555", "margin-left": "12px"},
            )
        if error.value:
            solara.Error(error.value)
        with solara.ColumnsResponsive(default=12, large=6):
            for name in ("compliance", "exclusion", "causes", "income", "legitimacy"):
                Chart(charts[name], name)
        if "lists" in charts:
            Chart(charts["lists"], "lists")
        solara.FileDownload(
            data=lambda: snapshot.timeseries.to_csv(index=False),
            filename=f"creditsim-{scenario_name.value}-month-{snapshot.month}.csv",
            label="Download the data (CSV, one row per month)",
            mime_type="text/csv",
        )
        with solara.ColumnsResponsive(default=12, large=6):
            Chart(charts["population"], "population")
            with solara.Card("Cities", margin=0):
                CityPanels(snapshot)
