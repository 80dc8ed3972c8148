"""Multi-label classification: any number of labels per text (topics of a news item, say).

The label cell lists a text's labels separated by ``|`` (``earnings|merger``); ``-`` means none.
The model has one sigmoid output per label, trained with binary cross-entropy. After training,
each label gets its own threshold, the one that maximises that label's F1 on dev (a rare label
is best cut lower than 0.5); the thresholds are saved in the model's ``config.json``. A text
longer than the window is scored over all its windows, each label's logit the *max* over them:
a label is present if any part of the document carries it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from axonlab.errors import InputError
from axonlab.text.data.labelled import LabelledTexts, read_labelled
from axonlab.text.tasks import TASKS
from axonlab.text.tasks.classify import WINDOW_OF, Classification, encode, text_outputs
from axonlab.text.tasks.metrics import report_table
from axonlab.text.tasks.outputs import (
    THRESHOLDS,
    label_thresholds,
    multilabel_predictions,
    sigmoid,
    text_logits,
)
from axonlab.text.tasks.report import EvalReport
from axonlab.text.training.fit import FinetuneConfig

TASK = "multilabel"
SEPARATOR = "|"
NONE = "-"  # a text with no label
_GRID = np.round(np.arange(0.05, 0.96, 0.05), 2)


def split_labels(cell: str) -> list[str]:
    """``"earnings|merger"`` -> ``["earnings", "merger"]``; ``"-"`` -> ``[]``."""
    if cell.strip() == NONE:
        return []
    return [label.strip() for label in cell.split(SEPARATOR) if label.strip()]


def label_matrix(data: LabelledTexts, labels: Sequence[str]) -> np.ndarray:
    """``(len(data), len(labels))`` of 0/1; a label unseen in training names its line."""
    index = {label: i for i, label in enumerate(labels)}
    matrix = np.zeros((len(data), len(labels)), dtype=np.float32)
    for row, (cell, line) in enumerate(zip(data.labels, data.lines, strict=True)):
        for label in split_labels(cell):
            if label not in index:
                raise InputError(
                    f"label {label!r} was not in the training data (known: {list(labels)})",
                    path=data.path,
                    line=line,
                )
            matrix[row, index[label]] = 1.0
    return matrix


def multilabel_metrics(gold: np.ndarray, predicted: np.ndarray, labels: Sequence[str]) -> dict:
    """Micro and macro F1, exact-match accuracy and per-label precision/recall/F1/support of
    0/1 matrices ``(texts, labels)``."""
    tp = (gold * predicted).sum(axis=0)
    fp = ((1 - gold) * predicted).sum(axis=0)
    fn = (gold * (1 - predicted)).sum(axis=0)
    precision = np.divide(tp, tp + fp, out=np.zeros_like(tp), where=tp + fp > 0)
    recall = np.divide(tp, tp + fn, out=np.zeros_like(tp), where=tp + fn > 0)
    f1 = np.divide(2 * tp, 2 * tp + fp + fn, out=np.zeros_like(tp), where=2 * tp + fp + fn > 0)
    micro = 2 * tp.sum() / max(2 * tp.sum() + fp.sum() + fn.sum(), 1e-12)
    return {
        "micro_f1": float(micro),
        "macro_f1": float(f1.mean()),
        "accuracy": float((gold == predicted).all(axis=1).mean()),  # exact match
        "per_class": {
            label: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(gold[:, i].sum()),
            }
            for i, label in enumerate(labels)
        },
        "n": len(gold),
    }


def tune_thresholds(gold: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Per label, the threshold on a 0.05 grid with the best F1 on ``gold`` (0.5 for a label
    with no positive example: nothing to tune on)."""
    best = np.full(gold.shape[1], 0.5)
    for i in range(gold.shape[1]):
        if gold[:, i].sum() == 0:
            continue
        scores = [multilabel_f1(gold[:, i], probs[:, i] >= t) for t in _GRID]
        best[i] = _GRID[int(np.argmax(scores))]
    return best


def multilabel_f1(gold: np.ndarray, predicted: np.ndarray) -> float:
    tp = float((gold * predicted).sum())
    wrong = float(((1 - gold) * predicted).sum() + (gold * (1 - predicted)).sum())
    return 2 * tp / (2 * tp + wrong) if tp else 0.0


def _thresholds(model: Any) -> np.ndarray:
    labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
    return label_thresholds(labels, getattr(model.config, THRESHOLDS, None))


def label_probabilities(model, tokenizer, texts, *, max_length: int, batch_size: int = 64):
    """Sigmoid probabilities ``(len(texts), n_labels)``, windows max-pooled."""
    logits, _ = text_outputs(
        model, tokenizer, texts, max_length=max_length, batch_size=batch_size, pool="max"
    )
    return sigmoid(logits)


def predict(model, tokenizer, texts: Sequence[str], *, max_length: int, batch_size: int = 64):
    """For each text ``{"labels": [...], "label", "score", "scores": {label: probability}}``:
    ``labels`` those at or above their threshold; ``label``/``score`` the most probable one."""
    names = [model.config.id2label[i] for i in range(model.config.num_labels)]
    probs = label_probabilities(
        model, tokenizer, texts, max_length=max_length, batch_size=batch_size
    )
    return multilabel_predictions(names, probs, _thresholds(model))


def evaluate(
    model, tokenizer, path: str | Path, *, max_length: int, batch_size: int = 64, **columns
) -> EvalReport:
    """Micro/macro F1, exact-match accuracy and per-label figures at the tuned thresholds."""
    data = read_labelled(path, **columns)
    labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
    gold = label_matrix(data, labels)
    probs = label_probabilities(
        model, tokenizer, data.texts, max_length=max_length, batch_size=batch_size
    )
    thresholds = _thresholds(model)
    metrics = multilabel_metrics(gold, (probs >= thresholds).astype(np.float32), labels)
    metrics["thresholds"] = dict(zip(labels, thresholds.tolist(), strict=True))
    return EvalReport(metrics=metrics, report=_table(metrics), write_plots=lambda *a: None)


def _table(metrics: dict) -> str:
    return report_table(
        metrics,
        thresholds=metrics["thresholds"],
        summary=[
            ("micro f1", f"{metrics['micro_f1']:.4f}"),
            ("macro f1", f"{metrics['macro_f1']:.4f}"),
            ("exact match", f"{metrics['accuracy']:.4f}  ({metrics['n']} texts)"),
        ],
    )


class MultiLabelClassification(Classification):
    """Any number of labels per text: sigmoid outputs, per-label thresholds tuned on dev."""

    name = TASK
    metrics = TASKS[TASK].metrics
    config_defaults = {"best_metric": TASKS[TASK].metrics[0]}

    def label_names(self, train: LabelledTexts) -> list[str]:
        labels = sorted({label for cell in train.labels for label in split_labels(cell)})
        if len(labels) < 1:
            raise InputError("the training data has no labels at all", path=train.path)
        return labels

    def check_dev(self, dev: LabelledTexts, labels: Sequence[str], path: Path) -> None:
        label_matrix(dev, labels)

    def check_config(self, config: FinetuneConfig) -> None:
        super().check_config(config)
        if config.class_weights:
            raise InputError("class weights are for one label per text; multi-label has none")
        if config.few_shot or config.zero_shot:
            raise InputError("few-shot and zero-shot models pick one label per text")

    def new_model(self, backbone: str, labels: Sequence[str], config: FinetuneConfig):
        model = super().new_model(backbone, labels, config)
        model.config.problem_type = "multi_label_classification"  # BCE on the logits
        return model

    def encode(self, model, tokenizer, data: LabelledTexts, labels, config) -> list[dict]:
        windows, owners = encode(tokenizer, data.texts, config.max_length)
        gold = label_matrix(data, labels)
        for window, owner in zip(windows, owners, strict=True):
            window["labels"] = gold[owner].tolist()
            window[WINDOW_OF] = owner
        return windows

    def dev_metrics(
        self, labels: Sequence[str], dev: Sequence[dict]
    ) -> Callable[[Any], dict[str, float]]:
        owners = [window[WINDOW_OF] for window in dev]
        n_texts = max(owners, default=-1) + 1
        gold = np.zeros((n_texts, len(labels)), dtype=np.float32)
        gold[owners] = [window["labels"] for window in dev]

        def compute(eval_prediction) -> dict[str, float]:
            logits = text_logits(eval_prediction.predictions, owners, n_texts, pool="max")
            scores = multilabel_metrics(gold, (logits >= 0).astype(np.float32), labels)
            return {name: scores[name] for name in self.metrics}

        return compute

    def after_training(self, model, tokenizer, train, dev, labels, config, folder: Path) -> None:
        """Tune each label's threshold on dev; saved into the model's config.json."""
        probs = label_probabilities(
            model, tokenizer, dev.texts, max_length=config.max_length,
            batch_size=config.eval_batch_size,
        )  # fmt: skip
        best = tune_thresholds(label_matrix(dev, labels), probs)
        setattr(model.config, THRESHOLDS, dict(zip(labels, best.tolist(), strict=True)))
        model.config.save_pretrained(folder)

    predict = staticmethod(predict)
    evaluate = staticmethod(evaluate)
