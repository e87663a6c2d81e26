"""Migration: citizens move between cities; listings not recognised there are escaped.

Unlisted citizens move at `rate_per_month`, blacklisted ones at `listed_rate_per_month`;
the destination is drawn by population share (the same city means no move). A listing binds
in the city that made it, in the other cities of its pilot zone once the zone has started,
and everywhere if its scheme is national; elsewhere the mover escapes it (displacement).
A listing of the agencies' [lists] stays on record when its member moves; it binds or not by
where the member lives (stage `lists`): a mover bound by such listings before the move and
by none after it has escaped them (`list_escaped`), and is bound again on moving back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.draws import bernoulli_indices
from sim.model.events import Moves
from sim.model.memberships import bound_by_lists, on_blacklist
from sim.model.transitions import clip_scores, delist

if TYPE_CHECKING:
    from sim.model.population import Population
    from sim.model.rules import RuleTables
    from sim.scenario.schema import Scenario


def migrate(
    rng: np.random.Generator,
    citizens: Population,
    rules: RuleTables,
    scenario: Scenario,
    step: int,
) -> Moves:
    """Move citizens and clear the listings their new city does not recognise."""
    migration = scenario.migration
    top_rate = max(migration.rate_per_month, migration.listed_rate_per_month)
    if not migration.enabled or top_rate <= 0 or len(rules.city_names) < 2:
        return Moves(0, 0, 0)
    candidates = bernoulli_indices(rng, citizens.size, top_rate)
    listed = on_blacklist(citizens, rules.lists)[candidates]
    rate = np.where(listed, migration.listed_rate_per_month, migration.rate_per_month)
    movers = candidates[rng.random(candidates.size) * top_rate < rate]
    destination = rng.choice(len(rules.city_names), size=movers.size, p=rules.city_share)
    moving = destination != citizens.city[movers]
    movers, destination = movers[moving], destination[moving]
    no_scheme = len(rules.scheme_names)
    unscored = (rules.city_scheme[citizens.city[movers]] == no_scheme) | (
        rules.city_scheme[destination] == no_scheme
    )
    bound_before = bound_by_lists(citizens, rules.lists, movers, step)
    citizens.city[movers] = destination
    bound_after = bound_by_lists(citizens, rules.lists, movers, step)
    # A score does not travel to or from a city without a scheme: start at the new base.
    new_scheme = rules.city_scheme[destination[unscored]]
    citizens.score[movers[unscored]] = rules.base_score[new_scheme]
    clip_scores(citizens, rules, movers)
    listed_movers = movers[citizens.blacklisted[movers]]
    binding = rules.recognised(
        citizens.listing_city[listed_movers],
        citizens.city[listed_movers],
        citizens.listing_behaviour[listed_movers],
        step,
    )
    escaped = listed_movers[~binding]
    delist(citizens, rules, escaped)
    return Moves(
        int(movers.size),
        int(listed_movers.size),
        int(escaped.size),
        list_members_moved=int(bound_before.sum()),
        list_escaped=int((bound_before & ~bound_after).sum()),
    )
