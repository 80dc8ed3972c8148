"""``axonlab serve``: put trained run directories behind the HTTP API and the try-it page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from axonlab.cli.common import Backend, BackendOption, QuantizeOption, check_backend, console


def serve(
    run_dirs: Annotated[
        list[Path], typer.Argument(help="Run directories to serve (text classifiers, NER, LMs).")
    ],
    host: Annotated[str, typer.Option(help="Interface to bind (loopback by default).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    max_batch_size: Annotated[int, typer.Option(help="Most texts per forward pass.")] = 32,
    max_wait_ms: Annotated[
        float, typer.Option(help="Longest wait (ms) for a batch to fill.")
    ] = 5.0,
    max_body_bytes: Annotated[int, typer.Option(help="Largest request body (bytes).")] = 1_000_000,
    max_text_chars: Annotated[int, typer.Option(help="Longest input text (characters).")] = 10_000,
    max_inputs: Annotated[int, typer.Option(help="Most texts in one request.")] = 256,
    max_new_tokens: Annotated[int, typer.Option(help="Most tokens one generation asks.")] = 1_000,
    threads: Annotated[
        int | None, typer.Option(help="torch threads per forward pass (default: the torch's).")
    ] = None,
    backend: BackendOption = Backend.torch,
    quantize: QuantizeOption = False,
) -> None:
    """Serve models over HTTP: JSON API at /v1, OpenAPI docs at /docs, a web page at /."""
    import uvicorn
    from pydantic import ValidationError

    from axonlab.cli.text import quiet_transformers
    from axonlab.errors import InputError
    from axonlab.serve import Settings, create_app, load_runs
    from axonlab.serve.app import set_threads

    quiet_transformers()
    check_backend(backend, quantize)
    try:
        settings = Settings(
            run_dirs=run_dirs,
            host=host,
            port=port,
            max_batch_size=max_batch_size,
            max_wait_ms=max_wait_ms,
            max_body_bytes=max_body_bytes,
            max_text_chars=max_text_chars,
            max_inputs=max_inputs,
            max_new_tokens=max_new_tokens,
            threads=threads,
            backend=backend.value,
            quantize=quantize,
        )
    except ValidationError as err:
        first = err.errors()[0]
        option = "--" + str(first["loc"][0]).replace("_", "-")
        raise InputError(f"{option}: {first['msg']}") from err
    # Load before binding the port: a bad run directory is a one-line error, not a crashed worker.
    set_threads(settings.threads)  # before loading: ONNX Runtime sessions take the count too
    models = load_runs(settings.run_dirs, backend=settings.backend, quantize=settings.quantize)
    app = create_app(settings, models=models)
    names = ", ".join(models)
    console.print(f"serving {names} on [bold]http://{host}:{port}/[/]  (API docs at /docs)")
    uvicorn.run(app, host=host, port=port, log_level="warning")
