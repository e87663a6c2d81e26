"""One run, to disk and back: simulate, write the run directory, read it."""

from sim.runs.runner import RunResult, run_to_disk, simulate

__all__ = ["RunResult", "run_to_disk", "simulate"]
