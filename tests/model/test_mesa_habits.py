"""A Mesa user's first moves work: model variables, batch_run, running."""

from __future__ import annotations

from pathlib import Path

import mesa
import pandas as pd
import pytest

from sim.model.model import CreditModel
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(
        ROOT / "scenarios" / "classroom.toml",
        {"population.citizens": 600, "simulation.steps": 6},
    )


def test_the_model_variables_are_the_time_series(scenario):
    model = CreditModel(scenario, seed=3)
    for _ in range(4):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    pd.testing.assert_frame_equal(frame.reset_index(drop=True), model.timeseries())
    assert frame["step"].tolist() == [1, 2, 3, 4]


def test_batch_run_returns_the_documented_columns_for_each_seed(scenario):
    rows = mesa.batch_run(
        CreditModel,
        parameters={"scenario": [scenario]},
        rng=[1, 2],
        max_steps=5,
        display_progress=False,
    )
    assert len(rows) == 2
    for row, seed in zip(rows, (1, 2), strict=True):
        model = CreditModel(scenario, seed=seed)
        for _ in range(5):
            model.step()
        assert row["Step"] == 5
        for column in ("compliance_rate", "blacklisted_share", "mean_score"):
            assert row[column] == model.latest[column]


def test_a_run_stops_at_the_scenarios_length(scenario):
    model = CreditModel(scenario, rng=7)
    while model.running:
        model.step()
    assert model.steps == scenario.simulation.steps


def test_mesa_solara_viz_plots_steps_and_resets_a_credit_model(scenario):
    """Mesa's own SolaraViz parts drive CreditModel as any Mesa model (rendered without a
    browser by solara.render; the classroom page is creditsim's own, docs/app.md)."""
    import ipyvuetify as v
    import ipywidgets
    import solara
    from mesa.visualization import SolaraViz, make_plot_component
    from mesa.visualization.solara_viz import ModelController

    model = CreditModel(scenario, rng=3)
    for _ in range(3):
        model.step()
    plot, _ = make_plot_component({"compliance_rate": "tab:green"}, backend="matplotlib")
    _, rendered = solara.render(plot(model), handle_error=False)
    assert rendered.find(ipywidgets.Image).widgets  # the plot of the model's reporter

    @solara.component
    def Controls():
        ModelController(
            solara.use_reactive(model),
            model_parameters=solara.use_reactive({"scenario": scenario}),
            play_interval=solara.use_reactive(100),
            render_interval=solara.use_reactive(1),
            use_threads=solara.use_reactive(False),
        )

    _, rendered = solara.render(Controls(), handle_error=False)
    buttons = {tuple(b.children): b for b in rendered.find(v.Btn).widgets}
    buttons[("Step",)].click()
    assert model.steps == 4
    solara.render(SolaraViz(model, components=[(plot, 0)]), handle_error=False)
    # SolaraViz's Reset rebuilds a model from a Mesa Scenario (Mesa 3.5's own `scenario`),
    # which is not a creditsim scenario file: it is refused with a message saying so.
    from mesa.experimental.scenarios import Scenario as MesaScenario

    with pytest.raises(TypeError, match="needs a creditsim Scenario"):
        CreditModel(MesaScenario())
