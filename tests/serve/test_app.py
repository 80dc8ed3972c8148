"""The HTTP API on stand-in models: happy paths and every documented error."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from axonlab.serve import Settings, create_app


@pytest.fixture()
def client(fake_models):
    settings = Settings(max_text_chars=50, max_inputs=5, max_body_bytes=2_000, max_new_tokens=20)
    with TestClient(create_app(settings, models=fake_models)) as client:
        yield client


def test_health_and_model_list(client):
    assert client.get("/health").json() == {"status": "ok", "models": 3}
    models = {m["name"]: m for m in client.get("/v1/models").json()["models"]}
    assert models["spam"] == {
        "name": "spam",
        "task": "classify",
        "kind": "predict",
        "labels": ["ham", "spam"],
        "backbone": "fake-bert",
        "backend": "torch",
        "assistant": False,
        "explainable": False,  # a stand-in: no run directory for a torch copy
    }
    assert models["places"]["task"] == "ner"
    assert models["poet"]["kind"] == "generate" and models["poet"]["labels"] == []


def test_predict_one_text_and_a_list(client):
    one = client.post("/v1/models/spam/predict", json={"inputs": "FREE prize"}).json()
    assert one["predictions"] == [
        {"label": "spam", "score": 0.9, "scores": {"ham": pytest.approx(0.1), "spam": 0.9}}
    ]
    many = client.post("/v1/models/spam/predict", json={"inputs": ["hi mum", "free", "ok"]})
    assert [p["label"] for p in many.json()["predictions"]] == ["ham", "spam", "ham"]


def test_ner_entities_carry_character_offsets(client):
    text = "we flew from Paris to Rome"
    entity_lists = client.post("/v1/models/places/predict", json={"inputs": text}).json()
    entities = entity_lists["predictions"][0]["entities"]
    assert [(e["text"], e["type"]) for e in entities] == [("Paris", "LOC"), ("Rome", "LOC")]
    assert all(text[e["start"] : e["end"]] == e["text"] for e in entities)


def test_concurrent_requests_are_batched_and_answered_separately(fake_models):
    settings = Settings(max_batch_size=8, max_wait_ms=50)
    texts = [f"free {i}" if i % 3 == 0 else f"hello {i}" for i in range(24)]
    with TestClient(create_app(settings, models=fake_models)) as client:

        def call(text: str) -> dict:
            return client.post("/v1/models/spam/predict", json={"inputs": text}).json()

        with ThreadPoolExecutor(12) as pool:
            answers = list(pool.map(call, texts))
    for text, answer in zip(texts, answers, strict=True):
        expected = "spam" if text.startswith("free") else "ham"
        assert answer["predictions"][0]["label"] == expected
    batches = fake_models["spam"].batches
    assert max(len(b) for b in batches) <= 8
    assert len(batches) < len(texts)


def test_generate_plain_and_streamed(client):
    body = {"inputs": "sing", "parameters": {"max_new_tokens": 3, "seed": 1}}
    assert client.post("/v1/models/poet/generate", json=body).json() == {
        "generated_text": " la la la"
    }
    with client.stream("POST", "/v1/models/poet/generate", json={**body, "stream": True}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
        assert "".join(r.iter_text()) == " la la la"


def test_unknown_model_is_404_naming_the_loaded_ones(client):
    response = client.post("/v1/models/nope/predict", json={"inputs": "x"})
    assert response.status_code == 404
    assert "nope" in response.json()["detail"] and "spam" in response.json()["detail"]
    assert client.post("/v1/models/nope/generate", json={"inputs": "x"}).status_code == 404


def test_model_names_cannot_reach_the_filesystem(client):
    for name in ("..%2F..%2Fetc%2Fpasswd", "%2Ftmp%2Fspam", "..", "spam%2F..%2Fspam"):
        response = client.post(f"/v1/models/{name}/predict", json={"inputs": "x"})
        assert response.status_code == 404, name


@pytest.mark.parametrize(
    "body",
    [b"{not json", b'{"text": "wrong key"}', b'{"inputs": 3}', b'{"inputs": [1, 2]}', b"[]"],
)
def test_bad_json_is_422(client, body):
    response = client.post(
        "/v1/models/spam/predict", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"]


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ("x" * 51, "input 0 has 51 characters; the limit is 50"),
        (["ok", "y" * 60], "input 1 has 60 characters"),
        (["a"] * 6, "6 inputs in one request; the limit is 5"),
        ([], "inputs is empty"),
        (["fine", "  "], "input 1 is empty"),
    ],
)
def test_text_limits_are_422_with_a_message(client, inputs, message):
    response = client.post("/v1/models/spam/predict", json={"inputs": inputs})
    assert response.status_code == 422
    assert message in response.json()["detail"]


def test_oversized_body_is_413_with_a_message(client):
    response = client.post("/v1/models/spam/predict", json={"inputs": "z" * 5_000})
    assert response.status_code == 413
    assert "2000 bytes" in response.json()["detail"]


def test_oversized_chunked_body_is_413(client):
    def chunks():
        yield b'{"inputs": "'
        for _ in range(10):
            yield b"w" * 500
        yield b'"}'

    response = client.post(
        "/v1/models/spam/predict", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_generate_errors(client):
    too_many = {"inputs": "hi", "parameters": {"max_new_tokens": 21}}
    response = client.post("/v1/models/poet/generate", json=too_many)
    assert response.status_code == 422 and "limit is 20" in response.json()["detail"]
    bad_prompt = {"inputs": "a~b", "parameters": {"max_new_tokens": 5}, "stream": True}
    response = client.post("/v1/models/poet/generate", json=bad_prompt)
    assert response.status_code == 422 and "vocabulary" in response.json()["detail"]
    bad_prompt["stream"] = False
    assert client.post("/v1/models/poet/generate", json=bad_prompt).status_code == 422
    # the lock taken by the failed generations was released: the model still answers
    ok = {"inputs": "hi", "parameters": {"max_new_tokens": 1}}
    assert client.post("/v1/models/poet/generate", json=ok).json() == {"generated_text": " la"}
    bad_sampling = {"inputs": "hi", "parameters": {"top_p": 1.5}}
    assert client.post("/v1/models/poet/generate", json=bad_sampling).status_code == 422


def test_wrong_endpoint_for_the_model_kind_is_400(client):
    response = client.post("/v1/models/poet/predict", json={"inputs": "hi"})
    assert response.status_code == 400 and "generate" in response.json()["detail"]
    response = client.post("/v1/models/spam/generate", json={"inputs": "hi"})
    assert response.status_code == 400 and "predict" in response.json()["detail"]


def test_page_and_openapi_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<script src="/static/app.js">' in page.text
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/health", "/v1/models", "/v1/models/{name}/predict"} <= set(paths)


def test_settings_read_the_environment(monkeypatch):
    monkeypatch.setenv("AXONLAB_SERVE_MAX_BATCH_SIZE", "7")
    monkeypatch.setenv("AXONLAB_SERVE_PORT", "8123")
    settings = Settings()
    assert settings.max_batch_size == 7 and settings.port == 8123
    assert settings.host == "127.0.0.1"


def test_threads_setting_sets_torch_threads(fake_models):
    import torch

    before = torch.get_num_threads()
    try:
        with TestClient(create_app(Settings(threads=1), models=fake_models)):
            # torch applies the count in each thread that starts using it, as the
            # batcher's worker does; a fresh thread shows what the worker gets
            seen = []
            worker = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
            worker.start()
            worker.join()
            assert seen == [1]
    finally:
        torch.set_num_threads(before)
