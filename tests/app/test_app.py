"""The classroom app: levers -> scenario, the live simulation, and the page in a real browser.

The browser tests start `creditsim app` on a free 127.0.0.1 port and drive Debian's
/usr/bin/chromium with Playwright (never a downloaded browser).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from app_server import STEP_LATENCY, app_server, record_problems
from helpers import CHROMIUM, CHROMIUM_ARGS, make_scenario
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import Scenario
from sim.app import assets
from sim.app.classroom import Classroom
from sim.app.figures import figures
from sim.app.levers import (
    BUILT_IN,
    apply_levers,
    default_scenario_name,
    levers_of,
    load_named,
    open_first_scenario,
    scenario_files,
)
from sim.errors import ScenarioError

# The README's screenshot is refreshed only on request (CREDITSIM_UPDATE_SCREENSHOT=1), so a
# test run leaves the working tree clean; otherwise it goes to results/ (ignored by git).
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = (
    ROOT / "docs" / "images" / "app.png"
    if os.environ.get("CREDITSIM_UPDATE_SCREENSHOT") == "1"
    else ROOT / "results" / "screenshots" / "app.png"
)


# ---------------------------------------------------------------- levers (no browser)


def test_levers_as_written_leave_the_policy_unchanged(small_scenario):
    own = levers_of(small_scenario)
    applied = apply_levers(small_scenario, own)
    for part in ("schemes", "cities", "rewards", "zones", "behaviours", "sanctions"):
        assert getattr(applied, part) == getattr(small_scenario, part), part


def test_each_lever_reaches_every_city_scheme_and_reward(small_scenario):
    own = levers_of(small_scenario)
    changed = replace(
        own,
        detection=2.0,
        blacklist_months=own.blacklist_months + 5,
        permanent=not own.permanent,
        reward=3.0,
        published=not own.published,
        zone_sharing=not own.zone_sharing,
    )
    applied = apply_levers(small_scenario, changed)
    for name, city in applied.cities.items():
        assert city.enforcement == pytest.approx(small_scenario.cities[name].enforcement * 2)
    for scheme in applied.schemes.values():
        assert scheme.blacklist_duration_months == own.blacklist_months + 5
        assert scheme.blacklist_permanent is (not own.permanent)
        assert scheme.published is (not own.published)
    for name, reward in applied.rewards.items():
        expected = small_scenario.rewards[name].value_income_share * 3
        assert reward.value_income_share == pytest.approx(expected)
    assert bool(applied.zones) is (not own.zone_sharing)


def test_zone_sharing_without_a_zone_joins_all_cities():
    scenario = make_scenario(zones={})
    applied = apply_levers(scenario, replace(levers_of(scenario), zone_sharing=True))
    (zone,) = applied.zones.values()
    assert sorted(zone.members) == sorted(scenario.cities)


def test_detection_stays_within_the_schema_bound():
    scenario = make_scenario(cities__north__enforcement=6.0)
    applied = apply_levers(scenario, replace(levers_of(scenario), detection=3.0))
    assert applied.cities["north"].enforcement == 10.0


def test_population_lever_keeps_the_real_population_represented(small_scenario):
    people = small_scenario.population.citizens * small_scenario.population.people_per_agent
    applied = apply_levers(small_scenario, replace(levers_of(small_scenario), citizens=5_000))
    assert applied.population.citizens == 5_000
    assert applied.population.citizens * applied.population.people_per_agent == pytest.approx(
        people
    )


def test_every_bundled_scenario_opens_in_the_app():
    names = [*scenario_files(), BUILT_IN]
    assert default_scenario_name() in names
    for name in names:
        base = load_named(name)
        levers = levers_of(base)
        assert levers.citizens <= 10_000
        apply_levers(base, levers)


def test_a_broken_default_scenario_opens_the_built_in_example(tmp_path):
    (tmp_path / "classroom.toml").write_text("[population]\ncitizens = -5\n")
    name, scenario, error = open_first_scenario(tmp_path)
    assert (name, scenario) == (BUILT_IN, Scenario())
    assert "classroom.toml" in error and "population.citizens" in error


def test_unknown_scenario_is_a_user_error():
    with pytest.raises(ScenarioError, match="no such scenario"):
        load_named("no-such-town")


# ---------------------------------------------------------------- the live simulation


def test_policy_change_mid_run_is_applied_and_marked(small_scenario):
    levers = replace(levers_of(small_scenario), citizens=1_000)
    classroom = Classroom(small_scenario, levers)
    for _ in range(3):
        classroom.step()
    assert not classroom.model.rules.permanent[:-1].any()
    classroom.change_policy(replace(levers, permanent=True, detection=2.0))
    assert classroom.model.rules.permanent[:-1].all()
    classroom.step()
    snapshot = classroom.snapshot()
    assert snapshot.month == 4
    ((month, text),) = snapshot.marks
    assert month == 3 and "permanent" in text and "detection x2" in text
    compliance = figures(snapshot)["compliance"]
    assert len(compliance["data"][0]["x"]) == 4
    assert len(compliance["layout"]["shapes"]) == 1


def test_changes_within_a_month_make_one_mark(small_scenario):
    levers = replace(levers_of(small_scenario), citizens=1_000)
    classroom = Classroom(small_scenario, levers)
    classroom.step()
    for detection in (1.25, 1.5, 1.75):
        classroom.change_policy(replace(levers, detection=detection))
    assert classroom.snapshot().marks == ((1, "detection x1.75"),)
    classroom.change_policy(levers)
    assert classroom.snapshot().marks == ()


def test_reset_rebuilds_with_new_population_and_clears_marks(small_scenario):
    levers = replace(levers_of(small_scenario), citizens=1_000)
    classroom = Classroom(small_scenario, levers)
    classroom.step()
    classroom.change_policy(replace(levers, reward=2.0))
    classroom.reset(small_scenario, replace(levers, citizens=2_000))
    snapshot = classroom.snapshot()
    assert (snapshot.month, snapshot.citizens, snapshot.marks) == (0, 2_000, ())
    assert len(snapshot.sample_states) == 200


def test_a_step_meant_for_a_model_that_was_reset_does_nothing(small_scenario):
    levers = replace(levers_of(small_scenario), citizens=1_000)
    classroom = Classroom(small_scenario, levers)
    before_reset = classroom.model
    classroom.reset(small_scenario, levers)
    assert not classroom.step(before_reset)
    assert classroom.model.steps == 0
    assert classroom.step(classroom.model)
    assert classroom.model.steps == 1


def test_run_stops_at_the_scenario_length(small_scenario):
    classroom = Classroom(small_scenario, replace(levers_of(small_scenario), citizens=1_000))
    for _ in range(small_scenario.simulation.steps + 3):
        classroom.step()
    assert classroom.finished
    assert classroom.model.steps == small_scenario.simulation.steps


def test_figures_are_plain_json_with_one_point_per_month(small_scenario):
    classroom = Classroom(small_scenario, replace(levers_of(small_scenario), citizens=1_000))
    for _ in range(5):
        classroom.step()
    charts = figures(classroom.snapshot())
    assert set(charts) == {
        "compliance",
        "exclusion",
        "causes",
        "income",
        "legitimacy",
        "population",
    }
    for name in ("compliance", "exclusion", "causes"):
        for trace in charts[name]["data"]:
            assert trace["x"] == [1, 2, 3, 4, 5]
    population = charts["population"]["data"]
    assert sum(len(trace["x"]) for trace in population) == 200
    json.loads(json.dumps(charts, allow_nan=False))


# ---------------------------------------------------------------- assets


def test_npm_tarball_unpacks_into_the_cache_layout(tmp_path):
    source = tmp_path / "package"
    (source / "dist").mkdir(parents=True)
    (source / "dist" / "main.js").write_text("// js")
    tarball = tmp_path / "pkg.tgz"
    with tarfile.open(tarball, "w:gz") as archive:
        archive.add(source, arcname="package")
    cache = tmp_path / "cache"
    target = cache / "@scope" / "pkg@1.0.0"
    target.parent.mkdir(parents=True)
    assets._unpack(tarball, target)
    assert (target / "dist" / "main.js").read_text() == "// js"
    assert sorted(p.name for p in target.parent.iterdir()) == ["pkg@1.0.0"]


def test_an_empty_cache_misses_every_package(tmp_path):
    assert assets.missing_packages(tmp_path) == list(assets.asset_packages())
    assert not assets.ready(tmp_path)


# ---------------------------------------------------------------- the page in a browser

browser = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium (apt-get install chromium)"
)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """Start `creditsim app` on a free port; yield its URL and its log file."""
    if not assets.ready():
        pytest.fail("Solara's assets are not provisioned: run `python -m sim.app.assets` first")
    log = tmp_path_factory.mktemp("app") / "server.log"
    with app_server(log) as (url, _):
        port = int(url.rstrip("/").rsplit(":", 1)[1])
        with pytest.raises(ConnectionRefusedError):  # loopback only, not every interface
            socket.create_connection(("127.0.0.2", port), timeout=5).close()
        yield url, log


@pytest.fixture
def page(app_url):
    """A fresh Chromium page on the app, recording failed requests and console errors."""
    from playwright.sync_api import sync_playwright

    url, _ = app_url
    problems: list[str] = []
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = chromium.new_context(viewport={"width": 1440, "height": 1700})
        tab = context.new_page()
        record_problems(tab, problems)
        tab.goto(url)
        tab.get_by_text("Month 0 of").wait_for(timeout=90_000)
        yield tab, problems
        context.close()
        chromium.close()


TIME_CHARTS = ("compliance", "exclusion", "causes", "legitimacy")  # one point a month
CHART_POINTS = """() => Array.from(document.querySelectorAll('.creditsim-chart')).map(
    chart => (chart.data || []).map(trace => (trace.x || []).length))"""
SHARE_AXES = """() => ['compliance', 'exclusion', 'causes'].map(name => {
    const chart = document.querySelector(`.chart-${name} .creditsim-chart`);
    return chart._fullLayout.yaxis.range;
})"""
COMPLIANCE_MARKS = """() => {
    const chart = document.querySelector('.chart-compliance .creditsim-chart');
    return ((chart.layout || {}).shapes || []).length;
}"""


def _step_to(page, month: int) -> None:
    page.get_by_role("button", name="Step", exact=True).click()
    page.get_by_text(f"Month {month} of").wait_for(timeout=30_000)


def _wait_for_month(page, month: int) -> None:
    page.wait_for_function(
        "() => parseInt(document.querySelector('.month-label').textContent.split(' ')[1])"
        f" >= {month}",
        timeout=90_000,
    )


def _chart_points(page, month: int) -> list[list[int]]:
    """Points per trace of every chart, once every time chart shows `month` months.

    Each chart redraws on its own, so waiting for one of them is not waiting for the page.
    """
    page.wait_for_function(
        """([names, month]) => names.every(name => {
            const chart = document.querySelector(`.chart-${name} .creditsim-chart`);
            const traces = ((chart && chart.data) || []).map(trace => (trace.x || []).length);
            return traces.length > 0 && traces.every(points => points === month);
        })""",
        arg=[list(TIME_CHARTS), month],
        timeout=30_000,
    )
    return page.evaluate(CHART_POINTS)


def _shrink_png(path: Path) -> None:
    """Reduce a screenshot to 128 colours (about 100 KB instead of 270 KB) for the README."""
    from PIL import Image

    with Image.open(path) as image:
        reduced = image.convert("RGB").quantize(colors=128, dither=Image.Dither.NONE)
    reduced.save(path, optimize=True)


def _choose_population(page, text: str) -> None:
    page.get_by_label("Population (citizens)").click(force=True)
    page.get_by_role("option", name=text, exact=True).click()


def _slider(page, label: str):
    return page.get_by_role("slider", name=label)


@browser
@pytest.mark.browser
def test_page_steps_changes_policy_resets_and_plays(page, app_url):
    _, log = app_url
    page, problems = page
    assert _chart_points(page, 0)[0] == [0, 0]

    for month in (1, 2, 3):
        _step_to(page, month)
    after_steps = _chart_points(page, 3)
    assert after_steps[:3] == [[3, 3], [3, 3], [3, 3]]
    assert after_steps[4] == [3, 3, 3]  # legitimacy, awareness, promises kept
    assert sum(after_steps[5]) == 200  # the sampled citizens

    # One key press is one value sent to the server (several in a row can cross the server's
    # echo of the earlier ones); the change is applied when its mark appears on the chart.
    detection = _slider(page, "Detection (x enforcement)")
    detection.focus()
    detection.press("ArrowRight")
    page.wait_for_function(f"() => ({COMPLIANCE_MARKS})() === 1", timeout=60_000)
    _step_to(page, 4)
    _chart_points(page, 4)
    assert page.evaluate(f"({COMPLIANCE_MARKS})()") == 1

    _choose_population(page, "1,000")
    page.get_by_text("Press Reset to build the new town.").wait_for(timeout=30_000)
    page.get_by_role("button", name="Reset", exact=True).click()
    page.get_by_text("Month 0 of").wait_for(timeout=30_000)
    page.get_by_text("1,000 citizens").wait_for(timeout=30_000)
    assert _chart_points(page, 0)[:3] == [[0, 0], [0, 0], [0, 0]]
    assert page.evaluate(f"({COMPLIANCE_MARKS})()") == 0

    page.get_by_role("button", name="Play", exact=True).click()
    _wait_for_month(page, 24)
    page.get_by_label("Permanent listing").click(force=True)  # while playing
    page.wait_for_function(f"() => ({COMPLIANCE_MARKS})() === 1", timeout=30_000)
    _wait_for_month(page, 36)
    page.get_by_role("button", name="Pause", exact=True).click()
    page.get_by_role("button", name="Play", exact=True).wait_for(timeout=30_000)
    month = int(page.locator(".month-label").text_content().split()[1])
    assert 36 <= month < 60
    assert _chart_points(page, month)[0] == [month, month]
    for low, high in page.evaluate(SHARE_AXES):  # as drawn: 0-100%, never plotly's -1..4
        assert low == pytest.approx(0) and high == pytest.approx(1)

    bottom = page.locator(".chart-population").bounding_box()
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    height = bottom["y"] + bottom["height"] + 12
    page.screenshot(path=str(SCREENSHOT), clip={"x": 0, "y": 0, "width": 1440, "height": height})
    _shrink_png(SCREENSHOT)

    assert problems == []
    server_log = log.read_text()
    assert "Could not load URL" not in server_log
    assert "Traceback" not in server_log


@browser
@pytest.mark.browser
def test_a_100k_citizen_step_updates_the_page_within_a_second(page):
    page, problems = page
    _choose_population(page, "100,000")
    page.get_by_role("button", name="Reset", exact=True).click()
    page.get_by_text("100,000 citizens").wait_for(timeout=60_000)
    latencies = [page.evaluate(STEP_LATENCY) for _ in range(5)]
    print(f"\npage update after a 100,000-citizen step (s): {[round(x, 3) for x in latencies]}")
    assert statistics.median(latencies) < 1.0
    assert problems == []


@browser
@pytest.mark.browser
def test_picking_a_scenario_starts_it_with_its_own_cities(page):
    page, problems = page
    _step_to(page, 1)
    name = next(n for n in scenario_files() if n != default_scenario_name())
    cities = sorted(load_named(name).cities)
    page.get_by_label("Scenario", exact=True).click(force=True)
    page.get_by_role("option", name=name, exact=True).click()
    page.get_by_text("Month 0 of").wait_for(timeout=60_000)
    page.wait_for_function(
        "names => names.every(name => Array.from(document.querySelectorAll('.city-panel'))"
        ".some(card => card.innerText.startsWith(name)))",
        arg=cities,
        timeout=30_000,
    )
    assert page.locator(".city-panel").count() == len(cities)
    assert problems == []


def test_the_permanent_lever_says_what_moving_does_and_the_model_does_it():
    from sim.app.texts import HELP

    assert "moves" in HELP["permanent"] and "does not end" in HELP["permanent"]
    scenario = make_scenario(
        schemes__strict__blacklist_permanent=True,
        migration__rate_per_month=0.0,
        migration__listed_rate_per_month=0.5,
        zones={},
    )
    classroom = Classroom(scenario, replace(levers_of(scenario), citizens=1_000))
    for _ in range(scenario.simulation.steps):
        classroom.step()
    series = classroom.model.timeseries()
    assert series["escaped_listings"].sum() > 0  # permanent listings end by moving, as it says


@browser
@pytest.mark.browser
def test_ctrl_c_stops_the_app_with_a_page_playing_and_no_traceback(tmp_path):
    from playwright.sync_api import sync_playwright

    log = tmp_path / "server.log"
    with app_server(log) as (url, server), sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        tab = chromium.new_page()
        tab.goto(url)
        tab.get_by_text("Month 0 of").wait_for(timeout=90_000)
        tab.get_by_role("button", name="Play", exact=True).click()
        _wait_for_month(tab, 2)
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=60) == 0
        chromium.close()
    output = log.read_text()
    assert "creditsim app: stopped" in output
    assert "Traceback" not in output and "Aborted" not in output and "Error" not in output


def test_a_port_in_use_is_one_message_and_exit_2():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "sim.cli", "app", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 2
    assert f"--port {port}: cannot listen there" in result.stderr
    assert "another creditsim app" in result.stderr and "Traceback" not in result.stderr


def test_a_scenario_with_lists_shows_every_list_side_by_side():
    scenario = load_named("yangtze_delta_pilot")
    classroom = Classroom(scenario, replace(levers_of(scenario), citizens=2_000))
    for _ in range(8):
        classroom.step()
    snapshot = classroom.snapshot()
    chart = figures(snapshot)["lists"]
    (bars,) = chart["data"]
    last = snapshot.timeseries.iloc[-1]
    assert sorted(label.replace(" ", "_") for label in bars["y"]) == sorted(scenario.lists)
    for label, value, text in zip(bars["y"], bars["x"], bars["text"], strict=True):
        name = label.replace(" ", "_")
        assert value == last[f"list_people__{name}"]
        if scenario.lists[name].subjects == "firm":
            assert text == f"firms only: {last[f'list_firms__{name}']:,.0f} firms"
        else:
            assert text == (f"{value:,.0f}" if value > 0 else "nobody")
    assert bars["y"][0] == "yrd red list"  # red lists at the bottom, in the red-list colour
    assert "lists" not in figures(Classroom(make_scenario(), levers_of(make_scenario())).snapshot())
    json.loads(json.dumps(chart, allow_nan=False))


@browser
@pytest.mark.browser
def test_picking_a_scenario_with_lists_shows_the_lists_chart(page):
    page, problems = page
    page.get_by_label("Scenario", exact=True).click(force=True)
    page.get_by_role("option", name="yangtze_delta_pilot", exact=True).click()
    page.get_by_text("Month 0 of").wait_for(timeout=60_000)
    page.wait_for_function(
        "() => (document.querySelector('.chart-lists') || {textContent: ''})"
        ".textContent.includes('court defaulters')",
        timeout=30_000,
    )
    assert problems == []


def test_policy_change_labels_never_overlap():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from sim.app.figures import MARK_CHAR_PX, PLOT_WIDTH_PX, mark_rows

    @settings(max_examples=200, deadline=None)
    @given(
        months=st.integers(12, 240),
        marks=st.lists(st.tuples(st.integers(0, 240), st.text(min_size=1, max_size=40))),
    )
    def check(months, marks):
        marks = tuple(sorted((min(m, months), t) for m, t in marks))
        rows = mark_rows(marks, months)
        per_month = PLOT_WIDTH_PX / months
        boxes = [
            (row, month * per_month, month * per_month + len(text) * MARK_CHAR_PX)
            for (month, text), row in zip(marks, rows, strict=True)
        ]
        for i, (row, start, end) in enumerate(boxes):
            for other_row, other_start, other_end in boxes[i + 1 :]:
                if row == other_row:
                    assert end <= other_start or other_end <= start

    check()


def test_share_charts_span_0_to_100_percent_before_and_after_months_run(small_scenario):
    classroom = Classroom(small_scenario, replace(levers_of(small_scenario), citizens=1_000))
    for _ in range(3):
        charts = figures(classroom.snapshot())
        for name in ("compliance", "exclusion", "causes"):
            assert charts[name]["layout"]["yaxis"]["range"] == [0, 1]
            assert charts[name]["layout"]["yaxis"]["autorange"] is False
        classroom.step()


@browser
@pytest.mark.browser
def test_a_slider_shows_its_value_and_the_value_follows_a_key_press(page):
    page, problems = page
    months = levers_of(load_named(default_scenario_name())).blacklist_months
    page.get_by_text(f"Blacklist duration (months): {months}", exact=True).wait_for(timeout=30_000)
    slider = _slider(page, "Blacklist duration (months)")
    slider.focus()
    slider.press("ArrowRight")
    page.get_by_text(f"Blacklist duration (months): {months + 1}", exact=True).wait_for(
        timeout=30_000
    )
    assert problems == []


def test_the_causes_chart_gives_head_counts_beside_its_shares(small_scenario):
    classroom = Classroom(small_scenario, replace(levers_of(small_scenario), citizens=1_000))
    for _ in range(6):
        classroom.step()
    snapshot = classroom.snapshot()
    frame = snapshot.timeseries
    for trace, column in zip(
        figures(snapshot)["causes"]["data"],
        ("involuntary_blacklisted_share", "false_positive_blacklisted_share"),
        strict=True,
    ):
        # the shares are counts over counts: share x head count gives the count back exactly
        listed = (frame["blacklisted_share"] * snapshot.citizens).round().astype(int)
        caused = (frame[column] * listed).round().astype(int)
        expected = [f"{n:,} of {t:,}" for n, t in zip(caused, listed, strict=True)]
        assert trace["customdata"] == expected
        assert "%{customdata}" in trace["hovertemplate"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["north", "south", "east"]), min_size=1, max_size=120))
def test_the_citizen_sample_is_one_labelled_block_per_city(cities):
    from sim.app.classroom import SAMPLE_COLUMNS
    from sim.app.figures import sample_layout

    x, y, blocks = sample_layout(tuple(cities), ("south", "north"))
    assert len(set(zip(x, y, strict=True))) == len(cities)  # nobody sits on anybody
    assert all(0 <= column < SAMPLE_COLUMNS for column in x)
    order = [name for name, _, _ in blocks]
    assert order == [c for c in ("south", "north", "east") if c in cities]
    for index, (name, top, count) in enumerate(blocks):
        members = [i for i, city in enumerate(cities) if city == name]
        assert count == len(members)
        rows = {y[i] for i in members}
        assert max(rows) == top - 1  # right under its label
        below = blocks[index + 1][1] if index + 1 < len(blocks) else None
        assert below is None or min(rows) > below  # above the next city's label
        # in sample order, filling rows left to right
        assert [(-(y[i]), x[i]) for i in members] == sorted((-(y[i]), x[i]) for i in members)


def test_the_population_chart_names_each_city_with_its_head_count(small_scenario):
    classroom = Classroom(small_scenario, replace(levers_of(small_scenario), citizens=1_000))
    classroom.step()
    snapshot = classroom.snapshot()
    chart = figures(snapshot)["population"]
    texts = [a["text"] for a in chart["layout"]["annotations"]]
    for city in set(snapshot.sample_cities):
        count = snapshot.sample_cities.count(city)
        assert f"<b>{city}</b>: {count} of the 200" in texts


def test_the_listing_levers_act_on_the_agencies_lists_too():
    from sim.scenario.files import load_scenario

    scenario = load_scenario(ROOT / "scenarios" / "yangtze_delta_pilot.toml")
    own = levers_of(scenario)
    assert (own.blacklist_months, own.permanent, own.published) == (24, False, True)
    changed = apply_levers(
        scenario, replace(own, blacklist_months=12, permanent=True, published=False)
    )
    blacklists = {n: r for n, r in changed.lists.items() if r.kind == "blacklist"}
    assert len(blacklists) == 8
    for rule in blacklists.values():  # permanent: no duration
        assert rule.permanent and not rule.published and rule.duration_months is None
    shorter = apply_levers(scenario, replace(own, blacklist_months=12))
    for name, rule in shorter.lists.items():
        if rule.kind == "blacklist":
            assert not rule.permanent and rule.duration_months == 12, name
    assert changed.lists["yrd_red_list"] == scenario.lists["yrd_red_list"]  # rewards untouched
    unchanged = apply_levers(scenario, own)
    assert unchanged.lists == scenario.lists


@settings(max_examples=80, deadline=None)
@given(
    detection=st.integers(0, 12).map(lambda k: k * 0.25),
    months=st.integers(1, 60),
    reward=st.integers(0, 20).map(lambda k: k * 0.25),
    switches=st.tuples(st.booleans(), st.booleans(), st.booleans()),
    citizens=st.sampled_from([1_000, 2_000, 5_000, 10_000]),
    seed=st.integers(0, 2**31 - 1),
)
def test_a_shared_link_reopens_the_same_settings(detection, months, reward, switches, citizens,
                                                 seed):  # fmt: skip
    from sim.app.levers import Levers, levers_from_link, link_query

    permanent, published, zone = switches
    levers = Levers(detection, months, permanent, reward, published, zone, citizens, seed)
    name, read, problems = levers_from_link(link_query("beijing", levers), Levers())
    assert (name, read, problems) == ("beijing", levers, [])


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("detection=3.1", "detection = '3.1': allowed 0 to 3 in steps of 0.25"),
        ("detection=0.3", "in steps of 0.25"),
        ("detection=nan", "allowed 0 to 3"),
        ("blacklist_months=abc", "blacklist_months = 'abc'"),
        ("permanent=yes", "permanent = 'yes': allowed true or false"),
        ("citizens=1234", "citizens = '1234': allowed 1000, 2000"),
        ("detecton=2", "'detecton': not a setting of the page"),
    ],
)
def test_a_bad_link_value_is_named_and_leaves_the_setting_alone(query, problem):
    from sim.app.levers import Levers, levers_from_link

    _, read, problems = levers_from_link(query, Levers())
    assert read == Levers() and len(problems) == 1 and problem in problems[0]


def _open_link(page, url: str, query: str):
    """The page at `url?query` in a new tab of the same browser: (tab, its problems).

    A new tab, not a new address in the fixture's tab, so leaving a page that is still
    loading aborts no request (a failure the tab would record).
    """
    tab = page.context.new_page()
    problems: list[str] = []
    record_problems(tab, problems)
    tab.goto(f"{url}?{query}")
    tab.get_by_text("Month 0 of").wait_for(timeout=90_000)
    return tab, problems


@browser
@pytest.mark.browser
def test_a_shared_link_opens_its_settings_and_the_data_and_charts_download(page, app_url):
    url, _ = app_url
    page, _ = page
    page, problems = _open_link(
        page, url, "scenario=classroom&detection=2.0&permanent=true&reward=0.5&seed=9"
    )
    # What a person sees: the slider labels and the switch, as the link set them.
    page.get_by_text("Detection (x enforcement): 2", exact=True).wait_for(timeout=30_000)
    page.get_by_text("Reward generosity (x rewards): 0.5", exact=True).wait_for(timeout=30_000)
    page.get_by_text("Blacklist duration (months): permanent", exact=True).wait_for()
    assert page.get_by_label("Permanent listing").is_checked()
    link = page.locator("a.share-link").get_attribute("href")
    assert "detection=2.0" in link and "permanent=true" in link and "seed=9" in link

    page.get_by_role("button", name="Step", exact=True).click()
    page.get_by_text("Month 1 of").wait_for(timeout=30_000)
    with page.expect_download(timeout=30_000) as csv_download:
        page.get_by_text("Download the data (CSV").click()
    csv_text = Path(csv_download.value.path()).read_text()
    header, first = csv_text.splitlines()[:2]
    assert csv_download.value.suggested_filename == "creditsim-classroom-month-1.csv"
    assert header.startswith("step,") and "compliance_rate" in header and first.startswith("1,")

    chart = page.locator(".chart-compliance .creditsim-chart")
    chart.hover()
    with page.expect_download(timeout=30_000) as png_download:
        chart.locator('.modebar-btn[data-title^="Download plot as a "]').click()
    assert png_download.value.suggested_filename == "creditsim-compliance.png"
    assert Path(png_download.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert problems == []


@browser
@pytest.mark.browser
def test_a_link_with_a_bad_value_says_so_and_opens_the_rest(page, app_url):
    url, _ = app_url
    page, _ = page
    page, problems = _open_link(page, url, "detection=9&seed=11")
    page.get_by_text("link: detection = '9': allowed 0 to 3 in steps of 0.25").wait_for(
        timeout=30_000
    )
    assert "&seed=11&" in page.locator("a.share-link").get_attribute("href")
    assert problems == []


def test_scoring_departments_mid_run_sets_them_up_and_charts_trust(small_scenario):
    levers = replace(levers_of(small_scenario), citizens=1_000)
    assert not levers.departments_scored
    classroom = Classroom(small_scenario, levers)
    for _ in range(2):
        classroom.step()
    classroom.change_policy(replace(levers, departments_scored=True))
    config = classroom.model.config.departments
    assert config.enabled and config.scored and classroom.model.government.size > 0
    classroom.step()
    snapshot = classroom.snapshot()
    assert snapshot.marks == ((2, "departments scored"),)
    table = snapshot.timeseries
    assert table["promise_keeping_rate"].iloc[:2].isna().all()
    assert 0.0 < table["promise_keeping_rate"].iloc[2] <= 1.0
    trust = figures(snapshot)["legitimacy"]
    names = [trace["name"] for trace in trust["data"]]
    assert names == ["legitimacy", "know the scheme applies to them", "departments' promises kept"]
    assert len(trust["data"][2]["y"]) == 3
