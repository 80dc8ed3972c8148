"""``axonlab backbones``: the built-in pretrained encoders, where they live, and preparing them."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from axonlab.cli.common import console, err_console, print_json

app = typer.Typer(
    help="Built-in pretrained encoders (--backbone NAME): list them, convert one ahead of time.",
    no_args_is_help=True,
)


@app.command("list")
def list_(
    json_: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Each built-in backbone: its name, where its model folder lives, whether it is ready."""
    from dataclasses import asdict

    from axonlab.text.backbones.builtin import BUILTINS, status

    states = [status(name) for name in BUILTINS]
    if json_:
        print_json({"backbones": [asdict(state) for state in states]})
        return
    for state in states:
        mark = "[green]ready[/]" if state.ready else "[yellow]not ready[/]"
        console.print(f"[bold]{state.name}[/]  {mark}  {state.summary}", highlight=False)
        console.print(f"  {state.path or '-'}", highlight=False)
        if not state.ready:
            hint = f" (or now: axonlab backbones prepare {state.name})" if state.installed else ""
            console.print(f"  {state.detail}{hint}", highlight=False)


@app.command()
def prepare(
    name: Annotated[
        str, typer.Argument(help="A built-in backbone (see `axonlab backbones list`).")
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Convert again even if the folder is ready.")
    ] = False,
    json_: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Convert a built-in backbone into the cache now, instead of on its first use."""
    from axonlab.text.backbones.builtin import prepare as prepare_backbone
    from axonlab.text.backbones.builtin import status

    start = time.perf_counter()

    def step(message: str) -> None:
        err_console.print(
            f"[dim]{time.perf_counter() - start:6.1f} s[/]  {message}", highlight=False
        )

    folder = prepare_backbone(name, force=force, progress=step)
    seconds = time.perf_counter() - start
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    if json_:
        print_json(
            {
                "name": name,
                "path": str(folder),
                "ready": status(name).ready,
                "seconds": round(seconds, 2),
                "bytes": size,
            }
        )
        return
    console.print(
        f"[green]ready[/] {name}: {folder} ({size / 1e6:.0f} MB, {seconds:.1f} s)", highlight=False
    )
