"""The application endpoints: the assistant, explanations, and sentence embeddings (axonlab's
own and the OpenAI-compatible ``POST /v1/embeddings``).

The assistant's intent predictions go through the model's micro-batcher like any prediction;
composing the replies (and embedding, which is not batched across requests) runs in a worker
thread, so the event loop never waits on a forward pass.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from axonlab.errors import InputError
from axonlab.serve.requests import Config, Model, Registry, check_texts, unless_client_leaves
from axonlab.serve.schemas import (
    AssistResponse,
    EmbeddingsRequest,
    EmbeddingsResponse,
    EmbedResponse,
    ExplainRequest,
    ExplainResponse,
    PredictRequest,
    RecommendRequest,
    RecommendResponse,
)


def add_application_routes(app: FastAPI) -> None:
    @app.post("/v1/models/{name}/recommend", response_model=RecommendResponse)
    async def recommend(body: RecommendRequest, served: Model) -> dict[str, Any]:
        """A recommender's best items for a user of its training data, for a new user's
        ``history`` (item ids), or like an ``item``; with the titles of what it started from."""
        if served.kind != "recommend":
            raise HTTPException(400, f"{served.name!r} is not a recommender")
        try:
            return await run_in_threadpool(_recommend, served.model, body)
        except InputError as err:
            raise HTTPException(422, str(err)) from err

    @app.post("/v1/models/{name}/assist", response_model=AssistResponse)
    async def assist(
        body: PredictRequest, served: Model, settings: Config, request: Request
    ) -> dict[str, Any]:
        """Answer each question from the intent model's answers file: an FAQ match, the
        intent's answer, or the fallback with "did you mean" suggestions."""
        if served.assistant is None:
            raise HTTPException(
                400,
                f"{served.name!r} is not an assistant: serve an intent run that keeps an "
                "answers.yaml (or .json) in its folder",
            )
        texts = body.texts()
        check_texts(texts, settings)
        try:
            predictions = await unless_client_leaves(served.predict_async(texts), request)
            replies = await run_in_threadpool(served.assistant.compose, texts, predictions)
        except InputError as err:
            raise HTTPException(422, str(err)) from err
        return {"replies": replies}

    @app.post("/v1/models/{name}/explain", response_model=ExplainResponse)
    async def explain(body: ExplainRequest, served: Model, settings: Config) -> dict[str, Any]:
        """Which words made the classifier choose its label (or ``target``): Integrated
        Gradients, summed to words with character offsets."""
        texts = body.texts()
        check_texts(texts, settings)
        try:
            explanations = await run_in_threadpool(served.explain, texts, body.target)
        except InputError as err:
            raise HTTPException(422, str(err)) from err
        return {"explanations": explanations}

    @app.post("/v1/models/{name}/embed", response_model=EmbedResponse)
    async def embed(body: PredictRequest, served: Model, settings: Config) -> dict[str, Any]:
        """L2-normalised sentence embeddings from the model's encoder (mean pooling)."""
        texts = body.texts()
        check_texts(texts, settings)
        vectors = await _embed(served, texts)
        return {"embeddings": vectors.tolist(), "dim": int(vectors.shape[1])}

    @app.post("/v1/embeddings", response_model=EmbeddingsResponse)
    async def openai_embeddings(
        body: EmbeddingsRequest, registry: Registry, settings: Config
    ) -> dict[str, Any]:
        """OpenAI-compatible embeddings: ``{"input", "model"}`` -> ``{"data": [...]}``."""
        served = registry.get(body.model)
        if served is None:
            raise HTTPException(
                404, f"no model named {body.model!r}; loaded: {sorted(registry.models)}"
            )
        texts = body.texts()
        check_texts(texts, settings)
        vectors, tokens = await _embed(served, texts, counted=True)
        return {
            "data": [
                {"index": i, "embedding": vector} for i, vector in enumerate(vectors.tolist())
            ],
            "model": served.name,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }


async def _embed(served: Any, texts: list[str], counted: bool = False):
    """The texts' embeddings; with ``counted``, also the sub-tokens read (for ``usage``)."""
    try:
        encoder = await run_in_threadpool(served.encoder)
        return await run_in_threadpool(encoder.encode_counted if counted else encoder.encode, texts)
    except InputError as err:
        raise HTTPException(400, str(err)) from err


def _recommend(model: Any, body: RecommendRequest) -> dict[str, Any]:
    if body.user is not None:
        return {"items": model.for_user(body.user, body.k), "history": model.history(body.user)}
    if body.history is not None:
        items = model.for_history(body.history, body.k)
        return {"items": items, "history": model.titled(body.history)}
    return {"items": model.similar(body.item, body.k), "history": model.titled([body.item])}
