"""The `creditsim` command line."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sim.errors import RunFailure, ScenarioError
from sim.runs import layout

if TYPE_CHECKING:
    from sim.experiments.experiment_file import Experiment
    from sim.experiments.sweep import SweepReport
    from sim.scenario.schema import Scenario

app = typer.Typer(
    help="Simulate social-credit style reward and blacklist policies.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

USER_ERROR = 2


@contextmanager
def user_errors() -> Iterator[None]:
    """Print a user's mistake as one message, without a traceback, and exit 2.

    A failure outside the input (a worker that died) is printed the same way, exit 1.
    """
    try:
        yield
    except ScenarioError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(USER_ERROR) from None
    except RunFailure as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        typer.echo("interrupted; nothing half-written was kept", err=True)
        raise typer.Exit(130) from None


def overrides_from(settings: list[str], steps: int | None) -> dict[str, object]:
    """Turn `--set a.b=v` options (and --steps) into an overrides mapping."""
    from sim.scenario.files import parse_override

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


def _warn_of(scenario: Scenario, path: Path) -> None:
    """Print the scenario's own caveat and what looks unintended, on stderr."""
    if scenario.simulation.warning:
        typer.echo(f"warning: {path}: {scenario.simulation.warning}", err=True)
    for problem in scenario.warnings():
        typer.echo(f"warning: {path}: {problem}", err=True)


@app.command()
def run(
    scenario_path: ScenarioPath,
    seed: Annotated[int | None, typer.Option(min=0, help="Master seed.")] = None,
    steps: Annotated[int | None, typer.Option(help="Number of monthly steps.")] = None,
    settings: SetOption = None,
    out: Annotated[Path, typer.Option(help="Directory for run directories.")] = Path("results"),
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    report: Annotated[
        bool, typer.Option(help="Write report.html (charts) into the run directory.")
    ] = True,
    spells: Annotated[
        bool,
        typer.Option(help="Also write list_spells.parquet: every spell on the agencies' lists."),
    ] = False,
) -> None:
    """Run one scenario; print the run directory as the last line."""
    from sim.runs.preflight import check_memory, check_output_directory, output_needed
    from sim.runs.runner import run_to_disk
    from sim.scenario.files import load_scenario

    with user_errors():
        scenario = load_scenario(scenario_path, overrides_from(settings or [], steps))
        _warn_of(scenario, scenario_path)
        check_memory(scenario, str(scenario_path))
        check_output_directory(out, output_needed(scenario, report))
        run_dir = run_to_disk(
            scenario,
            out,
            seed=seed,
            progress=progress,
            extra_manifest={"scenario_file": str(scenario_path)},
            spells=spells,
        )
        if report:
            from sim.outputs.report import write_report

            typer.echo(f"report: {write_report(run_dir).html}", err=True)
    typer.echo(str(run_dir))


@app.command()
def validate(
    scenario_path: ScenarioPath,
    settings: SetOption = None,
) -> None:
    """Check a scenario file; print a one-line summary when it is valid."""
    from sim.scenario.files import load_scenario

    with user_errors():
        scenario = load_scenario(scenario_path, overrides_from(settings or [], None))
    _warn_of(scenario, scenario_path)
    typer.echo(
        f"{scenario_path}: valid ({scenario.population.citizens} citizens, "
        f"{len(scenario.cities)} cities, {len(scenario.behaviours)} behaviours, "
        f"{scenario.simulation.steps} steps)"
    )


@app.command()
def diff(
    first: Annotated[Path, typer.Argument(help="A scenario file (TOML).")],
    second: Annotated[Path, typer.Argument(help="Another scenario file.")],
) -> None:
    """Show every value that differs between two scenarios (inheritance and defaults applied)."""
    from sim.scenario.diff import differences
    from sim.scenario.files import load_scenario

    with user_errors():
        changes = differences(load_scenario(first), load_scenario(second))
    for key, a, b in changes:
        typer.echo(f"{key}: {json.dumps(a)} -> {json.dumps(b)}")
    typer.echo(f"{len(changes)} difference(s) between {first} and {second}", err=True)


@app.command()
def convert(
    scenario_path: ScenarioPath,
    out: Annotated[Path, typer.Option(help="Where to write the converted scenario (TOML).")],
    force: Annotated[bool, typer.Option(help="Replace `out` if it exists.")] = False,
) -> None:
    """Turn a scenario's points-scheme blacklists and red lists into agencies' [lists]."""
    from sim.scenario.convert import write_converted
    from sim.scenario.files import load_scenario

    with user_errors():
        notes = write_converted(scenario_path, load_scenario(scenario_path), out, force)
    for note in notes:
        typer.echo(f"note: {note}", err=True)
    typer.echo(f"{out}: written (extends {scenario_path}; `creditsim diff` shows the change)")


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files (for editors)."""
    from sim.scenario.files import json_schema

    typer.echo(json.dumps(json_schema(), indent=2))


ExperimentPath = Annotated[Path, typer.Argument(help="Experiment file (TOML).")]
WorkersOption = Annotated[
    int | None, typer.Option(min=1, help="Local worker processes (default: all cores).")
]
SchedulerOption = Annotated[
    str | None, typer.Option(help="Run on a Dask cluster: scheduler address tcp://HOST:PORT.")
]
ResumeOption = Annotated[
    bool,
    typer.Option("--resume/--fresh", help="Skip finished runs (default), or rerun every run."),
]
ResultsOption = Annotated[Path, typer.Option("--out", help="Results go to OUT/<experiment name>/.")]
ProgressOption = Annotated[bool, typer.Option(help="Show a progress bar.")]
ReportOption = Annotated[
    bool,
    typer.Option("--report/--no-report", help="Write report.html (charts) beside the results."),
]


def _write_report(results_dir: Path) -> None:
    """Write the charts of a results directory; say where on stderr."""
    from sim.outputs.report import write_report

    try:
        typer.echo(f"report: {write_report(results_dir).html}", err=True)
    except Exception as problem:  # the results are safe on disk; only the charts are missing
        typer.echo(
            f"warning: report not written ({type(problem).__name__}: {problem}); "
            f"retry with `creditsim report {results_dir}`",
            err=True,
        )


def _run_experiment(
    experiment: Experiment,
    workers: int | None,
    scheduler: str | None,
    resume: bool,
    out: Path,
    progress: bool,
) -> SweepReport:
    """Run what is not finished of a loaded experiment; report progress on stderr."""
    from sim.experiments.sweep import run_experiment

    report = run_experiment(
        experiment, out, workers=workers, scheduler=scheduler, resume=resume, progress=progress
    )
    _say_sweep(report)
    return report


@app.command()
def sweep(
    experiment_path: ExperimentPath,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    resume: ResumeOption = True,
    out: ResultsOption = Path("results"),
    progress: ProgressOption = True,
    make_report: ReportOption = True,
) -> None:
    """Run every design point and replication; print the summary.parquet path last."""
    with user_errors():
        from sim.experiments.experiment_file import load_experiment

        experiment = load_experiment(experiment_path)
        report = _run_experiment(experiment, workers, scheduler, resume, out, progress)
        if make_report:
            _write_report(report.results_dir)
    typer.echo(str(report.results_dir / layout.SUMMARY))
    if report.failed:
        raise typer.Exit(1)


def _say_sweep(report: SweepReport) -> None:
    """One line on stderr: what a sweep planned, skipped, ran and lost."""
    typer.echo(
        f"{report.results_dir.name}: {report.planned} runs planned, {report.skipped} already "
        f"finished, {report.ran} run now, {report.failed} failed",
        err=True,
    )


def _analyse(
    experiment_path: Path,
    check: Callable[[Experiment], object],
    analyse: Callable[..., Any],
    out: Path,
    make_report: bool,
    **options: Any,
) -> tuple[Experiment, Any]:
    """Load and check an experiment file, run its analysis (resumable), say so, report it."""
    with user_errors():
        from sim.experiments.experiment_file import load_experiment

        experiment = load_experiment(experiment_path)
        check(experiment)
        result = analyse(experiment, out, **options)
        _say_sweep(result.sweep)
        if make_report:
            _write_report(result.sweep.results_dir)
    return experiment, result


@app.command()
def compare(
    experiment_path: ExperimentPath,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    resume: ResumeOption = True,
    out: ResultsOption = Path("results"),
    progress: ProgressOption = True,
    make_report: ReportOption = True,
) -> None:
    """Run the designs with common random numbers; print paired differences with 95% CIs."""
    from sim.experiments.compare import check_comparable, compare_experiment

    experiment, result = _analyse(
        experiment_path, check_comparable, compare_experiment, out, make_report,
        workers=workers, scheduler=scheduler, resume=resume, progress=progress,
    )  # fmt: skip
    from sim.outputs.comparison_text import comparison_summary, comparison_table
    from sim.outputs.summaries import shares

    percent = shares({name: o.model_dump() for name, o in experiment.spec.outcomes.items()})
    typer.echo(comparison_table(result.comparison, percent))
    typer.echo("\n".join(["", *comparison_summary(result.comparison, percent), ""]))
    typer.echo(str(result.path))
    for warning in result.warnings:
        typer.echo(f"warning: compare: {warning}", err=True)


@app.command()
def sensitivity(
    experiment_path: ExperimentPath,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    resume: ResumeOption = True,
    out: ResultsOption = Path("results"),
    progress: ProgressOption = True,
    make_report: ReportOption = True,
) -> None:
    """Run a Saltelli (Sobol indices) or Morris (screening) design; print the indices."""
    from sim.experiments.sensitivity import check_sensitivity, sensitivity_experiment

    _, result = _analyse(
        experiment_path, check_sensitivity, sensitivity_experiment, out, make_report,
        workers=workers, scheduler=scheduler, resume=resume, progress=progress,
    )  # fmt: skip
    typer.echo(result.table())
    for warning in result.warnings:
        typer.echo(f"warning: sensitivity: {warning}", err=True)
    typer.echo(str(result.path))


@app.command()
def discover(
    experiment_path: ExperimentPath,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    resume: ResumeOption = True,
    out: ResultsOption = Path("results"),
    progress: ProgressOption = True,
    make_report: ReportOption = True,
) -> None:
    """Find the conditions under which an outcome crosses the file's threshold (PRIM)."""
    from sim.experiments.discovery import check_discovery, discover_experiment

    _, result = _analyse(
        experiment_path, check_discovery, discover_experiment, out, make_report,
        workers=workers, scheduler=scheduler, resume=resume, progress=progress,
    )  # fmt: skip
    from sim.outputs.analysis_text import box_lines

    box = result.box
    lines = box_lines(box.limits, box.cases, box.points, box.coverage, box.density,
                      result.description, box.chosen)  # fmt: skip
    typer.echo("\n".join(lines))
    typer.echo(str(result.path))


@app.command()
def optimise(
    experiment_path: ExperimentPath,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    out: ResultsOption = Path("results"),
    progress: ProgressOption = True,
    make_report: ReportOption = True,
) -> None:
    """Search the levers for the designs no other beats on every objective (NSGA-II)."""
    with user_errors():
        from sim.experiments.experiment_file import load_experiment
        from sim.experiments.optimisation import check_optimise, optimise_experiment

        experiment = load_experiment(experiment_path)
        check_optimise(experiment)
        result = optimise_experiment(
            experiment, out, workers=workers, scheduler=scheduler, progress=progress
        )
        typer.echo(
            f"{result.results_dir.name}: {result.runs['ran']} runs now, "
            f"{result.runs['skipped']} reused from disk, {result.runs['failed']} failed",
            err=True,
        )
        if make_report:
            _write_report(result.results_dir)
    from sim.outputs.analysis_text import front_text
    from sim.outputs.summaries import shares

    percent = shares({name: o.model_dump() for name, o in experiment.spec.outcomes.items()})
    candidates = len(result.evaluations)
    objectives = list(result.objectives)
    typer.echo(front_text(result.front, candidates, objectives, result.robustness, percent))
    typer.echo(str(result.results_dir / layout.FRONT))


@app.command("app")
def serve_app(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8765,
    check: Annotated[
        bool, typer.Option("--check", help="Report, offline, whether the page has every file.")
    ] = False,
) -> None:
    """Serve the classroom app: open http://HOST:PORT in a browser; Ctrl-C stops it."""
    from sim.app import assets

    if host not in ("127.0.0.1", "localhost", "::1"):
        typer.echo(
            f"warning: --host {host}: the page has no login; anyone who can reach "
            f"{host}:{port} can use it (fine on a classroom network, not on the internet)",
            err=True,
        )
    cache = assets.use_local_assets()
    if check:
        ready, lines = assets.report(cache)
        typer.echo("\n".join(lines))
        typer.echo("ready for an offline classroom" if ready else "not ready", err=not ready)
        raise typer.Exit(0 if ready else 1)
    if not assets.ready(cache):
        try:
            assets.provision(cache, log=lambda text: typer.echo(text, err=True))
        except RuntimeError as problem:
            typer.echo(f"warning: {problem}; the page needs internet to load", err=True)
    from sim.app.serve import port_problem, serve

    problem = port_problem(host, port)
    if problem is not None:
        typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(USER_ERROR)
    typer.echo(f"creditsim app: http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    serve(host, port, say=lambda text: typer.echo(text, err=True))


@app.command()
def calibrate(
    calibration_path: Annotated[Path, typer.Argument(help="Calibration file (TOML).")],
    out: Annotated[Path, typer.Option(help="Directory for calibration results.")] = Path(
        "results/calibration"
    ),
    max_evaluations: Annotated[
        int | None, typer.Option(min=1, help="Override the evaluations allowed (optimise).")
    ] = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume/--fresh",
            help="Continue the ABC database in OUT (default), or delete it and start again.",
        ),
    ] = True,
    progress: ProgressOption = True,
    docs: Annotated[
        Path | None, typer.Option(help="Also write <DOCS>/calibration.md and its charts.")
    ] = None,
) -> None:
    """Fit a scenario's unknown parameters to published figures; write the fitted scenario.

    method = "abc" (ABC-SMC, pyabc): a posterior, predictive intervals for every target and
    checks over fresh seeds and a larger population; method = "optimise": a point fit.
    """
    from sim.experiments.calibration import load_calibration
    from sim.runs.preflight import check_output_directory

    with user_errors():
        calibration = load_calibration(calibration_path)
        check_output_directory(out, needed=50_000_000)
        fitted_path = (
            calibration.path.parent / calibration.spec.calibration.output_scenario
        ).resolve()
        check_output_directory(fitted_path.parent, needed=100_000, option="output_scenario")
        if docs is not None:
            check_output_directory(docs, needed=5_000_000, option="--docs")
        if calibration.spec.calibration.method == "abc":
            _calibrate_bayesian(calibration, out, workers, scheduler, resume, progress, docs)
        else:
            _calibrate_optimise(calibration, out, max_evaluations, progress, docs)


def _calibrate_bayesian(calibration, out, workers, scheduler, resume, progress, docs) -> None:
    """ABC-SMC on the sweeps' executors; the table, the posterior and the fitted scenario."""
    from sim.experiments.bayesian import calibrate_bayesian, write_bayesian_outputs
    from sim.experiments.calibration import write_fitted_scenario
    from sim.experiments.executors import open_backend
    from sim.outputs.calibration_page import (
        bayesian_provenance,
        format_bayesian_table,
        write_bayesian_docs,
        write_bayesian_report,
    )

    directory = Path(out) / calibration.spec.calibration.name
    with open_backend(workers, scheduler) as backend:
        typer.echo(f"calibrate: ABC-SMC on {backend.description}", err=True)
        result = calibrate_bayesian(
            calibration, directory, backend.executor, backend.slots, progress, fresh=not resume
        )
    write_bayesian_outputs(calibration, result, directory, backend.description)
    report = write_bayesian_report(calibration, result, directory)
    scenario_path = write_fitted_scenario(
        calibration, result.median, bayesian_provenance(calibration, result)
    )
    if docs is not None:
        write_bayesian_docs(calibration, result, docs)
    typer.echo(format_bayesian_table(result.table))
    typer.echo("")
    typer.echo("posterior median: " + ", ".join(f"{k} = {v:.4g}" for k, v in result.median.items()))
    typer.echo(f"fitted scenario: {scenario_path}")
    typer.echo(f"report: {report}")
    typer.echo(str(directory))


def _calibrate_optimise(calibration, out, max_evaluations, progress, docs) -> None:
    """The point fit (bounded Nelder-Mead)."""
    from sim.experiments.calibration import calibrate as fit
    from sim.experiments.calibration import write_fitted_scenario, write_outputs
    from sim.outputs.calibration_page import format_table, write_docs_page

    if max_evaluations is not None:
        settings = calibration.spec.calibration.model_copy(
            update={"max_evaluations": max_evaluations}
        )
        spec = calibration.spec.model_copy(update={"calibration": settings})
        calibration = type(calibration)(
            spec, calibration.path, calibration.scenario_path, calibration.scenario_data
        )
    result = fit(calibration, progress=progress)
    directory = write_outputs(calibration, result, out)
    scenario_path = write_fitted_scenario(calibration, result.fitted)
    if docs is not None:
        write_docs_page(calibration, result, docs)
    typer.echo(format_table(result.table))
    typer.echo("fitted: " + ", ".join(f"{k} = {v:.4g}" for k, v in result.fitted.items()))
    typer.echo(f"fitted scenario: {scenario_path}")
    typer.echo(str(directory))


@app.command()
def rerun(
    manifest_path: Annotated[
        Path, typer.Argument(help="A run's manifest.json (or its run directory).")
    ],
    out: Annotated[Path, typer.Option(help="Directory for the rerun.")] = Path("results/reruns"),
) -> None:
    """Run again from a manifest (scenario, seed, keys); say whether the tables are identical."""
    from sim.model.version import MODEL_VERSION
    from sim.runs.rerun import rerun as run_again

    with user_errors():
        result = run_again(manifest_path, out)
    if not result.same_model:
        typer.echo(
            f"warning: the manifest was written by model version {result.recorded_version}; "
            f"this is model version {MODEL_VERSION} (CHANGELOG.md says what changed), so the "
            "outputs may differ",
            err=True,
        )
    if result.identical is None:
        typer.echo(
            "rerun: the original tables are not beside the manifest; nothing compared", err=True
        )
    else:
        verdict = "identical to" if result.identical else "DIFFERENT from"
        typer.echo(f"rerun: timeseries and agents {verdict} {result.original_dir}", err=True)
    typer.echo(str(result.run_dir))
    if result.identical is False:
        raise typer.Exit(1)


@app.command("report")
def report_command(
    results_path: Annotated[
        Path, typer.Argument(help="A run directory or an experiment's results directory.")
    ],
    formats: Annotated[
        str, typer.Option("--format", help="Comma-separated: html, png, svg.")
    ] = "html",
) -> None:
    """Write the charts of a run or experiment: report.html, and charts/*.png|svg if asked."""
    from sim.outputs.report import write_report

    with user_errors():
        written = write_report(results_path, formats)
    if written.message:
        typer.echo(f"warning: {written.message}", err=True)
    typer.echo(str(written.html))
    for image in written.images:
        typer.echo(str(image))


if __name__ == "__main__":
    app()
