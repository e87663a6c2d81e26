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


@dataclass
class Spells:
    """The sparse table of list memberships of one population (one row per spell)."""

    columns: dict[str, np.ndarray] = field(
        default_factory=lambda: {name: np.empty(0, dtype=t) for name, t in COLUMNS.items()}
    )
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
        return int(self.columns["agent"].size)

    def add(self, **values: np.ndarray) -> None:
        """Append spells (every column given, aligned)."""
        count = np.asarray(values["agent"]).size
        if count == 0:
            return
        for name, dtype in COLUMNS.items():
            new = np.broadcast_to(np.asarray(values[name], dtype=dtype), (count,))
            self.columns[name] = np.concatenate([self.columns[name], new])

    def end(self, rows: np.ndarray, how: str, step: int, list_mask: np.ndarray) -> None:
        """Remove spells `rows` (clearing their agents' bits), logging how they ended."""
        rows = np.unique(rows)
        if rows.size == 0:
            return
        agents, lists = self.columns["agent"][rows], self.columns["list"][rows]
        if self.log_enabled:
            self.log.append(self._entry(rows, how, step))
        keep = np.ones(self.size, dtype=bool)
        keep[rows] = False
        for name in COLUMNS:
            self.columns[name] = self.columns[name][keep]
        cleared = np.zeros(list_mask.size, dtype=np.uint64)
        np.bitwise_or.at(cleared, agents, np.uint64(1) << lists.astype(np.uint64))
        list_mask &= ~cleared

    def rows_of(self, agents: np.ndarray, lists: np.ndarray) -> np.ndarray:
        """Row of the spell of each (agent, list) pair; each pair must be in force."""
        keys = self.columns["agent"] * 64 + self.columns["list"]
        order = np.argsort(keys, kind="stable")
        position = np.searchsorted(keys[order], agents * 64 + lists)
        return order[position]

    def open_log(self, step: int) -> dict[str, np.ndarray]:
        """The spells still in force, as log rows ending `listed` at `step`."""
        return self._entry(np.arange(self.size), STILL_LISTED, step)

    def _entry(self, rows: np.ndarray, how: str, step: int) -> dict[str, np.ndarray]:
        entry = {name: self.columns[name][rows].copy() for name in COLUMNS}
        entry["end"] = np.full(rows.size, step, dtype=np.int32)
        entry["how"] = np.full(rows.size, how)
        return entry
