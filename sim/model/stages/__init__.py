"""The monthly stages: whole-array work over one population each (see `CreditModel.step`)."""
