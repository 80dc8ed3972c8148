"""What the sub-apps share: consoles, ``--json`` printing, the inference backend choice."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console

console = Console()
err_console = Console(stderr=True)


def print_json(obj: Any) -> None:
    """Print one JSON object on stdout (the ``--json`` contract): nothing else goes to stdout."""
    sys.stdout.write(json.dumps(obj, default=float) + "\n")
    sys.stdout.flush()


class Backend(StrEnum):
    """How text models run: PyTorch, or exported to ONNX Runtime (``--quantize``: int8)."""

    torch = "torch"
    onnx = "onnx"


BackendOption = Annotated[
    Backend,
    typer.Option(help="Run text models with torch, or exported to ONNX Runtime (exported once, "
                 "into the run directory)."),
]
QuantizeOption = Annotated[
    bool, typer.Option("--quantize", help="With --backend onnx: int8 dynamic quantisation.")
]


def check_backend(backend: Backend, quantize: bool) -> None:
    """Raise InputError for ``--quantize`` without ``--backend onnx``."""
    from axonlab.errors import InputError

    if quantize and backend is not Backend.onnx:
        raise InputError("--quantize needs --backend onnx")
