"""``axonlab sim``: run a YAML network spec (see :mod:`axonlab.neuro.spec`)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Simulate networks of neurons from YAML specs.", no_args_is_help=True)


@app.command("run")
def run(
    spec: Annotated[Path, typer.Argument(help="YAML network spec (examples/neuro/*.yaml).")],
    plot: Annotated[Path | None, typer.Option(help="Write a figure (traces, raster).")] = None,
    save: Annotated[Path | None, typer.Option(help="Write spikes and traces (.npz).")] = None,
    duration: Annotated[float | None, typer.Option(help="Override the duration (ms).")] = None,
    json: Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")] = False,
) -> None:
    """Simulate SPEC and report spike counts and rates per population."""
    from axonlab.cli.common import console, err_console, print_json
    from axonlab.errors import CoarseTimeStepWarning
    from axonlab.neuro.spec import load_spec, network_from_spec

    parsed = load_spec(spec)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CoarseTimeStepWarning)
        net = network_from_spec(parsed)
    for warning in caught:
        err_console.print(f"warning: {spec}: {warning.message}")
    result = net.run(duration or parsed.duration)
    summary = result.summary()
    summary["spec"] = str(spec)
    summary.update({name: pop for name, pop in summary["populations"].items()
                    if name not in summary})
    if plot is not None:
        result.plot(plot)
    if save is not None:
        result.save(save)
    if json:
        print_json(summary)
        return
    console.print(f"{parsed.name}: {result.duration:g} ms in {result.sim_seconds:.3f} s (loop)")
    for name, pop in summary["populations"].items():
        console.print(f"  {name:>12}: {pop['n']:>6} neurons, {pop['n_spikes']:>8} spikes, "
                      f"{pop['rate_hz']:.2f} Hz")
