"""The HTTP API: ``create_app(settings)`` builds a FastAPI app serving the run directories named
in ``settings`` (loaded once, at start-up, in the lifespan).

Every endpoint is a coroutine: a request waiting for its batch or for a language model's turn
holds no thread, so a crowd of waiting requests never starves the thread pool that the static
files and the model workers need. A request whose client hangs up while it waits is withdrawn.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from axonlab import __version__
from axonlab.errors import InputError
from axonlab.serve.application_routes import add_application_routes
from axonlab.serve.batcher import DeadlineExceededError, QueueFullError
from axonlab.serve.generation import GenerationStream, generate_text
from axonlab.serve.indexes import add_index_routes, load_indexes
from axonlab.serve.limits import BodySizeLimit
from axonlab.serve.models import ModelRegistry, load_runs
from axonlab.serve.requests import (
    ClientGone,
    Config,
    Model,
    Registry,
    check_texts,
    unless_client_leaves,
)
from axonlab.serve.schemas import (
    GenerateRequest,
    GenerateResponse,
    Health,
    ModelList,
    PredictRequest,
    PredictResponse,
)
from axonlab.serve.settings import Settings

STATIC = Path(__file__).resolve().parent / "static"


def create_app(
    settings: Settings,
    models: dict[str, Any] | None = None,
    indexes: dict[str, Any] | None = None,
) -> FastAPI:
    """The app for ``settings``. ``models`` (name -> model) replaces loading ``run_dirs``:
    tests hand in small stand-ins that way; ``indexes`` (name -> SearchIndex) replaces
    opening ``index_dirs``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        set_threads(settings.threads)
        loaded = models
        if loaded is None:
            loaded = load_runs(
                settings.run_dirs, backend=settings.backend, quantize=settings.quantize
            )
        registry = ModelRegistry(
            loaded,
            max_batch_size=settings.max_batch_size,
            max_wait_ms=settings.max_wait_ms,
            max_queued_texts=settings.max_queued_texts,
            max_queued_generations=settings.max_queued_generations,
            timeout_s=settings.request_timeout_s,
        )
        app.state.registry = registry
        app.state.indexes = indexes if indexes is not None else load_indexes(settings.index_dirs)
        try:
            yield
        finally:
            registry.close()

    app = FastAPI(
        title="axonlab serve",
        version=__version__,
        description="Text classifiers, NER taggers, language models and recommenders trained "
        "with axonlab.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.add_middleware(
        BodySizeLimit,
        max_body_bytes=settings.max_body_bytes,
        body_timeout_s=settings.body_timeout_s,
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _add_error_handlers(app)
    _add_routes(app, page=(STATIC / "index.html").read_text(encoding="utf-8"))
    add_application_routes(app)
    add_index_routes(app)
    return app


def serve_forever(app: FastAPI, settings: Settings) -> None:
    """Serve ``app`` with uvicorn on ``settings.host:port`` as ``axonlab serve`` does, until
    Ctrl-C or SIGTERM; requests still running ``shutdown_timeout_s`` later are cancelled."""
    import uvicorn

    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        limit_concurrency=settings.max_connections,
        timeout_graceful_shutdown=settings.shutdown_timeout_s,
    )


def set_threads(threads: int | None) -> None:
    """torch threads per forward pass, for every thread that starts using torch from now on
    (the batchers' workers); the event loop and request threads share the same cores."""
    if threads is not None:
        import torch

        torch.set_num_threads(threads)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_body(request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's own handler echoes each bad value back; a NaN or 1e999999 from Python's
        # lenient JSON parser cannot be written as JSON, and the 422 became a 500
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(QueueFullError)
    async def queue_full(request: Request, exc: QueueFullError) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after_s)}
        return JSONResponse({"detail": str(exc)}, status_code=503, headers=headers)

    @app.exception_handler(DeadlineExceededError)
    async def too_late(request: Request, exc: DeadlineExceededError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(ClientGone)
    async def gone(request: Request, exc: ClientGone) -> Response:
        return Response(status_code=499)  # nginx's "client closed request": nobody reads it


def _add_routes(app: FastAPI, page: str) -> None:
    @app.get("/", include_in_schema=False)
    async def index() -> HTMLResponse:
        # from memory, on the event loop: the page never waits behind the models
        return HTMLResponse(page)

    @app.get("/health", response_model=Health)
    async def health(registry: Registry) -> Health:
        return Health(models=len(registry))

    @app.get("/v1/models", response_model=ModelList)
    async def list_models(registry: Registry) -> dict[str, Any]:
        return {"models": [served.info() for served in registry.models.values()]}

    @app.post("/v1/models/{name}/predict", response_model=PredictResponse)
    async def predict(
        body: PredictRequest, served: Model, settings: Config, request: Request
    ) -> dict[str, Any]:
        """Label each input: classes with probabilities, or entities with character offsets."""
        if served.kind != "predict":
            kind = "a language model" if served.kind == "generate" else "a recommender"
            raise HTTPException(400, f"{served.name!r} is {kind}; POST to .../{served.kind}")
        texts = body.texts()
        check_texts(texts, settings)
        try:
            return {"predictions": await unless_client_leaves(served.predict_async(texts), request)}
        except InputError as err:
            raise HTTPException(422, str(err)) from err

    @app.post("/v1/models/{name}/generate", response_model=GenerateResponse)
    async def generate(
        body: GenerateRequest, served: Model, settings: Config, request: Request
    ) -> Any:
        """Continue the prompt; with ``"stream": true`` the text arrives piece by piece."""
        if served.kind != "generate":
            raise HTTPException(
                400, f"{served.name!r} is not a language model; POST to .../{served.kind}"
            )
        check_texts([body.inputs], settings)
        params = body.parameters
        if params.max_new_tokens > settings.max_new_tokens:
            raise HTTPException(
                422,
                f"max_new_tokens={params.max_new_tokens}; the limit is {settings.max_new_tokens}",
            )
        sampling = params.model_dump(exclude={"max_new_tokens"})
        queue = served.generations()
        try:
            if not body.stream:
                work = generate_text(queue, body.inputs, params.max_new_tokens, **sampling)
                return {"generated_text": await unless_client_leaves(work, request)}
            pieces = queue.pieces(body.inputs, params.max_new_tokens, **sampling)
            # the first piece before answering 200, so a bad prompt still gets a 422 (and a
            # full queue a 503); a client leaving meanwhile cancels the wait
            first = await unless_client_leaves(anext(pieces, ""), request)
        except InputError as err:
            raise HTTPException(422, str(err)) from err
        return GenerationStream(first, pieces)
