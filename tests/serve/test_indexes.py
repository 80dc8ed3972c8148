"""Search indexes behind the API."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from axonlab.serve import Settings, create_app
from axonlab.text.embeddings.search_index import SearchIndex


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    folder = tmp_path_factory.mktemp("indexes") / "faq"
    SearchIndex.build(
        folder,
        ["my card has not arrived yet", "how do I change my PIN?", "will it rain tomorrow?"],
        ["card", "pin", "weather"],
    )
    with TestClient(create_app(Settings(index_dirs=[folder]), models={})) as client:
        yield client


def test_list_and_search(client):
    assert client.get("/v1/indexes").json() == {
        "indexes": [{"name": "faq", "items": 3, "model": "all-minilm-l6-v2"}]
    }
    response = client.post(
        "/v1/indexes/faq/search", json={"inputs": ["where is my new card", "umbrella?"], "k": 2}
    )
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [hits[0]["id"] for hits in results] == ["card", "weather"]
    assert len(results[0]) == 2 and results[0][0]["score"] > results[0][1]["score"]


def test_bad_searches(client):
    assert client.post("/v1/indexes/nope/search", json={"inputs": "x"}).status_code == 404
    assert client.post("/v1/indexes/faq/search", json={"inputs": "x", "k": 0}).status_code == 422
    assert client.post("/v1/indexes/faq/search", json={"inputs": " "}).status_code == 422


def test_cli_refuses_to_serve_nothing(axonlab):
    code, _, err = axonlab("serve")
    assert code == 1 and "nothing to serve" in err
