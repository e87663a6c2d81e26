"""Random numbers: one Generator per run, derived through SeedSequence.

A run is keyed by (experiment seed, design point, replicate). The same key always gives the
same stream, whatever the worker or order; replicate r of every design shares its stream
(common random numbers) when the design key is left out.
"""

from __future__ import annotations

import numpy as np


def seed_sequence(seed: int, *keys: int) -> np.random.SeedSequence:
    """SeedSequence for a master seed and a path of integer keys (design, replicate...)."""
    return np.random.SeedSequence(entropy=int(seed), spawn_key=tuple(int(k) for k in keys))


def make_generator(seed: int, *keys: int) -> np.random.Generator:
    """A PCG64 Generator for a master seed and keys."""
    return np.random.Generator(np.random.PCG64(seed_sequence(seed, *keys)))
