"""Golden outputs: behaviour is unchanged unless a commit says which behaviour changed and why.

Every bundled scenario at a fixed seed (600 citizens, 6 months) and a 4-run sweep give exactly
the tables and run ids recorded in tests/golden/expected/ (`python -m tests.golden.record`).
Counts, flags and categories must match exactly; floating-point columns to a relative 1e-12,
since NumPy's SIMD `exp`/`log` differ in the last bit between processors (AVX2 vs AVX-512:
initial incomes differ by 3e-16 relative), which the golden record must not mistake for a
behaviour change.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from tests.golden.record import EXPECTED, SUMMARY_COLUMNS_IGNORED, run_scenarios, run_sweep


def assert_same(actual: pd.DataFrame, expected: pd.DataFrame, obj: str = "table") -> None:
    """Every non-float column exactly; float columns to a relative 1e-12."""
    floats = [name for name in expected.columns if expected[name].dtype.kind == "f"]
    exact = [name for name in expected.columns if name not in floats]
    assert list(actual.columns) == list(expected.columns), obj
    pd.testing.assert_frame_equal(actual[exact], expected[exact], check_exact=True, obj=obj)
    pd.testing.assert_frame_equal(
        actual[floats], expected[floats], check_exact=False, rtol=1e-12, atol=0.0, obj=obj
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    return run_scenarios(tmp_path_factory.mktemp("golden"))


def _expected_stems() -> list[str]:
    return sorted(path.name for path in EXPECTED.iterdir() if path.is_dir())


def test_every_bundled_scenario_has_a_golden_record(runs):
    assert sorted(runs) == _expected_stems()


@pytest.mark.parametrize("stem", _expected_stems())
def test_bundled_scenario_outputs_are_unchanged(runs, stem):
    run_dir = runs[stem]
    assert run_dir.name == (EXPECTED / stem / "run_id").read_text().strip()
    for name in ("timeseries.parquet", "agents.parquet"):
        expected = pq.read_table(EXPECTED / stem / name).to_pandas()
        actual = pq.read_table(run_dir / name).to_pandas()
        assert_same(actual, expected, obj=f"{stem}/{name}")


def test_sweep_summary_is_unchanged(tmp_path):
    actual = run_sweep(tmp_path).drop(columns=list(SUMMARY_COLUMNS_IGNORED))
    expected = pq.read_table(EXPECTED / "summary.parquet").to_pandas()
    expected = expected.drop(columns=list(SUMMARY_COLUMNS_IGNORED))
    assert len(expected) == 4
    assert_same(actual, expected)
