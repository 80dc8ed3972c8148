"""The HTTP API: ``create_app(settings)`` builds a FastAPI app serving the run directories named
in ``settings`` (loaded once, at start-up, in the lifespan).

Endpoints are plain ``def`` functions: FastAPI runs them in its thread pool, where they block on
the model's micro-batcher while the event loop keeps accepting requests.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles

from axonlab import __version__
from axonlab.errors import InputError
from axonlab.serve.limits import BodySizeLimit
from axonlab.serve.models import ModelRegistry, Served, load_runs
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


def create_app(settings: Settings, models: dict[str, Any] | None = None) -> FastAPI:
    """The app for ``settings``. ``models`` (name -> model) replaces loading ``run_dirs``:
    tests hand in small stand-ins that way."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        set_threads(settings.threads)
        loaded = models
        if loaded is None:
            loaded = load_runs(
                settings.run_dirs, backend=settings.backend, quantize=settings.quantize
            )
        registry = ModelRegistry(
            loaded, max_batch_size=settings.max_batch_size, max_wait_ms=settings.max_wait_ms
        )
        app.state.registry = registry
        try:
            yield
        finally:
            registry.close()

    app = FastAPI(
        title="axonlab serve",
        version=__version__,
        description="Text classifiers, NER taggers and language models trained with axonlab.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.add_middleware(BodySizeLimit, max_body_bytes=settings.max_body_bytes)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _add_routes(app)
    return app


def set_threads(threads: int | None) -> None:
    """torch threads per forward pass, for every thread that starts using torch from now on
    (the batchers' workers); the event loop and request threads share the same cores."""
    if threads is not None:
        import torch

        torch.set_num_threads(threads)


async def get_registry(request: Request) -> ModelRegistry:
    return request.app.state.registry


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_model(name: str, registry: Annotated[ModelRegistry, Depends(get_registry)]) -> Served:
    served = registry.get(name)
    if served is None:
        raise HTTPException(404, f"no model named {name!r}; loaded: {sorted(registry.models)}")
    return served


Registry = Annotated[ModelRegistry, Depends(get_registry)]
Config = Annotated[Settings, Depends(get_settings)]
Model = Annotated[Served, Depends(get_model)]


def check_texts(texts: list[str], settings: Settings) -> None:
    """Refuse (422, saying which input) an empty request, empty texts or texts over the limits."""
    if not texts:
        raise HTTPException(422, "inputs is empty; give a text or a list of texts")
    if len(texts) > settings.max_inputs:
        raise HTTPException(
            422, f"{len(texts)} inputs in one request; the limit is {settings.max_inputs}"
        )
    for i, text in enumerate(texts):
        if not text.strip():
            raise HTTPException(422, f"input {i} is empty; expected some text")
        if len(text) > settings.max_text_chars:
            raise HTTPException(
                422,
                f"input {i} has {len(text)} characters; the limit is {settings.max_text_chars}",
            )


def _add_routes(app: FastAPI) -> None:
    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    @app.get("/health", response_model=Health)
    async def health(registry: Registry) -> Health:
        return Health(models=len(registry))

    @app.get("/v1/models", response_model=ModelList)
    async def list_models(registry: Registry) -> dict[str, Any]:
        return {"models": [served.info() for served in registry.models.values()]}

    # async all the way (dependencies too): a sync endpoint would hop to the thread pool and
    # park a thread per waiting request; here a request is a coroutine awaiting its batch
    @app.post("/v1/models/{name}/predict", response_model=PredictResponse)
    async def predict(request: PredictRequest, served: Model, settings: Config) -> dict[str, Any]:
        """Label each input: classes with probabilities, or entities with character offsets."""
        if served.kind != "predict":
            raise HTTPException(400, f"{served.name!r} is a language model; POST to .../generate")
        texts = request.texts()
        check_texts(texts, settings)
        try:
            return {"predictions": await served.predict_async(texts)}
        except InputError as err:
            raise HTTPException(422, str(err)) from err

    @app.post("/v1/models/{name}/generate", response_model=GenerateResponse)
    def generate(request: GenerateRequest, served: Model, settings: Config) -> Any:
        """Continue the prompt; with ``"stream": true`` the text arrives piece by piece."""
        if served.kind != "generate":
            raise HTTPException(
                400, f"{served.name!r} is not a language model; POST to .../predict"
            )
        check_texts([request.inputs], settings)
        params = request.parameters
        if params.max_new_tokens > settings.max_new_tokens:
            raise HTTPException(
                422,
                f"max_new_tokens={params.max_new_tokens}; the limit is {settings.max_new_tokens}",
            )
        sampling = params.model_dump(exclude={"max_new_tokens"})
        if request.stream:
            pieces = _stream(served, request.inputs, params.max_new_tokens, sampling)
            try:  # the first piece before answering 200, so a bad prompt still gets a 422
                first = next(pieces, "")
            except InputError as err:
                raise HTTPException(422, str(err)) from err
            return StreamingResponse(
                itertools.chain([first], pieces), media_type="text/plain; charset=utf-8"
            )
        try:
            with served.lock:
                text = served.model.generate(request.inputs, params.max_new_tokens, **sampling)
        except InputError as err:
            raise HTTPException(422, str(err)) from err
        return {"generated_text": text}


def _stream(served: Served, prompt: str, tokens: int, sampling: dict[str, Any]) -> Iterator[str]:
    # Holds the model's lock for the whole generation; a client that hangs up closes this
    # generator, which releases it.
    with served.lock:
        yield from served.model.stream(prompt, tokens, **sampling)
