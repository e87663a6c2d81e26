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

from sim.app.assets import PROJECT_ROOT, plotly_js_path, use_local_assets

use_local_assets()  # before Solara reads its settings

import json  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field, replace  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import ipyvue  # noqa: E402
import pandas as pd  # noqa: E402
import solara  # noqa: E402
import traitlets  # noqa: E402

from sim.errors import ScenarioError  # noqa: E402
from sim.model.agents import Citizen  # noqa: E402
from sim.model.model import CreditModel  # noqa: E402
from sim.outputs.style import (  # noqa: E402
    BLACKLISTED,
    COMPLIANT,
    FALSE_POSITIVE,
    INVOLUNTARY,
    REDLISTED,
    VIOLATING,
)
from sim.scenario.files import load_scenario, scenario_from_data  # noqa: E402
from sim.scenario.schema import Scenario  # noqa: E402

SCENARIO_DIR = PROJECT_ROOT / "scenarios"
BUILT_IN = "built-in example"
PREFERRED_SCENARIO = "classroom"
POPULATION_CHOICES = (1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000)
DEFAULT_CITIZENS = 10_000
SAMPLE_SIZE = 200
SAMPLE_COLUMNS = 20
MAX_ENFORCEMENT = 10.0  # the scenario schema's bound on City.enforcement
SPEEDS = {"slow": 1.0, "normal": 0.4, "fast": 0.1}  # seconds between months while playing

FIRM_COLOUR = "#0072B2"
STATE_COLOURS = {
    "compliant": COMPLIANT,
    "violating": VIOLATING,
    "blacklisted": BLACKLISTED,
    "redlisted": REDLISTED,
}
CAUSE_SYMBOLS = {"chosen": "square", "involuntary": "diamond", "false_record": "x"}
STATE_WORDS = {
    "compliant": "compliant",
    "violating": "broke a rule this month",
    "blacklisted": "blacklisted",
    "redlisted": "red-listed",
}


# ---------------------------------------------------------------- levers -> scenario


@dataclass(frozen=True)
class Levers:
    """The settings a class can change. Policy levers act on the running model.

    Attributes:
        detection: multiplies every city's enforcement (the chance an act is detected).
        blacklist_months: how long a listing lasts, in every scheme.
        permanent: listings never end ("once untrustworthy, always restricted").
        reward: multiplies the value of every red-list reward.
        published: listings are published (public shaming).
        zone_sharing: cities of a pilot zone recognise each other's blacklists; with no zone
            in the scenario, all its cities form one.
        citizens: citizen agents (rebuilds the model).
        seed: random seed (rebuilds the model).
    """

    detection: float = 1.0
    blacklist_months: int = 24
    permanent: bool = False
    reward: float = 1.0
    published: bool = True
    zone_sharing: bool = False
    citizens: int = DEFAULT_CITIZENS
    seed: int = 42


def classroom_population(citizens: int) -> int:
    """The largest population choice up to `citizens` and to the classroom default."""
    fitting = [c for c in POPULATION_CHOICES if c <= min(citizens, DEFAULT_CITIZENS)]
    return fitting[-1] if fitting else POPULATION_CHOICES[0]


def levers_of(scenario: Scenario) -> Levers:
    """The lever settings a scenario has as written (population capped for the classroom)."""
    schemes = list(scenario.schemes.values())
    return Levers(
        detection=1.0,
        blacklist_months=max((s.blacklist_duration_months for s in schemes), default=24),
        permanent=bool(schemes) and all(s.blacklist_permanent for s in schemes),
        reward=1.0,
        published=any(s.published for s in schemes),
        zone_sharing=bool(scenario.zones),
        citizens=classroom_population(scenario.population.citizens),
        seed=scenario.simulation.seed,
    )


def apply_levers(base: Scenario, levers: Levers) -> Scenario:
    """The scenario with the levers applied; levers left as the scenario has them change nothing.

    The population keeps representing as many real people: `people_per_agent` is scaled by
    the change in agents.
    """
    own = levers_of(base)
    data: dict[str, Any] = base.model_dump(mode="json")
    if levers.detection != own.detection:
        for city in data["cities"].values():
            city["enforcement"] = min(city["enforcement"] * levers.detection, MAX_ENFORCEMENT)
    for scheme in data["schemes"].values():
        if levers.blacklist_months != own.blacklist_months:
            scheme["blacklist_duration_months"] = levers.blacklist_months
        if levers.permanent != own.permanent:
            scheme["blacklist_permanent"] = levers.permanent
        if levers.published != own.published:
            scheme["published"] = levers.published
    if levers.reward != own.reward:
        for reward in data["rewards"].values():
            reward["value_income_share"] *= levers.reward
    if levers.zone_sharing != own.zone_sharing:
        data["zones"] = (
            {"all_cities": {"members": list(data["cities"])}} if levers.zone_sharing else {}
        )
    people = base.population.citizens * base.population.people_per_agent
    data["population"]["citizens"] = levers.citizens
    data["population"]["people_per_agent"] = people / levers.citizens
    data["simulation"]["seed"] = levers.seed
    return scenario_from_data(data, f"{base.simulation.name} (classroom levers)")


def scenario_files(directory: Path = SCENARIO_DIR) -> dict[str, Path]:
    """Bundled scenario files by name (file stem), sorted."""
    return {path.stem: path for path in sorted(directory.glob("*.toml"))}


def load_named(name: str, directory: Path = SCENARIO_DIR) -> Scenario:
    """A bundled scenario by file stem, or the built-in example."""
    if name == BUILT_IN:
        return Scenario()
    files = scenario_files(directory)
    if name not in files:
        raise ScenarioError(f"{directory}/{name}.toml: no such scenario; allowed: {sorted(files)}")
    return load_scenario(files[name])


def default_scenario_name(directory: Path = SCENARIO_DIR) -> str:
    """The scenario the page opens with: `classroom.toml` if present, else the first file."""
    files = scenario_files(directory)
    if PREFERRED_SCENARIO in files:
        return PREFERRED_SCENARIO
    return next(iter(files), BUILT_IN)


def open_first_scenario(directory: Path = SCENARIO_DIR) -> tuple[str, Scenario, str]:
    """(name, scenario, error) the page opens with: the built-in example if the file is broken."""
    name = default_scenario_name(directory)
    try:
        return name, load_named(name, directory), ""
    except ScenarioError as problem:
        return BUILT_IN, Scenario(), str(problem)


def describe_change(old: Levers, new: Levers) -> str:
    """Short text for a policy change, drawn on the charts."""
    parts = []
    if new.detection != old.detection:
        parts.append(f"detection x{new.detection:g}")
    if new.blacklist_months != old.blacklist_months:
        parts.append(f"listing {new.blacklist_months} mo")
    if new.permanent != old.permanent:
        parts.append("permanent" if new.permanent else "listings expire")
    if new.reward != old.reward:
        parts.append(f"rewards x{new.reward:g}")
    if new.published != old.published:
        parts.append("published" if new.published else "unpublished")
    if new.zone_sharing != old.zone_sharing:
        parts.append("zone shares lists" if new.zone_sharing else "no zone sharing")
    return ", ".join(parts)


# ---------------------------------------------------------------- one class's simulation


@dataclass(frozen=True)
class Snapshot:
    """What the page shows after a step: copies, safe to read while the model runs on."""

    version: int
    month: int
    months: int
    citizens: int
    timeseries: pd.DataFrame
    marks: tuple[tuple[int, str], ...]
    city_names: tuple[str, ...]
    city_details: dict[str, str]
    sample_states: tuple[str, ...]
    sample_causes: tuple[str, ...]
    sample_hover: tuple[str, ...]
    step_seconds: float


@dataclass
class Classroom:
    """A model, the levers it runs under, and the policy changes made so far.

    Thread-safe: the play loop and the buttons call into it from different threads.
    """

    base: Scenario
    levers: Levers
    model: CreditModel = field(init=False)
    sample: list[Citizen] = field(init=False, default_factory=list)
    marks: list[tuple[int, str]] = field(init=False, default_factory=list)
    version: int = field(init=False, default=0)
    step_seconds: float = field(init=False, default=0.0)
    _month_start: tuple[int, Levers] | None = field(init=False, default=None)
    _lock: threading.RLock = field(init=False, default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self.reset(self.base, self.levers)

    def reset(self, base: Scenario, levers: Levers) -> None:
        """Rebuild the model from a scenario and levers; back to month 0."""
        scenario = apply_levers(base, levers)
        model = CreditModel(scenario)
        sample = model.sample_citizens(SAMPLE_SIZE)
        sample.sort(key=lambda citizen: (citizen.city, citizen.income_yuan))
        with self._lock:
            self.base, self.levers, self.model = base, levers, model
            self.sample = sample
            self.marks = []
            self._month_start = None
            self.step_seconds = 0.0
            self.version += 1

    @property
    def months(self) -> int:
        """Length of the run (the scenario's steps)."""
        return self.model.config.simulation.steps

    @property
    def finished(self) -> bool:
        """Whether every month of the scenario has been simulated."""
        return self.model.steps >= self.months

    def step(self, model: CreditModel | None = None) -> bool:
        """Simulate one month; False (and nothing done) once finished or if `model` was reset."""
        with self._lock:
            if self.finished or (model is not None and model is not self.model):
                return False
            started = time.perf_counter()
            self.model.step()
            self.step_seconds = time.perf_counter() - started
            self.version += 1
            return True

    def change_policy(self, levers: Levers) -> None:
        """Apply new policy levers to the running model, from the next month on.

        Cities, schemes and behaviours stay the same, so the agents' arrays keep their meaning;
        listings already made keep their end date.
        """
        with self._lock:
            old = self.levers
            merged = replace(levers, citizens=old.citizens, seed=old.seed)
            if merged == old:
                return
            self.model.change_policy(apply_levers(self.base, merged))
            month = self.model.steps
            if self._month_start is None or self._month_start[0] != month:
                self._month_start = (month, old)
            if self.marks and self.marks[-1][0] == month:
                self.marks.pop()  # one mark per month: changes since the month began
            change = describe_change(self._month_start[1], merged)
            if month > 0 and change:
                self.marks.append((month, change))
            self.levers = merged
            self.version += 1

    def snapshot(self) -> Snapshot:
        """Copies of what the page draws."""
        with self._lock:
            model = self.model
            names = model.rules.city_names
            config = model.config
            zone_of = {m: z for z, zone in config.zones.items() for m in zone.members}
            details = {
                name: ", ".join(
                    part
                    for part in (
                        f"scheme: {config.cities[name].scheme or 'none'}",
                        f"zone: {zone_of[name]}" if name in zone_of else "",
                        f"enforcement x{config.cities[name].enforcement:g}",
                    )
                    if part
                )
                for name in names
            }
            states = tuple(citizen.state for citizen in self.sample)
            causes = tuple(citizen.listing_cause for citizen in self.sample)
            hover = tuple(
                f"citizen {c.row}, {c.city}<br>income quintile {c.income_quintile}, "
                f"score {c.score:.0f}<br>{STATE_WORDS[s]}"
                + (f" ({c.listing_cause.replace('_', ' ')})" if s == "blacklisted" else "")
                for c, s in zip(self.sample, states, strict=True)
            )
            return Snapshot(
                version=self.version,
                month=model.steps,
                months=self.months,
                citizens=model.citizens.size,
                timeseries=model.timeseries(),
                marks=tuple(self.marks),
                city_names=names,
                city_details=details,
                sample_states=states,
                sample_causes=causes,
                sample_hover=hover,
                step_seconds=self.step_seconds,
            )


# ---------------------------------------------------------------- live charts
# Figures are plain plotly.js JSON: building validated `go.Figure` objects took most of the
# time of a step (a named template alone quadrupled it).

Figure = dict[str, Any]

AXIS = {"gridcolor": "#EBF0F8", "zeroline": False, "linecolor": "#C8D4E3", "automargin": True}


def _layout(title: str, y_title: str, height: int = 290, percent: bool = True) -> Figure:
    return {
        "title": {"text": title, "x": 0.01, "font": {"size": 14}},
        "font": {"family": "Arial, Helvetica, sans-serif", "size": 12, "color": "#2a3f5f"},
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "height": height,
        "autosize": True,
        "margin": {"l": 55, "r": 10, "t": 40, "b": 30},
        "legend": {"orientation": "h", "y": -0.18, "x": 0},
        "xaxis": dict(AXIS),
        "yaxis": {
            **AXIS,
            "title": {"text": y_title},
            "tickformat": "~%" if percent else "",
            "rangemode": "tozero",
        },
        "uirevision": "keep",
    }


def _values(series: pd.Series) -> list[float | None]:
    """A column as a JSON-safe list (NaN becomes a gap)."""
    return [None if value != value else value for value in series.tolist()]


def line_figure(
    snapshot: Snapshot, title: str, lines: dict[str, tuple[str, str]], y_title: str
) -> Figure:
    """Lines over months, one per column: {column: (label, colour)}; policy changes marked."""
    frame = snapshot.timeseries
    steps = frame["step"].tolist() if "step" in frame else []
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": label,
            "x": steps,
            "y": _values(frame[column]) if column in frame else [],
            "line": {"color": colour, "width": 2.5},
            "hovertemplate": f"{label}<br>month %{{x}}: %{{y:.1%}}<extra></extra>",
        }
        for column, (label, colour) in lines.items()
    ]
    layout = _layout(title, y_title)
    layout["xaxis"]["range"] = [0, snapshot.months]
    layout["shapes"] = [
        {
            "type": "line",
            "x0": month,
            "x1": month,
            "yref": "paper",
            "y0": 0,
            "y1": 1,
            "line": {"dash": "dot", "color": "#555555", "width": 1},
        }
        for month, _ in snapshot.marks
    ]
    layout["annotations"] = [
        {
            "x": month,
            "y": 1,
            "yref": "paper",
            "text": text,
            "showarrow": False,
            "xanchor": "left",
            "font": {"size": 10, "color": "#555555"},
        }
        for month, text in snapshot.marks
    ]
    return {"data": data, "layout": layout}


def income_figure(snapshot: Snapshot) -> Figure:
    """This month, by income quintile: blacklisted, listed for poverty, red-listed."""
    frame = snapshot.timeseries
    latest = frame.iloc[-1] if len(frame) else pd.Series(dtype=float)
    bars = {
        "blacklisted_share": ("blacklisted", BLACKLISTED),
        "involuntary_blacklisted_share": ("listed for poverty", INVOLUNTARY),
        "redlisted_share": ("red-listed", REDLISTED),
    }
    quintiles = ["Q1 poorest", "Q2", "Q3", "Q4", "Q5 richest"]
    data = [
        {
            "type": "bar",
            "name": label,
            "x": quintiles,
            "y": [float(latest.get(f"{column}_q{q}", 0.0)) for q in range(1, 6)],
            "marker": {"color": colour},
            "hovertemplate": f"{label}<br>%{{x}}: %{{y:.1%}}<extra></extra>",
        }
        for column, (label, colour) in bars.items()
    ]
    layout = _layout("Who is listed, by income group (this month)", "share of the group")
    layout["barmode"] = "group"
    return {"data": data, "layout": layout}


def population_figure(snapshot: Snapshot) -> Figure:
    """The sampled citizens as a grid (by city, then income), coloured by state."""
    states = snapshot.sample_states
    data = []
    for state, colour in STATE_COLOURS.items():
        rows = [i for i, s in enumerate(states) if s == state]
        symbols = [
            CAUSE_SYMBOLS.get(snapshot.sample_causes[i], "circle")
            if state == "blacklisted"
            else "circle"
            for i in rows
        ]
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": f"{STATE_WORDS[state]} ({len(rows)})",
                "x": [i % SAMPLE_COLUMNS for i in rows],
                "y": [-(i // SAMPLE_COLUMNS) for i in rows],
                "marker": {"color": colour, "size": 14, "symbol": symbols},
                "text": [snapshot.sample_hover[i] for i in rows],
                "hoverinfo": "text",
            }
        )
    title = f"{len(states)} citizens picked at random, grouped by city"
    layout = _layout(title, "", height=330, percent=False)
    layout["legend"]["y"] = -0.02
    layout["xaxis"] = {"visible": False}
    layout["yaxis"] = {"visible": False, "scaleanchor": "x"}
    return {"data": data, "layout": layout}


def figures(snapshot: Snapshot) -> dict[str, Figure]:
    """Every chart of the page, by name."""
    return {
        "compliance": line_figure(
            snapshot,
            "Compliance: who broke no rule this month",
            {
                "compliance_rate": ("citizens", COMPLIANT),
                "firm_compliance_rate": ("firms", FIRM_COLOUR),
            },
            "share",
        ),
        "exclusion": line_figure(
            snapshot,
            "Exclusion and reward: who is on a list",
            {
                "blacklisted_share": ("blacklisted", BLACKLISTED),
                "redlisted_share": ("red-listed", REDLISTED),
            },
            "share of citizens",
        ),
        "causes": line_figure(
            snapshot,
            "Listed without choosing to break a rule",
            {
                "involuntary_blacklisted_share": ("listed for poverty", INVOLUNTARY),
                "false_positive_blacklisted_share": ("listed by mistake", FALSE_POSITIVE),
            },
            "share of the blacklisted",
        ),
        "income": income_figure(snapshot),
        "population": population_figure(snapshot),
    }


# ---------------------------------------------------------------- explanations

HELP = {
    "detection": "How likely a broken rule is noticed. x2 doubles every city's enforcement "
    "(cameras, inspections, data from courts and banks).",
    "blacklist_months": "How long a name stays on the blacklist (the rules say 1 to 3 years).",
    "permanent": "'Once untrustworthy, always restricted': a listing never ends.",
    "reward": "How much a place on the red list is worth: cheaper loans, fast-track "
    "approvals, priority in schools and hospitals. x2 doubles every reward.",
    "published": "Names of the blacklisted are made public. Being shamed costs the listed "
    "person, so people weigh it before breaking a rule.",
    "zone_sharing": "Cities of a pilot zone recognise each other's blacklists, so moving to a "
    "neighbouring city no longer escapes a listing.",
    "rebuild": "Population and seed build a new town: they apply when you press Reset.",
}

COLOUR_NAMES = {
    "#000000": "black",
    "#E69F00": "orange",
    "#56B4E9": "sky blue",
    "#009E73": "green",
    "#F0E442": "yellow",
    "#0072B2": "blue",
    "#D55E00": "red-orange",
    "#CC79A7": "pink",
}
"""Words for the Okabe-Ito colours, so the explanations name the colours the charts use."""


def colour_name(colour: str) -> str:
    """A word for a chart colour."""
    return COLOUR_NAMES.get(colour.upper(), "coloured")


CHART_HELP = {
    "compliance": f"Share of citizens ({colour_name(COMPLIANT)}) and firms "
    f"({colour_name(FIRM_COLOUR)}) who broke no rule this month. Dotted lines mark the months "
    "you changed a policy.",
    "exclusion": f"Share of citizens on the blacklist ({colour_name(BLACKLISTED)}: barred from "
    f"planes, trains and more) and on the red list ({colour_name(REDLISTED)}: rewarded as "
    "role models).",
    "causes": "Of the blacklisted: listed for poverty (they could not repay after losing "
    "income: no choice) and listed by mistake (a wrong record not yet repaired on appeal).",
    "income": "Blacklisted, listed for poverty and red-listed, in each fifth of the "
    "population from poorest (Q1) to richest (Q5). Who pays, who gains?",
    "population": f"Each mark is one citizen. {colour_name(COMPLIANT).capitalize()}: compliant. "
    f"{colour_name(VIOLATING).capitalize()}: broke a rule this month. "
    f"{colour_name(BLACKLISTED).capitalize()}: blacklisted (square: chose to; diamond: too "
    f"poor to pay; x: a wrong record). {colour_name(REDLISTED).capitalize()}: red-listed. "
    "Point at a mark for details.",
}

INTRO = """
<p><b>A reward-and-blacklist policy, live.</b> A simulated town of citizens and firms lives under
a credit scheme: breaking a rule (defaulting on a loan, a traffic offence, tax evasion...) costs
points if it is detected; good deeds (giving blood, volunteering) earn points. Low scores or
serious offences put a person on the <b>blacklist</b> (no plane or train tickets, no
civil-service job...); high scores put them on the <b>red list</b> (rewards). Each month every
agent weighs what it gains by breaking a rule against the chance of being caught and what a
listing would cost.</p>
<p>Press <b>Step</b> to simulate one month, <b>Play</b> to run on. Move a policy lever at any
time: it applies from the next month. Ask: does compliance rise? Who ends up excluded, and
why?</p>
"""


# ---------------------------------------------------------------- the page


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
      const config = {responsive: true, displaylogo: false};
      const figure = JSON.parse(this.figure);
      await Plotly.react(this.$refs.plot, figure.data || [], figure.layout || {}, config);
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


@solara.component
def Chart(figure: Figure, name: str) -> None:
    """A chart with its explanation underneath."""
    with solara.Card(margin=0, classes=[f"chart-{name}"]):
        PlotlyChart.element(figure=json.dumps(figure))
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
        "Detection (x enforcement)", value=current.detection, min=0.0, max=3.0, step=0.25,
        on_value=setter("detection"), tick_labels="end_points",
    )  # fmt: skip
    caption("detection")
    solara.SliderInt(
        "Blacklist duration (months)", value=current.blacklist_months, min=1, max=60,
        on_value=setter("blacklist_months"), disabled=current.permanent,
    )  # fmt: skip
    caption("blacklist_months")
    solara.Switch(label="Permanent listing", value=current.permanent, on_value=setter("permanent"))
    caption("permanent")
    solara.SliderFloat(
        "Reward generosity (x rewards)", value=current.reward, min=0.0, max=5.0, step=0.25,
        on_value=setter("reward"), tick_labels="end_points",
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
    first_name, first_base, first_error = solara.use_memo(open_first_scenario, [])
    scenario_name = solara.use_reactive(first_name)
    classroom = solara.use_memo(lambda: Classroom(first_base, levers_of(first_base)), [])
    levers = solara.use_reactive(classroom.levers)
    version = solara.use_reactive(classroom.version)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive("normal")
    error = solara.use_reactive(first_error)

    def refresh() -> None:
        version.value = classroom.version

    def play_loop() -> None:
        model = classroom.model  # a Reset or a new scenario ends the loop
        while playing.value:
            started = time.perf_counter()
            if not classroom.step(model):
                break
            refresh()
            time.sleep(max(SPEEDS[speed.value] - (time.perf_counter() - started), 0.0))
        if model is classroom.model:
            playing.value = False

    solara.lab.use_task(play_loop, dependencies=[playing.value], prefer_threaded=True)

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
            for name in ("compliance", "exclusion", "causes", "income"):
                Chart(charts[name], name)
        with solara.ColumnsResponsive(default=12, large=6):
            Chart(charts["population"], "population")
            with solara.Card("Cities", margin=0):
                CityPanels(snapshot)
