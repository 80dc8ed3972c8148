"""What the sub-apps share: consoles, ``--json`` printing, the inference backend choice."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console

console = Console(soft_wrap=True)  # long lines wrap in the terminal, not mid-number in logs
err_console = Console(stderr=True, soft_wrap=True)


def given(**options: Any) -> dict[str, Any]:
    """The options the user set: those not ``None``. Commands pass on only these, so every
    default lives once, in the library."""
    return {name: value for name, value in options.items() if value is not None}


def print_json(obj: Any) -> None:
    """Print one JSON object on stdout (the ``--json`` contract): nothing else goes to stdout.

    Strict JSON: a non-finite number is written as ``null``, never as the invalid ``NaN``.
    """
    from axonlab.runs import to_json

    sys.stdout.write(to_json(obj) + "\n")
    sys.stdout.flush()


class Backend(StrEnum):
    """How text models run: PyTorch, or exported to ONNX Runtime (``--quantize``: int8)."""

    torch = "torch"
    onnx = "onnx"


BackendOption = Annotated[
    Backend,
    typer.Option(
        help="Run text models with torch, or exported to ONNX Runtime (exported once, "
        "into the run directory)."
    ),
]
QuantizeOption = Annotated[
    bool, typer.Option("--quantize", help="With --backend onnx: int8 dynamic quantisation.")
]


def check_backend(backend: Backend, quantize: bool) -> None:
    """Raise InputError for ``--quantize`` without ``--backend onnx``."""
    from axonlab.errors import InputError

    if quantize and backend is not Backend.onnx:
        raise InputError("--quantize needs --backend onnx")


@contextmanager
def warnings_as_lines(prefix: str = "") -> Iterator[None]:
    """Show each of axonlab's warnings raised in the body as one ``warning: {prefix}...`` line on
    stderr, when the body ends (others are kept off the terminal)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        finally:
            for warning in caught:
                if warning.category.__module__.startswith("axonlab"):
                    err_console.print(
                        f"[yellow]warning:[/] {prefix}{warning.message}", highlight=False
                    )


@contextmanager
def interrupted(hint: str) -> Iterator[None]:
    """Turn Ctrl-C in the body into a one-line message with ``hint`` and exit code 130."""
    try:
        yield
    except KeyboardInterrupt:
        err_console.print(f"[yellow]interrupted[/]: {hint}", highlight=False)
        raise typer.Exit(130) from None


def quiet_transformers() -> None:
    """Keep transformers' load reports and save progress bars off the terminal."""
    import transformers

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
