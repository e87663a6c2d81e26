"""The model's time series as a Mesa DataCollector that Mesa's own tools read.

Each month's outcome row (stage `metrics`) is one row of the DataCollector table
"timeseries"; the same lists are the collector's model variables, so
`model.datacollector.get_model_vars_dataframe()` and `mesa.batch_run` return the documented
columns (docs/output.md) without a second copy or any work per reporter in the step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa

if TYPE_CHECKING:
    from sim.model.model import CreditModel

TIMESERIES = "timeseries"


def _reporter(column: str):
    def report(model: CreditModel) -> Any:
        return model.latest[column]

    report.__name__ = column
    return report


class TimeSeriesCollector(mesa.DataCollector):
    """A DataCollector whose table "timeseries" is also its model variables.

    `collect(model)` appends the model's latest outcome row (`model.latest`) and records the
    step, as Mesa's collectors do; the model reporters read that row (for Mesa tools that
    inspect them), they are not evaluated one by one.
    """

    def __init__(self, columns: list[str]) -> None:
        super().__init__(
            model_reporters={column: _reporter(column) for column in columns},
            tables={TIMESERIES: columns},
        )
        self.model_vars = self.tables[TIMESERIES]  # one set of lists, two names

    def collect(self, model: CreditModel) -> None:
        """Append the model's latest outcome row.

        A column that appears mid-run (departments set up by a policy change) is added with
        NaN for the months before; one that stops is NaN from then on.
        """
        table = self.tables[TIMESERIES]
        rows = len(self._collection_steps)
        for column in model.latest:
            if column not in table:
                table[column] = [float("nan")] * rows
                self.model_reporters[column] = _reporter(column)
        missing = {column: float("nan") for column in table if column not in model.latest}
        self.add_table_row(TIMESERIES, {**model.latest, **missing} if missing else model.latest)
        self._collection_steps.append(model.steps)
