"""The ONNX Runtime backend: same answers as PyTorch, exported once, served end to end."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from fastapi.testclient import TestClient

from axonlab.errors import InputError
from axonlab.monitor.pipeline import load_classifier
from axonlab.serve import Settings, create_app, load_run
from axonlab.text.predict.onnx import load_on_backend

pytest.importorskip("onnxruntime", reason="onnxruntime is not installed")

TEXTS = [
    "ok",
    "Angela Merkel visited Paris in May and met the mayor.",
    "free entry in a weekly competition to win cup final tickets, text FA to 87121",
    "see you",
]


@pytest.fixture(scope="module")
def runs(tiny_runs, tmp_path_factory):
    """Copies of the tiny runs (exporting writes into the run directory), shared by this
    module's tests so each model is exported once."""
    root = tmp_path_factory.mktemp("onnx-runs")
    return {name: shutil.copytree(path, root / name) for name, path in tiny_runs.items()}


@pytest.mark.parametrize("name", ["spam", "ner"])
def test_onnx_fp32_matches_torch(runs, name):
    torch_model = load_run(runs[name])
    onnx_model = load_run(runs[name], backend="onnx")
    assert onnx_model.backend == "onnx" and (runs[name] / "onnx" / "model.onnx").exists()
    for batch_size in (1, 3):
        expected = torch_model.predict(TEXTS, batch_size=batch_size)
        got = onnx_model.predict(TEXTS, batch_size=batch_size)
        if name == "spam":
            for e, g in zip(expected, got, strict=True):
                assert g["label"] == e["label"]
                assert g["scores"] == pytest.approx(e["scores"], abs=1e-4)
        else:
            strip = [
                [{k: v for k, v in x.items() if k != "score"} for x in p["entities"]]
                for p in expected
            ]
            assert [
                [{k: v for k, v in x.items() if k != "score"} for x in p["entities"]] for p in got
            ] == strip


def test_int8_is_close_and_export_is_reused(runs):
    fp32 = load_run(runs["spam"], backend="onnx")
    exported = runs["spam"] / "onnx" / "model.onnx"
    stamp = exported.stat().st_mtime_ns
    int8 = load_run(runs["spam"], backend="onnx", quantize=True)
    assert int8.backend == "onnx-int8" and list((runs["spam"] / "onnx").glob("model.int8*.onnx"))
    assert exported.stat().st_mtime_ns == stamp  # the fp32 export was reused, not redone
    for a, b in zip(fp32.predict(TEXTS), int8.predict(TEXTS), strict=True):
        assert b["scores"] == pytest.approx(a["scores"], abs=0.05)


def test_server_with_onnx_backend(runs):
    settings = Settings(run_dirs=[runs["spam"]], backend="onnx", quantize=True)
    with TestClient(create_app(settings)) as client:
        assert client.get("/v1/models").json()["models"][0]["backend"] == "onnx-int8"
        answer = client.post("/v1/models/spam/predict", json={"inputs": TEXTS}).json()
        assert len(answer["predictions"]) == len(TEXTS)


def test_cli_batch_prediction_with_the_int8_backend(runs, tmp_path):
    import json

    from typer.testing import CliRunner

    from axonlab.cli import app

    texts = tmp_path / "texts.txt"
    texts.write_text("\n".join(TEXTS) + "\n")
    out = tmp_path / "out.jsonl"
    args = ["text", "predict", str(runs["spam"]), "--input", str(texts), "--output", str(out)]
    result = CliRunner().invoke(app, [*args, "--backend", "onnx", "--quantize", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"] == len(TEXTS)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    int8 = load_run(runs["spam"], backend="onnx", quantize=True).predict(TEXTS)
    assert [r["label"] for r in rows] == [p["label"] for p in int8]
    refused = CliRunner().invoke(app, [*args[:3], "ok", "--quantize"])
    assert "--quantize needs --backend onnx" in str(refused.exception)  # main() prints it


def _probabilities(model, texts: list[str]):
    """Class probabilities of ``texts`` run as one padded batch (no grouping by length)."""
    import torch

    batch = model.tokenizer(texts, padding=True, return_tensors="pt")
    return torch.softmax(model.model(**batch).logits, dim=-1).numpy()


def test_int8_answer_does_not_depend_on_the_rest_of_the_batch(runs):
    """Dynamic int8 quantised each activation with the batch's largest value: one text's
    probability moved with its neighbours (0.826 alone, 0.748 beside 7 long texts)."""
    int8 = load_run(runs["spam"], backend="onnx", quantize=True)
    long_texts = [
        f"{i} WINNER!! As a valued network customer you have been selected to receive a "
        f"{900 + i} prize reward! To claim call 09061701461. Claim code KL341. Valid 12 hours."
        for i in range(7)
    ]
    for text in TEXTS:
        alone = _probabilities(int8, [text])[0]
        beside_long = _probabilities(int8, [text, *long_texts])[0]
        assert beside_long == pytest.approx(alone, abs=1e-4), text
    # through predict too, where texts of similar length share a batch
    similar = [f"free entry {i} in a weekly competition to win FA cup tickets" for i in range(7)]
    alone = int8.predict([TEXTS[2]])[0]["scores"]
    together = int8.predict([TEXTS[2], *similar], batch_size=8)[0]["scores"]
    assert together == pytest.approx(alone, abs=1e-4)


def test_int8_stays_close_to_fp32(runs):
    fp32 = load_run(runs["spam"], backend="onnx")
    int8 = load_run(runs["spam"], backend="onnx", quantize=True)
    import numpy as np

    gap = np.abs(_probabilities(fp32, TEXTS) - _probabilities(int8, TEXTS)).max()
    assert gap < 0.01


def test_sentence_encoder_on_onnx_matches_torch(runs, tmp_path, monkeypatch):
    from axonlab.text.embeddings.encoder import SentenceEncoder
    from axonlab.text.predict.onnx import use_onnx_encoder

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    texts = ["free prize now", "see you later at the station", "x"]
    expected = SentenceEncoder(runs["spam"], bf16=False).encode(texts)
    fp32 = use_onnx_encoder(SentenceEncoder(runs["spam"]))
    assert fp32.backend == "onnx" and np.allclose(fp32.encode(texts), expected, atol=1e-5)
    int8 = use_onnx_encoder(SentenceEncoder(runs["spam"]), quantize=True)
    cosine = (int8.encode(texts) * expected).sum(axis=1)
    assert cosine.min() > 0.98
    assert len(list((tmp_path / "axonlab" / "onnx").glob("encoder-*/*.onnx"))) == 2


def test_load_on_backend_names_the_backend_each_run_got(runs):
    assert load_on_backend(runs["spam"], "onnx-int8").backend == "onnx-int8"
    assert load_on_backend(runs["ner"], "torch").backend == "torch"
    with pytest.raises(InputError, match="unknown backend 'gpu'"):
        load_on_backend(runs["spam"], "gpu")


def test_the_monitor_loads_classifiers_only(runs):
    assert load_classifier(runs["spam"], "onnx").backend == "onnx"
    with pytest.raises(InputError, match="not a classification run .*'ner'"):
        load_classifier(runs["ner"], "onnx")
