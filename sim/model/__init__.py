"""One simulation in memory: the Mesa model, its populations, rules and monthly stages."""

from sim.model.model import CreditModel

__all__ = ["CreditModel"]
