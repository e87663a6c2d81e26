"""Where an experiment's runs execute: any `concurrent.futures.Executor`.

The default is a process pool over this machine's cores (spawn start method, so workers
start clean and nothing is inherited from the parent's state); `--scheduler tcp://HOST:PORT`
sends runs to an existing Dask cluster through `distributed.Client(address).get_executor()`.
From Python, pass any Executor. Results do not depend on the back end: every run's random
numbers come from its own seed keys, never from the worker or the order.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sim.errors import ScenarioError


class InlineExecutor(Executor):
    """Runs each task in this process at submit time: one worker, no pool to start."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        """Run `fn` now and return a finished future."""
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:
            if isinstance(error, KeyboardInterrupt | SystemExit):
                raise
            future.set_exception(error)
        return future


@dataclass(frozen=True)
class Backend:
    """An executor and how many runs it works on at once."""

    executor: Executor
    slots: int
    description: str


def available_cores() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def slots_of(executor: Executor) -> int:
    """How many tasks an executor runs at once (its workers; else this machine's cores)."""
    workers = getattr(executor, "_max_workers", None)
    return int(workers) if workers else available_cores()


@contextmanager
def open_backend(workers: int | None = None, scheduler: str | None = None) -> Iterator[Backend]:
    """A process pool of `workers` (default: all cores), in-process for 1, or a Dask cluster.

    Args:
        workers: Local worker processes; 1 runs in this process.
        scheduler: Address of a running Dask scheduler, e.g. tcp://127.0.0.1:8786.
    """
    if scheduler is not None:
        with _dask_backend(scheduler) as backend:
            yield backend
        return
    count = available_cores() if workers is None else workers
    if count < 1:
        raise ScenarioError(f"--workers = {count}: allowed: >= 1")
    if count == 1:
        yield Backend(InlineExecutor(), 1, "1 worker (this process)")
        return
    pool = ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context("spawn"))
    try:
        yield Backend(pool, count, f"{count} local worker processes")
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


SCHEDULER_ADDRESS = re.compile(r"^(tcp|tls|ws|wss|inproc|ucx)://[^\s/]+$")


def check_scheduler_address(address: str) -> None:
    """Refuse anything that is not a Dask scheduler address, before connecting."""
    if not SCHEDULER_ADDRESS.match(address):
        raise ScenarioError(
            f"--scheduler {address}: not a Dask scheduler address; allowed: tcp://HOST:PORT "
            "(or tls://, ws://, wss://, inproc://, ucx://), as `dask scheduler` prints it"
        )


@contextmanager
def _dask_backend(address: str) -> Iterator[Backend]:
    """A Dask cluster's executor; the client is closed afterwards, the cluster left running."""
    check_scheduler_address(address)
    try:
        from distributed import Client
    except ImportError:
        raise ScenarioError(
            f"--scheduler {address}: running on a Dask cluster needs the dask extra: "
            "python3 -m uv sync --extra dask (or pip install 'creditsim[dask]')"
        ) from None

    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as error:
        raise ScenarioError(
            f"--scheduler {address}: cannot connect to a Dask scheduler ({error})"
        ) from None
    try:
        executor = client.get_executor(pure=False)
        slots = max(sum(client.nthreads().values()), 1)
        try:
            yield Backend(executor, slots, f"Dask cluster at {address} ({slots} threads)")
        finally:
            executor.shutdown(wait=False)
    finally:
        client.close()
