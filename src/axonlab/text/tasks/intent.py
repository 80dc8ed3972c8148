"""Intent classification with out-of-scope rejection: the customer-service assistant's ear.

:class:`IntentClassification` fine-tunes a classifier on the in-scope intents only (rows labelled
``oos``, or the configured name, are kept out of training), then fits an out-of-scope detector
(:mod:`axonlab.text.tasks.out_of_scope`) on the fine-tuned features of the training texts and
sets its threshold on dev. A prediction is the intent with its probability, or ``oos`` when the text
looks unlike every intent, with the nearest intents as "did you mean" suggestions either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from axonlab.errors import InputError
from axonlab.text import defaults
from axonlab.text.data.labelled import LabelledTexts, LabelMap, read_labelled
from axonlab.text.tasks import TASKS
from axonlab.text.tasks.classify import Classification, text_outputs
from axonlab.text.tasks.metrics import classification_metrics, plot_confusion_matrix, report_table
from axonlab.text.tasks.out_of_scope import KNN_K, METHODS, OutOfScopeDetector, auroc
from axonlab.text.tasks.report import EvalReport
from axonlab.text.training.fit import FinetuneConfig

TASK = "intent"
SUGGESTIONS = 3  # nearest intents offered with each prediction


def _without(data: LabelledTexts, oos_label: str) -> LabelledTexts:
    keep = [i for i, label in enumerate(data.labels) if label != oos_label]
    return replace(
        data,
        texts=[data.texts[i] for i in keep],
        labels=[data.labels[i] for i in keep],
        lines=[data.lines[i] for i in keep],
    )


def detector_of(model: Any) -> OutOfScopeDetector:
    """The out-of-scope detector saved beside ``model`` (cached on the model object)."""
    detector = getattr(model, "out_of_scope", None)
    if detector is None:
        detector = OutOfScopeDetector.load(model.config._name_or_path)
        model.out_of_scope = detector
    return detector


def _outputs(model, tokenizer, texts, max_length, batch_size) -> tuple[np.ndarray, np.ndarray]:
    if not hasattr(model, "base_model"):
        raise InputError("intent models run on torch: their out-of-scope score needs features")
    logits, features = text_outputs(
        model, tokenizer, texts, max_length=max_length, batch_size=batch_size, features=True
    )
    return torch.softmax(torch.from_numpy(logits), dim=-1).numpy(), features


def predict(
    model: torch.nn.Module,
    tokenizer: Any,
    texts: Sequence[str],
    *,
    max_length: int,
    batch_size: int = 64,
) -> list[dict[str, Any]]:
    """For each text ``{"label", "score", "intent", "in_scope", "in_scope_score",
    "suggestions": [{"label", "score"}, ...]}``: ``label`` is the intent, or the out-of-scope
    label when the text is rejected; ``score`` the intent's probability."""
    detector = detector_of(model)
    labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
    probs, features = _outputs(model, tokenizer, texts, max_length, batch_size)
    scores = detector.scores(probs, features)
    predictions = []
    for row, in_scope_score in zip(probs, scores, strict=True):
        order = np.argsort(-row)[:SUGGESTIONS]
        in_scope = bool(in_scope_score >= detector.threshold)
        predictions.append(
            {
                "label": labels[order[0]] if in_scope else detector.oos_label,
                "score": float(row[order[0]]),
                "intent": labels[order[0]],
                "in_scope": in_scope,
                "in_scope_score": float(in_scope_score),
                "suggestions": [{"label": labels[i], "score": float(row[i])} for i in order],
            }
        )
    return predictions


def evaluate(
    model: torch.nn.Module,
    tokenizer: Any,
    path: str | Path,
    *,
    max_length: int,
    batch_size: int = 64,
    text_column: str | None = None,
    label_column: str | None = None,
) -> EvalReport:
    """Score a labelled file whose rows labelled out-of-scope are the out-of-scope set:
    ``in_scope_accuracy`` (a rejected in-scope text is wrong), ``oos_recall``,
    ``oos_precision``, ``auroc`` (in-scope vs out-of-scope by the in-scope score, and per
    method in ``auroc_by_method``), plus accuracy and per-class figures over intents + oos."""
    detector = detector_of(model)
    data = read_labelled(path, text_column=text_column, label_column=label_column)
    intents = tuple(model.config.id2label[i] for i in range(model.config.num_labels))
    all_labels = (*intents, detector.oos_label)
    gold = np.asarray(LabelMap(all_labels).encode(data))
    probs, features = _outputs(model, tokenizer, data.texts, max_length, batch_size)
    scores = detector.scores(probs, features)
    oos_id = len(intents)
    rejected = scores < detector.threshold
    predicted = np.where(rejected, oos_id, probs.argmax(axis=1))
    is_oos = gold == oos_id
    metrics = classification_metrics(gold, predicted, all_labels)
    n_rejected = int(rejected.sum())
    metrics |= {
        "in_scope_accuracy": float((predicted[~is_oos] == gold[~is_oos]).mean())
        if (~is_oos).any()
        else None,
        "intent_accuracy": float((probs.argmax(axis=1)[~is_oos] == gold[~is_oos]).mean())
        if (~is_oos).any()
        else None,
        "oos_recall": float(rejected[is_oos].mean()) if is_oos.any() else None,
        "oos_precision": float((rejected & is_oos).sum() / n_rejected) if n_rejected else None,
        "auroc": auroc(scores[~is_oos], scores[is_oos]),
        "auroc_by_method": {
            method: auroc(s[~is_oos], s[is_oos])
            for method in METHODS
            for s in [replace(detector, method=method).scores(probs, features)]
        },
        "method": detector.method,
        "threshold": detector.threshold,
    }
    table = report_table(metrics) + "\n\n" + _oos_lines(metrics)

    def write_plots(folder: Path, prefix: str) -> None:
        plot_confusion_matrix(
            gold, predicted, all_labels, folder / f"{prefix}_confusion_matrix.png"
        )

    return EvalReport(metrics=metrics, report=table, write_plots=write_plots)


def _oos_lines(metrics: dict[str, Any]) -> str:
    def show(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.4f}"

    return (
        "\n".join(
            f"{name:>18}  {show(metrics[name])}"
            for name in ("in_scope_accuracy", "oos_recall", "oos_precision", "auroc")
        )
        + f"\n{'method':>18}  {metrics['method']} (threshold {metrics['threshold']:.4g})"
    )


class IntentClassification(Classification):
    """Intents with out-of-scope rejection: a classifier plus a calibrated detector."""

    name = TASK
    metrics = TASKS[TASK].metrics
    config_defaults = {"best_metric": TASKS[TASK].metrics[0]}
    runs_on_onnx = False  # the out-of-scope score reads the hidden features, not only logits
    oos_label = defaults.OOS_LABEL

    def check_config(self, config: FinetuneConfig) -> None:
        super().check_config(config)
        if config.oos_method not in METHODS:
            raise InputError(
                f"unknown `oos_method` {config.oos_method!r}; expected one of {list(METHODS)}"
            )
        self.oos_label = config.oos_label

    def label_names(self, train: LabelledTexts) -> list[str]:
        in_scope = _without(train, self.oos_label)
        if len(set(in_scope.labels)) < 2:
            raise InputError(
                f"an intent model needs two or more intents besides {self.oos_label!r}; the "
                f"training data has {sorted(set(in_scope.labels))}",
                path=train.path,
            )
        return super().label_names(in_scope)

    def check_dev(self, dev: LabelledTexts, labels: Sequence[str], path: Path) -> None:
        LabelMap((*labels, self.oos_label)).encode(dev)

    def modelled(self, data: LabelledTexts) -> LabelledTexts:
        return _without(data, self.oos_label)

    def after_training(self, model, tokenizer, train, dev, labels, config, folder: Path) -> None:
        """Fit the out-of-scope detector on the training texts, calibrate it on dev, save it
        into the model folder."""
        in_train = _without(train, self.oos_label)
        options = {"max_length": config.max_length, "batch_size": config.eval_batch_size}
        _, features = _outputs(model, tokenizer, in_train.texts, **options)
        intents = np.asarray(LabelMap(tuple(labels)).encode(in_train))
        method, k = config.oos_method, KNN_K
        if config.zero_shot and method == defaults.OOS_METHOD:
            # a description or two per intent: no covariance to speak of; the score is the
            # similarity to the nearest description
            method, k = "knn", 1
        detector = OutOfScopeDetector.fit(
            features, intents, method=method, oos_label=self.oos_label, k=k
        )
        probs, dev_features = _outputs(model, tokenizer, dev.texts, **options)
        is_oos = np.asarray([label == self.oos_label for label in dev.labels])
        label2id = {label: i for i, label in enumerate(labels)}
        gold = np.asarray([label2id.get(label, -1) for label in dev.labels])
        scores = detector.scores(probs, dev_features)
        correct = probs.argmax(axis=1) == gold
        detector.calibrate(scores[~is_oos], correct[~is_oos], scores[is_oos])
        detector.save(folder)
        model.out_of_scope = detector

    predict = staticmethod(predict)
    evaluate = staticmethod(evaluate)
