"""`creditsim app --check`: offline, says whether a classroom has every file the page loads."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from sim.app import assets
from sim.cli import app

runner = CliRunner()


def test_check_lists_every_missing_file_and_the_command_that_fetches_them(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv(assets.CACHE_ENV, str(tmp_path / "empty"))
    result = runner.invoke(app, ["app", "--check"])
    assert result.exit_code == 1
    for package in assets.asset_packages():
        assert f"{package.spec}: MISSING" in result.output
    assert "python -m sim.app.assets" in result.output and "not ready" in result.output


def test_check_passes_once_the_cache_is_complete_and_warns_of_an_open_host(
    tmp_path: Path, monkeypatch
) -> None:
    cache = tmp_path / "cache"
    for package in assets.asset_packages():
        for name in package.files:
            (cache / package.spec / name).parent.mkdir(parents=True, exist_ok=True)
            (cache / package.spec / name).write_text("x")
    (cache / assets.plotly_js_path()).parent.mkdir(parents=True, exist_ok=True)
    (cache / assets.plotly_js_path()).write_text("x")
    monkeypatch.setenv(assets.CACHE_ENV, str(cache))
    result = runner.invoke(app, ["app", "--check", "--host", "0.0.0.0"])
    assert result.exit_code == 0, result.output
    assert "ready for an offline classroom" in result.output
    assert "the page has no login" in result.output
