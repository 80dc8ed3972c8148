"""Logits to answers (axonlab.text.tasks.outputs), shared by the torch and the light paths."""

from __future__ import annotations

import numpy as np

from axonlab.text.tasks.outputs import (
    class_predictions,
    label_thresholds,
    multilabel_predictions,
    sigmoid,
    softmax,
)


def test_a_rows_probabilities_do_not_depend_on_the_other_rows():
    logits = np.random.default_rng(0).normal(0, 4, size=(37, 5)).astype(np.float32)
    alone = np.concatenate([softmax(row[None]) for row in logits])
    assert np.array_equal(softmax(logits), alone)  # bit for bit, whatever the array's length
    assert np.array_equal(sigmoid(logits)[5:9], sigmoid(logits[5:9]))
    assert softmax(logits).dtype == np.float32
    assert np.allclose(softmax(logits).sum(axis=1), 1.0, atol=1e-6)


def test_predictions_name_the_best_label_and_every_score():
    probs = np.array([[0.2, 0.8], [0.6, 0.4]], dtype=np.float32)
    (first, second) = class_predictions(["ham", "spam"], probs)
    assert first["label"] == "spam" and first["score"] == np.float32(0.8)
    assert second["scores"] == {"ham": np.float32(0.6), "spam": np.float32(0.4)}


def test_multilabel_keeps_each_label_at_or_over_its_threshold():
    thresholds = label_thresholds(["a", "b", "c"], {"b": 0.3})
    assert thresholds.tolist() == [0.5, 0.3, 0.5]
    (row,) = multilabel_predictions(["a", "b", "c"], np.array([[0.5, 0.31, 0.9]]), thresholds)
    assert row["labels"] == ["a", "b", "c"] and row["label"] == "c"
    (row,) = multilabel_predictions(["a", "b", "c"], np.array([[0.1, 0.2, 0.4]]), thresholds)
    assert row["labels"] == [] and list(row) == ["labels", "label", "score", "scores"]
