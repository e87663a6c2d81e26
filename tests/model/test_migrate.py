"""Stage 7, migrate: moves between cities and the listings they escape."""

from __future__ import annotations

import dataclasses

import numpy as np
from helpers import (
    EAST,
    NORTH,
    SOUTH,
    build,
    everyone_in,
)

from sim.model.model import CreditModel
from sim.model.stages.migrate import migrate


def _listed_movers(destination: int, **overrides: object) -> CreditModel:
    """Everyone in the north and listed there; every mover goes to `destination`."""
    model = build(migration__rate_per_month=0.0, migration__listed_rate_per_month=1.0, **overrides)
    shares = np.zeros(3)
    shares[destination] = 1.0
    model.rules = dataclasses.replace(model.rules, city_share=shares)
    everyone_in(model, NORTH)
    citizens = model.citizens
    citizens.blacklisted[:] = True
    citizens.listing_city[:] = NORTH
    citizens.listing_months_left[:] = 6
    return model


def test_moving_to_a_city_that_does_not_recognise_the_list_clears_the_listing() -> None:
    model = _listed_movers(EAST)
    moves = migrate(model.rng, model.citizens, model.rules, model.config, 0)
    assert moves.moved == moves.escaped == model.citizens.size
    assert (model.citizens.city == EAST).all()
    assert not model.citizens.blacklisted.any()


def test_moving_within_a_started_zone_keeps_the_listing() -> None:
    model = _listed_movers(SOUTH)
    moves = migrate(model.rng, model.citizens, model.rules, model.config, 0)
    assert moves.moved == model.citizens.size and moves.escaped == 0
    assert model.citizens.blacklisted.all()


def test_moving_within_a_zone_before_it_starts_escapes_the_listing() -> None:
    model = _listed_movers(SOUTH, zones__delta__start_month=12)
    moves = migrate(model.rng, model.citizens, model.rules, model.config, 0)
    assert moves.escaped == model.citizens.size


def test_a_national_listing_follows_the_mover_everywhere() -> None:
    model = _listed_movers(EAST, schemes__strict__scope="national")
    migrate(model.rng, model.citizens, model.rules, model.config, 0)
    assert model.citizens.blacklisted.all()


def test_unlisted_citizens_stay_at_rate_zero_and_nobody_moves_when_disabled() -> None:
    model = _listed_movers(EAST)
    model.citizens.blacklisted[::2] = False
    migrate(model.rng, model.citizens, model.rules, model.config, 0)
    assert (model.citizens.city[::2] == NORTH).all()
    model = _listed_movers(EAST, migration__enabled=False)
    assert migrate(model.rng, model.citizens, model.rules, model.config, 0).moved == 0
    assert (model.citizens.city == NORTH).all()
