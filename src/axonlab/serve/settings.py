"""Server settings: defaults, overridden by ``AXONLAB_SERVE_*`` environment variables, then by
the command line (``axonlab serve --max-batch-size 64`` ...)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """What to serve, where, and the limits every request is held to."""

    model_config = SettingsConfigDict(env_prefix="AXONLAB_SERVE_")

    run_dirs: list[Path] = Field(
        default_factory=list,
        description="Run directories to load at start; nothing else is ever read from disk.",
    )
    index_dirs: list[Path] = Field(
        default_factory=list,
        description="Search index folders (`axonlab text index build`) to open at start.",
    )
    host: str = Field("127.0.0.1", description="Interface to bind; loopback only by default.")
    port: int = Field(8000, ge=0, le=65535)
    max_batch_size: int = Field(32, ge=1, description="Most texts per forward pass.")
    max_wait_ms: float = Field(
        5.0, ge=0, description="Longest wait (ms) for a batch to fill before it runs."
    )
    max_body_bytes: int = Field(1_000_000, ge=1, description="Largest request body (bytes).")
    max_text_chars: int = Field(10_000, ge=1, description="Longest single input text (chars).")
    max_inputs: int = Field(256, ge=1, description="Most texts in one predict request.")
    max_new_tokens: int = Field(1_000, ge=1, description="Most tokens one generate request asks.")
    max_queued_texts: int = Field(
        1_024, ge=1, description="Most texts waiting for one model's batches; more -> 503."
    )
    max_queued_generations: int = Field(
        32, ge=1, description="Most generations waiting for one language model; more -> 503."
    )
    request_timeout_s: float = Field(
        30.0,
        gt=0,
        allow_inf_nan=False,
        description="Longest wait (s) in a model's queue; work not started by then gets 503.",
    )
    body_timeout_s: float = Field(
        10.0,
        gt=0,
        allow_inf_nan=False,
        description="Longest time (s) a client may take to send a request body; slower -> 408.",
    )
    max_connections: int = Field(
        512, ge=1, description="Most open connections; more are answered 503 at once."
    )
    shutdown_timeout_s: float = Field(
        5.0,
        ge=0,
        allow_inf_nan=False,
        description="On Ctrl-C or SIGTERM, longest wait (s) for requests in flight (a long "
        "streamed generation would otherwise hold the server up).",
    )
    threads: int | None = Field(
        None,
        ge=1,
        description="Threads per forward pass, torch's and ONNX Runtime's (default: torch's "
        "choice, one per core).",
    )
    # ONNX Runtime int8 by default: it answers ~3x the requests/s of a pipeline-per-request
    # server (3.17x / 2.93x at 1 / 2 threads) where fp32 PyTorch reaches 1.7-2x
    # (docs/benchmarks.md, "serve"), with the same dev accuracy; its per-row activation scales
    # make every answer independent of the batch
    backend: Literal["torch", "onnx"] = Field(
        "onnx",
        description="Run text models with ONNX Runtime (exported once, into the run directory) "
        "or with PyTorch.",
    )
    quantize: bool = Field(
        True,
        description="With the onnx backend: int8 weights and per-row int8 activations "
        "(ignored by the torch backend).",
    )
