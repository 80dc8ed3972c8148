"""Serving real run directories: loading by task, naming, and the API end to end."""

from __future__ import annotations

import shutil

import pytest
from fastapi.testclient import TestClient

from axonlab.errors import InputError, RunDirectoryError
from axonlab.serve import ModelRegistry, Settings, create_app, load_run, load_runs


def test_run_directories_served_end_to_end(tiny_runs):
    settings = Settings(run_dirs=[tiny_runs["spam"], tiny_runs["ner"]])
    with TestClient(create_app(settings)) as client:
        models = {m["name"]: m for m in client.get("/v1/models").json()["models"]}
        assert set(models) == {"spam", "ner"}
        assert models["spam"]["task"] == "classify" and models["spam"]["labels"] == ["ham", "spam"]
        assert models["ner"]["task"] == "ner" and "B-PER" in models["ner"]["labels"]
        assert models["spam"]["backbone"] == "tiny-bert"
        # served with ONNX Runtime int8 by default (batch-independent: see test_onnx.py)
        assert models["spam"]["backend"] == models["ner"]["backend"] == "onnx-int8"

        texts = ["Win a free prize now", "see you at lunch", "ok"]
        answer = client.post("/v1/models/spam/predict", json={"inputs": texts}).json()
        assert len(answer["predictions"]) == 3
        for item in answer["predictions"]:
            assert item["label"] in ("ham", "spam")
            assert sum(item["scores"].values()) == pytest.approx(1.0, abs=1e-5)

        text = "Angela Merkel visited Paris in May."
        answer = client.post("/v1/models/ner/predict", json={"inputs": text}).json()
        for entity in answer["predictions"][0]["entities"]:
            assert text[entity["start"] : entity["end"]] == entity["text"]
            assert entity["type"] in ("PER", "LOC")


def test_batched_predictions_equal_one_at_a_time(tiny_runs):
    """Padding in a shared batch must not change any text's answer."""
    model = load_run(tiny_runs["spam"])
    texts = ["short", "a much longer message about a free prize and a phone number 0800", "hi"]
    alone = [model.predict([t])[0]["scores"]["spam"] for t in texts]
    registry = ModelRegistry({"spam": model}, max_batch_size=8, max_wait_ms=0)
    together = [p["scores"]["spam"] for p in registry.get("spam").predict(texts)]
    registry.close()
    assert together == pytest.approx(alone, abs=1e-5)


def test_loading_refuses_what_is_not_a_finished_run(tiny_runs, tmp_path):
    with pytest.raises(RunDirectoryError, match="not an axonlab run directory"):
        load_run(tmp_path)
    unfinished = tmp_path / "spam"
    shutil.copytree(tiny_runs["spam"], unfinished)
    (unfinished / "INCOMPLETE").write_text("")
    with pytest.raises(RunDirectoryError, match="unfinished"):
        load_runs([unfinished])


def test_two_runs_with_one_name_are_refused(tiny_runs, tmp_path):
    twin = tmp_path / "spam"
    shutil.copytree(tiny_runs["spam"], twin)
    with pytest.raises(InputError, match="two run directories are named 'spam'"):
        load_runs([tiny_runs["spam"], twin])


def test_a_run_of_another_kind_is_refused(tmp_path):
    from axonlab.errors import AxonlabError
    from axonlab.runs import RunDirectory

    run = RunDirectory(tmp_path / "sim")
    run.start({}, task="simulate")
    run.mark_complete()
    with pytest.raises(AxonlabError, match="sim"):
        load_run(run.path)


def test_language_model_run_served_end_to_end(tiny_lm):
    from axonlab import lm

    with TestClient(create_app(Settings(run_dirs=[tiny_lm]))) as client:
        (info,) = client.get("/v1/models").json()["models"]
        assert info == {
            "name": "poet",
            "task": "lm",
            "kind": "generate",
            "labels": [],
            "backbone": "gpt",
            "backend": "torch",
            "assistant": False,
            "explainable": False,
        }
        body = {"inputs": "to be", "parameters": {"max_new_tokens": 12, "seed": 3}}
        text = client.post("/v1/models/poet/generate", json=body).json()["generated_text"]
        assert text == lm.load(tiny_lm).generate("to be", 12, seed=3)
        with client.stream("POST", "/v1/models/poet/generate", json={**body, "stream": True}) as r:
            assert "".join(r.iter_text()) == text
        unknown = {"inputs": "Zebra!", "parameters": {"max_new_tokens": 3}}
        response = client.post("/v1/models/poet/generate", json=unknown)
        assert response.status_code == 422 and "Z" in response.json()["detail"]
        zero = {"inputs": "to", "parameters": {"temperature": 0}}
        assert client.post("/v1/models/poet/generate", json=zero).status_code == 422
