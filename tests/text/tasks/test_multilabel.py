"""Multi-label classification: labels a|b, sigmoid outputs, thresholds tuned on dev."""

from __future__ import annotations

import json

import numpy as np
import pytest

from axonlab.errors import InputError
from axonlab.text.tasks.multilabel import multilabel_metrics, split_labels, tune_thresholds
from axonlab.text.tasks.outputs import text_logits
from tests.text.conftest import DATA

TRAIN, DEV = DATA / "topics_train.tsv", DATA / "topics_dev.tsv"


def test_label_cells():
    assert split_labels("earnings|merger") == ["earnings", "merger"]
    assert split_labels(" - ") == [] and split_labels("legal") == ["legal"]


def test_metrics_by_hand():
    gold = np.array([[1, 0, 1], [0, 1, 0], [0, 0, 0]], dtype=np.float32)
    pred = np.array([[1, 0, 0], [0, 1, 1], [0, 0, 0]], dtype=np.float32)
    m = multilabel_metrics(gold, pred, ["a", "b", "c"])
    # tp 2, fp 1, fn 1 -> micro 4 / 6; per label f1: a 1, b 1, c 0
    assert m["micro_f1"] == pytest.approx(2 / 3)
    assert m["macro_f1"] == pytest.approx(2 / 3)
    assert m["accuracy"] == pytest.approx(1 / 3)  # exact match: only the empty row
    assert m["per_class"]["c"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}


def test_thresholds_are_tuned_per_label():
    gold = np.array([[1, 0], [1, 1], [0, 1], [0, 0]], dtype=np.float32)
    probs = np.array([[0.3, 0.9], [0.35, 0.8], [0.1, 0.7], [0.05, 0.2]])
    thresholds = tune_thresholds(gold, probs)
    # label 0: positives at 0.3/0.35, negatives at 0.1/0.05 -> a cut in (0.1, 0.3]
    assert 0.1 < thresholds[0] <= 0.3
    assert 0.2 < thresholds[1] <= 0.7


def test_a_long_document_keeps_each_windows_strongest_label():
    windows = np.array([[5.0, -5.0], [-5.0, 4.0], [1.0, 1.0]])
    owners = [0, 0, 1]
    assert text_logits(windows, owners, 2, pool="max").tolist() == [[5.0, 4.0], [1.0, 1.0]]
    assert text_logits(windows, owners, 2).tolist() == [[0.0, -0.5], [1.0, 1.0]]


def test_train_predict_eval_end_to_end(axonlab, tiny_backbone, tmp_path):
    out = tmp_path / "topics"
    code, _, err = axonlab(
        "text", "train", "classify", "--multi-label", "--train", TRAIN, "--dev", DEV,
        "--out", out, "--backbone", tiny_backbone, "--max-steps", "4", "--batch-size", "8",
        "--max-length", "16",
    )  # fmt: skip
    assert code == 0, err
    config = json.loads((out / "model" / "config.json").read_text())
    assert config["problem_type"] == "multi_label_classification"
    assert set(config["label_thresholds"]) == {"earnings", "legal", "merger"}
    long_text = "Acme beats quarterly profit forecasts; " * 30  # several 16-piece windows
    code, out_json, err = axonlab("text", "predict", out, long_text, "short", "--json")
    assert code == 0, err
    predictions = json.loads(out_json)["predictions"]
    assert len(predictions) == 2
    for p in predictions:
        assert set(p["scores"]) == {"earnings", "legal", "merger"}
        assert all(p["scores"][label] >= config["label_thresholds"][label] for label in p["labels"])
    code, out_json, err = axonlab("text", "eval", out, DEV, "--json")
    assert code == 0, err
    metrics = json.loads(out_json)
    assert {"micro_f1", "macro_f1", "accuracy", "per_class"} <= metrics.keys()
    assert metrics["per_class"]["merger"]["support"] == sum(
        "merger" in line.split("\t")[0] for line in DEV.read_text().splitlines()[1:]
    )


def test_unknown_label_in_dev_names_its_line(tmp_path, tiny_backbone):
    from axonlab import text

    dev = tmp_path / "dev.tsv"
    dev.write_text("label\ttext\nmerger\tok\nmerger|weather\tRain hits Acme\n")
    with pytest.raises(InputError, match="'weather' was not in the training data") as err:
        text.finetune(
            "multilabel", train=TRAIN, dev=dev, out=tmp_path / "r", backbone=tiny_backbone
        )
    assert err.value.line == 3


def test_multi_label_is_for_classification(axonlab, tmp_path):
    code, _, err = axonlab(
        "text",
        "train",
        "ner",
        "--multi-label",
        "--train",
        TRAIN,
        "--dev",
        DEV,
        "--out",
        tmp_path / "x",
    )
    assert code == 1 and "--multi-label is for classify" in err
