"""The classroom app. Only `sim.app.page` imports Solara; the rest is plain Python."""
