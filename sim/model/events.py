"""What one monthly stage hands the next: acts, transfers, moves and the step's events.

These types live apart from the stages so that the stages are peers: each imports the
hand-off types from here, never another stage module.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Why an agent is listed: the agents' `listing_cause` codes and their names on disk.
NOT_LISTED, CHOSEN, INVOLUNTARY, FALSE_RECORD = 0, 1, 2, 3
LISTING_CAUSES = ("not_listed", "chosen", "involuntary", "false_record")


@dataclass
class Acts:
    """The acts of one step, one entry per (agent, behaviour) act."""

    agent: np.ndarray  # int64 agent row
    column: np.ndarray  # int64 column in perceived_detection
    behaviour: np.ndarray  # int64 global behaviour index
    involuntary: np.ndarray  # bool: forced by an income shock
    prosocial: np.ndarray  # bool
    opportunities: np.ndarray | None = None  # int64 [B]: agents facing each behaviour
    detected: np.ndarray | None = None  # bool, set by detect
    recorded: np.ndarray | None = None  # bool, set by detect

    @property
    def violation(self) -> np.ndarray:
        """Mask of violations (chosen or involuntary)."""
        return ~self.prosocial

    @classmethod
    def concatenate(cls, parts: list[Acts]) -> Acts:
        """Join per-behaviour acts into one set."""
        if not parts:
            empty = np.empty(0, dtype=np.int64)
            return cls(empty, empty, empty, empty.astype(bool), empty.astype(bool))
        return cls(
            *(
                np.concatenate([getattr(p, name) for p in parts])
                for name in ("agent", "column", "behaviour", "involuntary", "prosocial")
            )
        )


@dataclass(frozen=True)
class ListingChanges:
    """Listings ended and made this month in one population (agents)."""

    expired: int
    paid_after_listing: int
    repaired: int
    newly_listed: int


@dataclass(frozen=True)
class MonthlyTransfers:
    """Yuan moved this month in one population (agents, not scaled to people)."""

    sanction_cost_yuan: float
    rewarded: np.ndarray  # rows of the red-listed agents paid this month
    reward_value_yuan: np.ndarray  # their reward this month, aligned with `rewarded`


@dataclass(frozen=True)
class Moves:
    """Counts of this month's moves (agents)."""

    moved: int
    listed_moved: int
    escaped: int


NO_MOVES = Moves(moved=0, listed_moved=0, escaped=0)


@dataclass(frozen=True)
class StepEvents:
    """What happened this step beyond the agents' state, by actor kind."""

    acts: dict[str, Acts]
    listings: dict[str, ListingChanges]
    transfers: dict[str, MonthlyTransfers]
    moves: dict[str, Moves]
