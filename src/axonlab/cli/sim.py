"""``axonlab sim``: run a YAML network spec (see :mod:`axonlab.neuro.spec`)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Simulate networks of neurons from YAML specs.", no_args_is_help=True)


@app.command("run")
def run(
    spec: Annotated[Path, typer.Argument(help="YAML network spec (examples/neuro/*.yaml).")],
    plot: Annotated[
        Path | None,
        typer.Option(
            help="Write a figure (traces, raster, rates; f-I curve for a current sweep); the "
            "extension picks the format: .png, .pdf, .svg, ..."
        ),
    ] = None,
    save: Annotated[
        Path | None, typer.Option(help="Write spikes and traces (.npz, or .nwb with pynwb).")
    ] = None,
    nwb: Annotated[
        Path | None,
        typer.Option(help="Write spikes, traces and stimuli as an NWB file (the nwb extra)."),
    ] = None,
    duration: Annotated[
        float | None,
        typer.Option(help="Simulate this many ms instead of the spec's duration (> 0)."),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Use this random seed instead of the spec's.", min=0)
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")] = False,
) -> None:
    """Simulate SPEC and report spike counts and rates per population (and, for synapses that
    learn, their final weights)."""
    from axonlab.cli.common import console, print_json, warnings_as_lines
    from axonlab.errors import InputError
    from axonlab.neuro.results.outputs import check_data_path, check_figure_path
    from axonlab.neuro.results.plot import current_sweeps
    from axonlab.neuro.spec import load_spec, network_from_spec
    from axonlab.neuro.sweep import run_summary

    # everything the user typed is checked before the (possibly long) simulation starts
    if duration is not None and not (math.isfinite(duration) and duration > 0):
        raise InputError(f"`duration` must be a positive number of ms, got {duration:g}")
    # parameters named in backticks: the CLI shows them as their flags (cli.as_flags)
    for flag, value, check in (
        ("`plot`", plot, check_figure_path),
        ("`save`", save, check_data_path),
        ("`nwb`", nwb, check_data_path),
    ):
        if value is not None:
            try:
                check(value)
            except InputError as err:
                raise InputError(f"{flag} {err}") from None
    if nwb is not None and nwb.suffix.lower() != ".nwb":
        raise InputError(f"`nwb` {nwb}: an NWB file's name ends in .nwb")
    if nwb is not None or (save is not None and save.suffix.lower() == ".nwb"):
        from axonlab.neuro.results.nwb import require_pynwb

        require_pynwb()  # a missing extra is said before the run, not after it
    parsed = load_spec(spec)
    if seed is not None:
        parsed = parsed.model_copy(update={"seed": seed})
    with warnings_as_lines(prefix=f"{spec}: "):  # before the run, not after it
        net = network_from_spec(parsed)
    result = net.run(parsed.duration if duration is None else duration)
    summary = run_summary(result, spec)
    sweeps = current_sweeps(result)  # a population driven at one current per neuron: f-I
    if plot is not None:
        result.plot(plot, title=_title(parsed))
    if save is not None:
        result.save(save)
    if nwb is not None:
        result.save(nwb)
    if json:
        print_json(summary)
        return
    console.print(f"{parsed.name}: {result.duration:g} ms in {result.sim_seconds:.3f} s (loop)")
    for name, pop in summary["populations"].items():
        console.print(
            f"  {name:>12}: {pop['n']:>6} neurons, {pop['n_spikes']:>8} spikes, "
            f"{pop['rate_hz']:.2f} Hz"
        )
    for name, proj in summary.get("projections", {}).items():
        console.print(
            f"  {name:>12}: mean weight {proj['mean_weight']:.4g} of w_max {proj['w_max']:g}; "
            f"{proj['fraction_above_90pct']:.1%} above 90%, "
            f"{proj['fraction_below_10pct']:.1%} below 10%"
        )
    for s in sweeps:
        console.print(f"  f-I curve of {s.population} ({s.start:g}-{s.stop:g} ms):")
        for current, rate in sorted(zip(s.currents, s.rates_hz, strict=True)):
            console.print(f"    {current:>8g} uA/cm2 -> {rate:7.1f} Hz")


def _title(parsed) -> str:
    return parsed.name if not parsed.description else f"{parsed.name}: {parsed.description}"


@app.command("sweep")
def sweep(
    specs: Annotated[list[Path], typer.Argument(help="YAML network specs, one simulation each.")],
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="KEY.PATH=[v1,v2,...]: a grid over one spec's key (repeat for more keys; "
            "e.g. populations.exc.model.tau_m=[10,20,30], connections.0.weight=[0.1,0.2]).",
        ),
    ] = None,
    jobs: Annotated[int, typer.Option(help="With --set: processes to run the grid on.", min=1)] = 1,
    duration: Annotated[
        float | None, typer.Option(help="With --set: simulate this many ms per point.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option(help="With --set: write the table here (.csv or .json).")
    ] = None,
    engine: Annotated[
        str, typer.Option(help="local: one after another here; ray: as Ray tasks.")
    ] = "local",
    workers: Annotated[
        int | None, typer.Option(help="With --engine ray: CPUs of the local Ray cluster.", min=1)
    ] = None,
    address: Annotated[
        str | None, typer.Option(help="With --engine ray: a running Ray cluster to join.")
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")] = False,
) -> None:
    """Simulate many specs, or one spec over a grid of parameter values (--set), and print
    one table: parameters against rates, ISI CV, ATP, glucose and final weights."""
    from axonlab.cli.common import console, print_json
    from axonlab.errors import InputError
    from axonlab.neuro.sweep import run_sweep
    from axonlab.text.predict.batch import progress_bar

    if set_:
        from axonlab.neuro.grid import grid_points, parse_setting, run_grid, write_table

        if len(specs) != 1:
            raise InputError(f"--set sweeps one spec over a grid; got {len(specs)} specs")
        if output is not None and output.suffix not in (".csv", ".json"):
            raise InputError(f"`output` {output}: write the table as .csv or .json")
        settings = dict(parse_setting(text) for text in set_)
        with progress_bar(not json, "simulating", len(grid_points(settings)), 0) as advance:
            table = run_grid(specs[0], settings, jobs=jobs, duration=duration, progress=advance)
        if output is not None:
            write_table(table["rows"], output)
        if json:
            print_json(table)
            return
        for row in table["rows"]:
            console.print(", ".join(f"{k}={_cell(v)}" for k, v in row.items()), highlight=False)
        console.print(f"{len(table['rows'])} points on {jobs} processes in "
                      f"{table['seconds']:.1f} s", highlight=False)  # fmt: skip
        return
    with progress_bar(not json, "simulating", len(specs), 0) as advance:
        table = run_sweep(specs, engine=engine, workers=workers, address=address,
                          progress=advance)  # fmt: skip
    if json:
        print_json(table)
        return
    for run in table["runs"]:
        rates = ", ".join(
            f"{name} {pop['rate_hz']:.2f} Hz" for name, pop in run["populations"].items()
        )
        console.print(f"{run['spec']}: {rates}", highlight=False)
    console.print(f"{len(table['runs'])} specs in {table['seconds']:.1f} s", highlight=False)


def _cell(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
