"""Checks before compute starts: memory to hold the model, room to write the results.

Both estimates come from the scenario alone, so a run that could not finish is refused in a
moment, with the figures, instead of failing after its compute. The per-agent figures were
measured with tracemalloc at 200,000 citizens (docs/performance.md): 245-273 bytes per agent
once built, 263-342 at the step's peak with 8 ties each, 845 with 30 ties (the network's
construction); the estimate errs on the high side.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from sim.errors import ScenarioError

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario

BYTES_PER_AGENT = 190  # the agent arrays and the step's temporaries
BYTES_PER_BELIEF = 8  # perceived detection (float32), per behaviour, and its temporaries
BYTES_PER_TIE = 23  # the network (8 bytes a tie) and its construction's temporaries
PROCESS_BYTES = 250 * 2**20  # interpreter, NumPy, pandas, pyarrow
OUTPUT_BYTES_PER_AGENT = 48  # agents.parquet, compressed (measured 8-30)
OUTPUT_BYTES_PER_STEP = 4096  # timeseries.parquet
REPORT_BYTES = 8 * 2**20  # report.html with its charts and plotly inline
FREE_SPACE_MARGIN = 1.5  # ask for this much more room than the estimate


def agent_count(scenario: Scenario) -> int:
    """Citizens and firms the model will hold."""
    people = scenario.population
    return people.citizens + round(people.citizens * people.firms_per_citizen)


def memory_needed(scenario: Scenario) -> int:
    """Estimated peak memory of one run, in bytes."""
    per_agent = (
        BYTES_PER_AGENT
        + BYTES_PER_BELIEF * len(scenario.behaviours)
        + BYTES_PER_TIE * scenario.network.mean_degree
    )
    return PROCESS_BYTES + agent_count(scenario) * per_agent


def output_needed(scenario: Scenario, report: bool = True) -> int:
    """Estimated bytes one run writes (tables, manifest and, if asked, the report)."""
    tables = (
        agent_count(scenario) * OUTPUT_BYTES_PER_AGENT
        + scenario.simulation.steps * OUTPUT_BYTES_PER_STEP
        + 64 * 2**10
    )
    return tables + (REPORT_BYTES if report else 0)


def memory_available() -> int | None:
    """Memory this process may still use: MemAvailable, capped by a cgroup limit if any."""
    available = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                available = int(line.split()[1]) * 1024
    except OSError:
        return None
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        used = int(Path("/sys/fs/cgroup/memory.current").read_text().strip())
        if limit != "max" and available is not None:
            available = min(available, int(limit) - used)
    except (OSError, ValueError):
        pass
    return available


def size_text(count: float) -> str:
    """Bytes for a person: 1.2 GB, 340 MB, 12 kB."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= size:
            return f"{count / size:.1f} {unit}"
    return f"{count:.0f} bytes"


def check_memory(scenario: Scenario, source: str) -> None:
    """Refuse a scenario whose model would not fit in the memory available."""
    needed, available = memory_needed(scenario), memory_available()
    if available is not None and needed > available:
        raise ScenarioError(
            f"{source}: population.citizens = {scenario.population.citizens:,} needs about "
            f"{size_text(needed)} of memory; {size_text(available)} is available. Lower "
            "population.citizens (or population.firms_per_citizen, network.mean_degree), or "
            "run it on a larger machine."
        )


def check_output_directory(out: Path, needed: int, option: str = "--out") -> None:
    """Make sure `out` is (or can become) a writable directory with room for `needed` bytes."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"{option} {out}: is a file, not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ScenarioError(f"{option} {out}: cannot create directory ({error.strerror})") from None
    try:
        handle, probe = tempfile.mkstemp(dir=out, prefix=".write-check-")
        os.close(handle)
        os.unlink(probe)
    except OSError as error:
        raise ScenarioError(f"{option} {out}: cannot write there ({error.strerror})") from None
    free = shutil.disk_usage(out).free
    if free < needed * FREE_SPACE_MARGIN:
        raise ScenarioError(
            f"{option} {out}: about {size_text(needed)} of results to write, only "
            f"{size_text(free)} free; free some space or choose another {option}"
        )
