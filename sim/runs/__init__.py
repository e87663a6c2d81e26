"""One run, to disk and back: runner (simulate, write), store (atomic writes), read, layout.

`simulate`, `run_to_disk` and `RunResult` load on first use, so reading results
(`sim.runs.read`, `sim.runs.layout`) does not load the model.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.runs.runner import RunResult, run_to_disk, simulate

__all__ = ["RunResult", "run_to_disk", "simulate"]


def __getattr__(name: str) -> Any:
    """Load a public name from sim.runs.runner on first use."""
    if name in __all__:
        return getattr(importlib.import_module("sim.runs.runner"), name)
    raise AttributeError(f"module 'sim.runs' has no attribute {name!r}")
