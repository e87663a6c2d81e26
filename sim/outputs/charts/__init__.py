"""Chart builders: plotly figures from results tables.

`runs.py`: time series, cities, income groups; `experiments.py`: sweeps, trade-offs,
comparisons, sensitivity;
`analysis.py`: scenario discovery (PRIM) and the design-search front.

Every builder takes results tables (pandas DataFrames as the store and the experiments write
them) and returns a `plotly.graph_objects.Figure`. Each has a `*_data` companion that reduces
the tables to exactly the numbers drawn, so a reader (and the tests) can check a chart against
its table. Every trace carries `meta={"panel": ..., "series": ..., "role": ...}`. Colours come
from `sim.outputs.style`, words and numbers from `sim.outputs.labels`.
"""

from sim.outputs.charts.analysis import (
    box_limits,
    front_parallel,
    front_scatter,
    peeling_trajectory,
    robustness_ranges,
)
from sim.outputs.charts.experiments import (
    MAX_LEVELS,
    comparison_forest,
    design_order,
    finished,
    mean_ci,
    morris_screening,
    second_order_matrix,
    sensitivity_bars,
    sweep_heatmap,
    sweep_heatmap_data,
    sweep_response,
    sweep_response_data,
    tradeoff,
    tradeoff_data,
)
from sim.outputs.charts.lists import (
    list_names,
    lists_side_by_side,
    lists_table,
    restrictions_by_sanction,
)
from sim.outputs.charts.runs import (
    TIME_SERIES,
    by_city_over_time,
    by_city_panels,
    by_income_data,
    by_income_quintile,
    city_names,
    compliance_over_time,
    over_time_data,
    over_time_panels,
    quintile_table,
    with_listing_causes,
)

__all__ = [
    "MAX_LEVELS",
    "TIME_SERIES",
    "box_limits",
    "by_city_over_time",
    "by_city_panels",
    "by_income_data",
    "by_income_quintile",
    "city_names",
    "comparison_forest",
    "compliance_over_time",
    "design_order",
    "finished",
    "front_parallel",
    "front_scatter",
    "list_names",
    "lists_side_by_side",
    "lists_table",
    "mean_ci",
    "morris_screening",
    "over_time_data",
    "over_time_panels",
    "peeling_trajectory",
    "quintile_table",
    "restrictions_by_sanction",
    "robustness_ranges",
    "second_order_matrix",
    "sensitivity_bars",
    "sweep_heatmap",
    "sweep_heatmap_data",
    "sweep_response",
    "sweep_response_data",
    "tradeoff",
    "tradeoff_data",
    "with_listing_causes",
]
