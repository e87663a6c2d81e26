"""List memberships held compactly: a bit per list per agent, and a sparse table of spells.

Each agent has a 64-bit `list_mask` (bit l: on list l). The details of each membership (a
"spell": which list, where and why it was made, months left, re-offences) are rows of a
sparse table, so memory grows with memberships, not with agents x lists. Ended spells can be
logged (agent, list, months, how it ended) for the per-run spell log.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# How a spell ended, as written in the spell log.
SPELL_ENDS = ("expired", "paid", "repaired", "corrected", "not_clean", "no_longer_eligible")
STILL_LISTED = "listed"

COLUMNS = {
    "agent": np.int64,
    "list": np.int16,
    "city": np.int16,  # city that made the listing
    "behaviour": np.int16,  # triggering behaviour; -1 wrong record, -2 score threshold
    "cause": np.int8,  # LISTING_CAUSES code
    "months_left": np.int32,
    "permanent": np.bool_,
    "level": np.int16,  # re-offences recorded while listed
    "start": np.int32,  # step it began
}


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """The distinct values, ascending, by sort and compare.

    NumPy 2.5's `np.unique` of integers goes through a hash table that is about 50 times
    slower than sorting at a few hundred thousand values; this is the sort.
    """
    ordered = np.sort(values)
    if ordered.size < 2:
        return ordered
    keep = np.empty(ordered.size, dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def agent_groups(agents: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(unique agents, start of each agent's run, inverse) of an agent array sorted by agent.

    The spells table is kept sorted by (agent, list), so the agents of any ascending subset
    of its rows are sorted too: grouping them needs no sort (`np.ufunc.reduceat` over the
    starts reduces per agent).
    """
    if agents.size == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    first = np.empty(agents.size, dtype=bool)
    first[0] = True
    np.not_equal(agents[1:], agents[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    return agents[starts], starts, np.cumsum(first) - 1


INSERT_SHARE_MAX = 12  # merge by search while the second set is under 1/12 of the first


def merge_by_agent(
    agents: np.ndarray,
    values: np.ndarray,
    more_agents: np.ndarray,
    more_values: np.ndarray,
    combine: np.ufunc,
) -> tuple[np.ndarray, np.ndarray]:
    """Two ascending sets of distinct agents with a value each, merged into one such set.

    Where an agent is in both its value is `combine(value, more_value)` (add, or: their order
    does not change the result). A short second set goes into the first by search (its cost
    grows with the second set); sets of like sizes by one stable sort of both, which merges
    the two ascending runs in a pass. The inputs are not changed.
    """
    if more_agents.size == 0:
        return agents, values
    if more_agents.size * INSERT_SHARE_MAX >= agents.size:
        return _merge_by_sorting(agents, values, more_agents, more_values, combine)
    position = np.searchsorted(agents, more_agents)
    both = position < agents.size
    both[both] = agents[position[both]] == more_agents[both]
    alone = ~both
    merged_agents = np.insert(agents, position[alone], more_agents[alone])
    merged = np.insert(values, position[alone], more_values[alone])
    # an agent of the first set moves right by the agents inserted at or before its place
    at = position[both] + np.searchsorted(position[alone], position[both], side="right")
    merged[at] = combine(merged[at], more_values[both])
    return merged_agents, merged


def _merge_by_sorting(
    agents: np.ndarray,
    values: np.ndarray,
    more_agents: np.ndarray,
    more_values: np.ndarray,
    combine: np.ufunc,
) -> tuple[np.ndarray, np.ndarray]:
    """`merge_by_agent` by a stable sort: an agent in both sets is two neighbours, first first."""
    every = np.concatenate([agents, more_agents])
    order = np.argsort(every, kind="stable")  # two ascending runs: merged in one pass
    merged_agents = every[order]
    merged = np.concatenate([values, more_values])[order]
    del every, order
    twice = np.flatnonzero(merged_agents[1:] == merged_agents[:-1])
    merged[twice] = combine(merged[twice], merged[twice + 1])
    keep = np.ones(merged_agents.size, dtype=bool)
    keep[twice + 1] = False
    return merged_agents[keep], merged[keep]


@dataclass
class Spells:
    """The sparse table of list memberships of one population, sorted by (agent, list)."""

    columns: dict[str, np.ndarray] = field(
        default_factory=lambda: {name: np.empty(0, dtype=t) for name, t in COLUMNS.items()}
    )
    key: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    log_enabled: bool = False
    log: list[dict[str, np.ndarray]] = field(default_factory=list)

    def __getattr__(self, name: str) -> np.ndarray:
        columns = self.__dict__.get("columns")
        if columns is not None and name in columns:
            return columns[name]
        raise AttributeError(name)

    @property
    def size(self) -> int:
        """Number of spells in force."""
        return int(self.key.size)

    def add(self, **values: np.ndarray) -> None:
        """Insert spells (every column given, aligned; no (agent, list) already in force)."""
        agents = np.asarray(values["agent"], dtype=np.int64)
        count = agents.size
        if count == 0:
            return
        keys = agents * 64 + np.asarray(values["list"], dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        at = np.searchsorted(self.key, keys[order])
        self.key = np.insert(self.key, at, keys[order])
        for name, dtype in COLUMNS.items():
            new = np.broadcast_to(np.asarray(values[name], dtype=dtype), (count,))[order]
            self.columns[name] = np.insert(self.columns[name], at, new)

    def end_many(
        self, endings: list[tuple[np.ndarray, str]], step: int, list_mask: np.ndarray
    ) -> None:
        """Remove several sets of spells at once (disjoint rows), each logged with its end."""
        parts = [np.asarray(rows, dtype=np.int64) for rows, _ in endings]
        rows = sorted_unique(np.concatenate(parts)) if parts else np.empty(0, dtype=np.int64)
        if rows.size == 0:
            return
        if self.log_enabled:
            for part, (_, how) in zip(parts, endings, strict=True):
                if part.size:
                    self.log.append(self._entry(sorted_unique(part), how, step))
        agents, starts, _ = agent_groups(self.columns["agent"][rows])
        bits = np.uint64(1) << self.columns["list"][rows].astype(np.uint64)
        list_mask[agents] &= ~np.bitwise_or.reduceat(bits, starts)
        keep = np.ones(self.size, dtype=bool)
        keep[rows] = False
        self.key = self.key[keep]
        for name in COLUMNS:
            self.columns[name] = self.columns[name][keep]

    def rows_of(self, agents: np.ndarray, lists: np.ndarray) -> np.ndarray:
        """Row of the spell of each (agent, list) pair; each pair must be in force."""
        return np.searchsorted(self.key, np.asarray(agents) * 64 + np.asarray(lists))

    def open_log(self, step: int) -> dict[str, np.ndarray]:
        """The spells still in force, as log rows ending `listed` at `step`."""
        return self._entry(np.arange(self.size), STILL_LISTED, step)

    def _entry(self, rows: np.ndarray, how: str, step: int) -> dict[str, np.ndarray]:
        entry = {name: self.columns[name][rows].copy() for name in COLUMNS}
        entry["end"] = np.full(rows.size, step, dtype=np.int32)
        entry["how"] = np.full(rows.size, how)
        return entry
