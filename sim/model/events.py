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
# The `behaviour` of a list spell made by a score threshold rather than by one act.
SCORE_TRIGGER = -2


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
    list_members_moved: int = 0  # movers bound by a list of [lists] before moving
    list_escaped: int = 0  # of those, bound by none of them after moving


NO_MOVES = Moves(moved=0, listed_moved=0, escaped=0)


@dataclass
class ListChanges:
    """Per list, this month's listings made and ended in one population (agents)."""

    new: np.ndarray
    extended: np.ndarray
    expired: np.ndarray
    paid: np.ndarray
    repaired: np.ndarray
    corrected: np.ndarray
    left: np.ndarray  # red lists: members who left (not clean, or no longer eligible)
    months_to_repair: float = 0.0  # summed over this month's repairs
    months_to_correction: float = 0.0  # summed over this month's corrections

    @classmethod
    def empty(cls, size: int) -> ListChanges:
        """No changes on `size` lists."""
        return cls(*(np.zeros(size, dtype=np.int64) for _ in range(7)))


@dataclass(frozen=True)
class ListTransfers:
    """This month's burdens and rewards of the lists in one population (agents, yuan)."""

    burdened: np.ndarray  # agents bound by a blacklist spell
    sanctions: np.ndarray  # their union of sanctions (mask), scheme's own included
    cost_yuan: np.ndarray  # their month's list cost beyond the scheme's own (yuan)
    rewarded: np.ndarray  # agents paid by a red list
    reward_yuan: np.ndarray  # their reward this month (yuan)
    reward_masks: np.ndarray  # their rewards (mask)


NO_LIST_TRANSFERS = ListTransfers(
    *(np.empty(0, dtype=t) for t in (np.int64, np.uint64, float, np.int64, float, np.uint64))
)


@dataclass(frozen=True)
class RatingTransfers:
    """This month's yuan of grade limits and grade advantages in one population (agents)."""

    cost_yuan: float
    reward_yuan: float


@dataclass(frozen=True)
class StepEvents:
    """What happened this step beyond the agents' state, by actor kind."""

    acts: dict[str, Acts]
    listings: dict[str, ListingChanges]
    transfers: dict[str, MonthlyTransfers]
    moves: dict[str, Moves]
    list_changes: dict[str, ListChanges] | None = None
    list_transfers: dict[str, ListTransfers] | None = None
    rating_transfers: dict[str, RatingTransfers] | None = None
