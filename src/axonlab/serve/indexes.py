"""Search indexes behind the API: ``GET /v1/indexes`` and ``POST /v1/indexes/{name}/search``.

Indexes (folders of :class:`axonlab.text.SearchIndex`) are opened once at start, named after
their folders. A search embeds the queries and takes one matrix product over the bank, in a
worker thread so the event loop never waits on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from axonlab.errors import InputError
from axonlab.serve.requests import Config, check_texts
from axonlab.serve.schemas import Text


def load_indexes(folders: Sequence[str | Path]) -> dict[str, Any]:
    """Open every index folder, each named after its folder (names must differ)."""
    from axonlab.text.embeddings.search_index import SearchIndex

    indexes: dict[str, Any] = {}
    for folder in folders:
        name = Path(folder).resolve().name
        if name in indexes:
            raise InputError(f"two index folders are named {name!r}; rename one")
        indexes[name] = SearchIndex.open(folder)
    return indexes


class SearchRequest(BaseModel):
    inputs: Text | list[Text] = Field(description="One query, or a list of queries.")
    k: int = Field(5, ge=1, le=100, description="Results per query.")

    def texts(self) -> list[str]:
        return [self.inputs] if isinstance(self.inputs, str) else list(self.inputs)


class Hit(BaseModel):
    id: str
    text: str
    score: float = Field(description="Cosine similarity to the query.")


class SearchResponse(BaseModel):
    results: list[list[Hit]] = Field(description="Per query, the best hits first.")


class IndexInfo(BaseModel):
    name: str
    items: int
    model: str = Field(description="The encoder that embedded the bank.")


class IndexList(BaseModel):
    indexes: list[IndexInfo]


async def get_index(name: str, request: Request) -> Any:
    indexes = request.app.state.indexes
    if name not in indexes:
        raise HTTPException(404, f"no index named {name!r}; loaded: {sorted(indexes)}")
    return indexes[name]


def add_index_routes(app: FastAPI) -> None:
    @app.get("/v1/indexes", response_model=IndexList)
    async def list_indexes(request: Request) -> dict[str, Any]:
        return {
            "indexes": [
                {"name": name, "items": len(index), "model": index.encoder.name}
                for name, index in request.app.state.indexes.items()
            ]
        }

    @app.post("/v1/indexes/{name}/search", response_model=SearchResponse)
    async def search(
        body: SearchRequest, index: Annotated[Any, Depends(get_index)], settings: Config
    ) -> dict[str, Any]:
        """The k items of the index most similar to each query."""
        texts = body.texts()
        check_texts(texts, settings)
        return {"results": await run_in_threadpool(index.search, texts, body.k)}
