"""What every endpoint shares: the registry and settings as dependencies, the checks on the
texts of a request, and withdrawing work whose client has hung up."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Annotated, TypeVar

from fastapi import Depends, HTTPException, Request

from axonlab.serve.models import ModelRegistry, Served
from axonlab.serve.settings import Settings

T = TypeVar("T")


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


class ClientGone(Exception):
    """The client hung up before its answer was ready."""


async def unless_client_leaves(work: Awaitable[T], request: Request) -> T:
    """Await ``work``; if the client disconnects first, cancel it (withdrawing its queued texts
    or stopping its generation) and raise :class:`ClientGone`."""
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(_disconnected(request))
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()
        if not task.done():
            task.cancel()  # the client left, or this request itself is being cancelled
    if task.cancelled():
        raise ClientGone
    return task.result()


async def _disconnected(request: Request) -> None:
    # once the body is read, the next message a server sends the app is the disconnect
    while (await request.receive())["type"] != "http.disconnect":
        pass
