"""``axonlab serve``: put trained run directories behind the HTTP API and the try-it page.

The defaults live in :class:`axonlab.serve.Settings` only: an option left out is not passed, so
its ``AXONLAB_SERVE_*`` environment variable or else the setting's default applies (flag > env >
default, for every setting), and ``--help`` shows the setting's default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from axonlab.cli.common import Backend, check_backend, console, given
from axonlab.serve.settings import Settings


def _option(name: str, help: str) -> Any:
    """A ``--name`` option whose help shows the setting's default."""
    default = Settings.model_fields[name].default
    if default is None:
        shown = "torch's (one per core)"
    elif name.startswith("max_"):
        shown = f"{default:,}"
    else:
        shown = str(default)
    return typer.Option(help=help, show_default=shown)


def serve(
    run_dirs: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Run directories to serve (text classifiers, NER, LMs, recommenders).",
            metavar="RUN_DIR",
        ),
    ] = None,
    index: Annotated[
        list[Path] | None,
        typer.Option(
            help="A search index folder (`axonlab text index build`) to serve at "
            "/v1/indexes/NAME/search; repeat for more.",
            metavar="FOLDER",
        ),
    ] = None,
    host: Annotated[str | None, _option("host", "Interface to bind (loopback by default).")] = None,
    port: Annotated[int | None, _option("port", "TCP port.")] = None,
    max_batch_size: Annotated[
        int | None, _option("max_batch_size", "Most texts per forward pass.")
    ] = None,
    max_wait_ms: Annotated[
        float | None, _option("max_wait_ms", "Longest wait (ms) for a batch to fill.")
    ] = None,
    max_body_bytes: Annotated[
        int | None, _option("max_body_bytes", "Largest request body (bytes); more -> 413.")
    ] = None,
    max_text_chars: Annotated[
        int | None, _option("max_text_chars", "Longest input text (characters).")
    ] = None,
    max_inputs: Annotated[int | None, _option("max_inputs", "Most texts in one request.")] = None,
    max_new_tokens: Annotated[
        int | None, _option("max_new_tokens", "Most tokens one generation asks.")
    ] = None,
    max_queued_texts: Annotated[
        int | None, _option("max_queued_texts", "Most texts waiting per model; more -> 503.")
    ] = None,
    max_queued_generations: Annotated[
        int | None,
        _option("max_queued_generations", "Most generations waiting per LM; more -> 503."),
    ] = None,
    request_timeout_s: Annotated[
        float | None,
        _option("request_timeout_s", "Longest wait (s) in a model's queue; later -> 503."),
    ] = None,
    body_timeout_s: Annotated[
        float | None, _option("body_timeout_s", "Longest upload of a body (s); slower -> 408.")
    ] = None,
    max_connections: Annotated[
        int | None, _option("max_connections", "Most open connections; more -> 503.")
    ] = None,
    shutdown_timeout_s: Annotated[
        float | None,
        _option("shutdown_timeout_s", "On Ctrl-C/SIGTERM, longest wait (s) for requests."),
    ] = None,
    threads: Annotated[
        int | None, _option("threads", "Threads per forward pass (torch, ONNX Runtime).")
    ] = None,
    backend: Annotated[
        Backend | None,
        _option(
            "backend",
            "Run text models with ONNX Runtime (exported once, into the run directory) or PyTorch.",
        ),
    ] = None,
    quantize: Annotated[
        bool | None,
        typer.Option(
            "--quantize/--no-quantize",
            help="With --backend onnx: int8, per-row activation scales (same answer whatever the "
            "batch). --no-quantize: fp32.",
            show_default="on with onnx",
        ),
    ] = None,
) -> None:
    """Serve models over HTTP: JSON API at /v1, OpenAPI docs at /docs, a web page at /."""
    from pydantic import ValidationError

    from axonlab.cli.common import quiet_transformers
    from axonlab.errors import InputError
    from axonlab.serve import create_app, load_runs
    from axonlab.serve.app import serve_forever, set_threads
    from axonlab.serve.indexes import load_indexes

    quiet_transformers()
    # Only what the user set is passed: the rest comes from AXONLAB_SERVE_* or the defaults.
    options = given(
        host=host,
        port=port,
        max_batch_size=max_batch_size,
        max_wait_ms=max_wait_ms,
        max_body_bytes=max_body_bytes,
        max_text_chars=max_text_chars,
        max_inputs=max_inputs,
        max_new_tokens=max_new_tokens,
        max_queued_texts=max_queued_texts,
        max_queued_generations=max_queued_generations,
        request_timeout_s=request_timeout_s,
        body_timeout_s=body_timeout_s,
        max_connections=max_connections,
        shutdown_timeout_s=shutdown_timeout_s,
        threads=threads,
        backend=backend and backend.value,
        quantize=quantize,
    )
    try:
        settings = Settings(run_dirs=run_dirs or [], index_dirs=index or [], **options)
    except ValidationError as err:
        first = err.errors()[0]
        name = str(first["loc"][0])
        where = "--" + name.replace("_", "-")
        if name not in options:
            where += f" (from AXONLAB_SERVE_{name.upper()})"
        raise InputError(f"{where}: {first['msg']}") from err
    if quantize and settings.backend != Backend.onnx.value:
        check_backend(Backend(settings.backend), quantize)  # --quantize asked of torch
    int8 = settings.quantize and settings.backend == Backend.onnx.value
    # Load before binding the port: a bad run directory is a one-line error, not a crashed worker.
    set_threads(settings.threads)  # before loading: ONNX Runtime sessions take the count too
    if not settings.run_dirs and not settings.index_dirs:
        raise InputError("nothing to serve: give run directories and/or --index folders")
    models = load_runs(settings.run_dirs, backend=settings.backend, quantize=int8)
    indexes = load_indexes(settings.index_dirs)
    app = create_app(settings, models=models, indexes=indexes)
    names = ", ".join([*models, *(f"index {name}" for name in indexes)])
    url = f"http://{settings.host}:{settings.port}/"
    console.print(f"serving {names} on [bold]{url}[/]  (API docs at /docs)")
    serve_forever(app, settings)
