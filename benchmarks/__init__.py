"""Benchmarks: speed and memory of the model at national scale (see docs/performance.md).

`uv run python -m benchmarks.run` prints the table and writes results/benchmarks/benchmark.json.
"""
