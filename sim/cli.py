"""The `creditsim` command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from sim.errors import ScenarioError
from sim.scenario import json_schema, load_scenario, parse_override

app = typer.Typer(
    help="Simulate social-credit style reward and blacklist policies.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

USER_ERROR = 2


@contextmanager
def user_errors() -> Iterator[None]:
    """Print a user's mistake as one message, without a traceback, and exit 2."""
    try:
        yield
    except ScenarioError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(USER_ERROR) from None
    except KeyboardInterrupt:
        typer.echo("interrupted; nothing half-written was kept", err=True)
        raise typer.Exit(130) from None


def overrides_from(settings: list[str], steps: int | None) -> dict[str, object]:
    """Turn `--set a.b=v` options (and --steps) into an overrides mapping."""
    overrides: dict[str, object] = {}
    for text in settings:
        path, value = parse_override(text)
        overrides[".".join(path)] = value
    if steps is not None:
        overrides["simulation.steps"] = steps
    return overrides


ScenarioPath = Annotated[Path, typer.Argument(help="Scenario file (TOML).")]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a value: key.path=value (repeatable)."),
]


@app.command()
def run(
    scenario_path: ScenarioPath,
    seed: Annotated[int | None, typer.Option(min=0, help="Master seed.")] = None,
    steps: Annotated[int | None, typer.Option(help="Number of monthly steps.")] = None,
    settings: SetOption = None,
    out: Annotated[Path, typer.Option(help="Directory for run directories.")] = Path("results"),
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Run one scenario; print the run directory as the last line."""
    from sim.runner import run_to_disk

    with user_errors():
        scenario = load_scenario(scenario_path, overrides_from(settings or [], steps))
        run_dir = run_to_disk(
            scenario,
            out,
            seed=seed,
            progress=progress,
            extra_manifest={"scenario_file": str(scenario_path)},
        )
    typer.echo(str(run_dir))


@app.command()
def validate(
    scenario_path: ScenarioPath,
    settings: SetOption = None,
) -> None:
    """Check a scenario file; print a one-line summary when it is valid."""
    with user_errors():
        scenario = load_scenario(scenario_path, overrides_from(settings or [], None))
    typer.echo(
        f"{scenario_path}: valid ({scenario.population.citizens} citizens, "
        f"{len(scenario.cities)} cities, {len(scenario.behaviours)} behaviours, "
        f"{scenario.simulation.steps} steps)"
    )


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files (for editors)."""
    typer.echo(json.dumps(json_schema(), indent=2))


if __name__ == "__main__":
    app()
