"""The model's behaviour version: it changes with every change of what the model computes.

Each version is an entry of CHANGELOG.md naming the behaviour that changed, so results
written by older versions (their manifests carry `model_version`) can be told apart.
"""

MODEL_VERSION = "1.14"
