"""The intent task: a classifier of the in-scope intents that rejects out-of-scope questions."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from axonlab import text
from axonlab.cli import app
from axonlab.errors import InputError
from axonlab.text.tasks.out_of_scope import OutOfScopeDetector, auroc
from tests.paths import TEST_DATA

DATA = TEST_DATA / "intent"


def test_in_scope_questions_get_their_intent(banking_intents):
    predictions = banking_intents.predict(
        ["my new card still has not arrived", "I need to change my PIN number"]
    )
    assert [p["label"] for p in predictions] == ["card_arrival", "change_pin"]
    assert all(p["in_scope"] and 0 < p["score"] <= 1 for p in predictions)


def test_obvious_out_of_scope_questions_are_rejected_with_suggestions(banking_intents):
    predictions = banking_intents.predict(
        ["what is the capital of france?", "play some jazz music", "do cats like fish?"]
    )
    assert [p["label"] for p in predictions] == ["oos", "oos", "oos"]
    for p in predictions:
        assert len(p["suggestions"]) == 3
        assert p["suggestions"][0]["label"] == p["intent"]
        assert p["suggestions"][0]["score"] >= p["suggestions"][1]["score"]


def test_eval_reports_out_of_scope_figures(banking_intents):
    metrics = banking_intents.evaluate(DATA / "banking_test.tsv").metrics
    assert metrics["in_scope_accuracy"] >= 0.8
    assert metrics["oos_recall"] >= 0.7
    assert metrics["auroc"] >= 0.9
    assert set(metrics["auroc_by_method"]) == {"mahalanobis", "knn", "msp"}
    assert "oos" in metrics["per_class"]


def test_cli_contract(banking_intents):
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["text", "eval", str(banking_intents.run_dir), str(DATA / "banking_test.tsv"), "--json"],
    )
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    for key in ("in_scope_accuracy", "oos_recall", "oos_precision", "auroc"):
        assert key in metrics
    result = runner.invoke(
        app,
        ["text", "predict", str(banking_intents.run_dir), "who won the football game?", "--json"],
    )
    assert result.exit_code == 0, result.output
    (item,) = json.loads(result.stdout)["predictions"]
    assert item["label"] == "oos" and item["suggestions"]


def test_the_saved_model_still_loads_with_plain_transformers(banking_intents):
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(banking_intents.run_dir / "model")
    assert "oos" not in model.config.label2id and model.config.num_labels == 5


def test_one_intent_is_a_clear_error(tmp_path):
    train = tmp_path / "train.tsv"
    train.write_text("label\ttext\nbalance\twhat is my balance\noos\tplay jazz\n")
    with pytest.raises(InputError, match="two or more intents besides 'oos'"):
        text.finetune("intent", train=train, dev=train, out=tmp_path / "run", epochs=1)


def test_unknown_dev_label_and_method_are_errors(tmp_path):
    train = DATA / "banking_train.tsv"
    dev = tmp_path / "dev.tsv"
    dev.write_text("label\ttext\nweather\twill it rain\n")
    with pytest.raises(InputError, match="label 'weather' was not in the training data"):
        text.finetune("intent", train=train, dev=dev, out=tmp_path / "a", epochs=1)
    with pytest.raises(InputError, match="unknown `oos_method` 'energy'"):
        text.finetune("intent", train=train, dev=train, out=tmp_path / "b", oos_method="energy")


def test_detector_threshold_balances_accuracy_and_recall():
    rng = np.random.default_rng(0)
    features = np.concatenate([rng.normal(0, 1, (50, 4)), rng.normal(6, 1, (50, 4))])
    intents = np.repeat([0, 1], 50)
    detector = OutOfScopeDetector.fit(features, intents, method="mahalanobis", oos_label="oos")
    near, far = rng.normal(0, 1, (20, 4)), rng.normal(-8, 1, (20, 4))
    probs = np.full((20, 2), 0.5)
    in_scope, oos = detector.scores(probs, near), detector.scores(probs, far)
    detector.calibrate(in_scope, np.ones(20, dtype=bool), oos)
    assert (in_scope >= detector.threshold).all() and (oos < detector.threshold).all()
    assert auroc(in_scope, oos) == 1.0
    detector.calibrate(in_scope, np.ones(20, dtype=bool), np.array([]))
    assert (in_scope >= detector.threshold).mean() == pytest.approx(0.95)


def test_detector_threshold_holds_still_on_a_hundred_out_of_scope_rows():
    """Two unit Gaussians 2.5 apart: the balanced threshold is at -1.25. Over 30 draws of a
    dev-sized set (2,000 in scope, 100 out of scope), the smoothed threshold's spread is well
    under that of the raw-count argmax."""

    def raw_argmax(in_scope, oos):
        candidates = np.unique(np.concatenate([in_scope, oos]))
        values = [(in_scope >= t).mean() + (oos < t).mean() for t in candidates]
        return candidates[int(np.argmax(values))]

    detector = OutOfScopeDetector("msp", "oos", 0.0, None, None, None)
    smoothed, raw = [], []
    for seed in range(30):
        rng = np.random.default_rng(seed)
        in_scope, oos = rng.normal(0, 1, 2000), rng.normal(-2.5, 1, 100)
        detector.calibrate(in_scope, np.ones(2000, dtype=bool), oos)
        smoothed.append(detector.threshold)
        raw.append(raw_argmax(in_scope, oos))
    assert np.mean(smoothed) == pytest.approx(-1.25, abs=0.1)
    assert np.std(smoothed) < 0.7 * np.std(raw)


DESCRIPTIONS = """label\ttext
card_arrival\tmy new card has not arrived yet
change_pin\thow do I change my PIN
exchange_rate\twhat exchange rate do you use for foreign currency
lost_or_stolen_card\tmy card was lost or stolen
top_up_failed\tmy top-up did not go through
"""


def test_zero_shot_intents_from_descriptions(tmp_path, axonlab):
    descriptions = tmp_path / "descriptions.tsv"
    descriptions.write_text(DESCRIPTIONS)
    out = tmp_path / "zero"
    code, _, err = axonlab(
        "text",
        "train",
        "intent",
        "--train",
        descriptions,
        "--dev",
        DATA / "banking_dev.tsv",
        "--out",
        out,
        "--zero-shot",
        "--json",
    )
    assert code == 0, err
    model = text.load(out)
    assert model.run_metrics()["training"]["trainable_parameters"] == 0
    predictions = model.predict(["where is the card you sent me?", "I want a new PIN number"])
    assert [p["intent"] for p in predictions] == ["card_arrival", "change_pin"]
    metrics = model.evaluate(DATA / "banking_test.tsv").metrics
    assert metrics["intent_accuracy"] >= 0.6  # chance is 0.2
    assert metrics["method"] == "knn"
    from transformers import AutoModel

    AutoModel.from_pretrained(out / "model")  # the encoder folder is an ordinary one


def test_few_shot_and_zero_shot_exclude_each_other(tmp_path):
    with pytest.raises(InputError, match="choose few-shot .* or zero-shot"):
        text.finetune(
            "intent", train="x.tsv", dev="x.tsv", out=tmp_path / "r", zero_shot=True, few_shot=True
        )
