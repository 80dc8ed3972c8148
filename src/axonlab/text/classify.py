"""Sequence classification (spam, sentiment, topics): encode, fine-tune, predict, evaluate.

One of the task modules behind :mod:`axonlab.text.model`; each exposes ``finetune``,
``predict`` and ``evaluate`` with the same shapes.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from axonlab.runs import RunDirectory
from axonlab.text import defaults
from axonlab.text.backbones import load_tokenizer, resolve_backbone
from axonlab.text.batching import length_batches
from axonlab.text.data import LabelledTexts, LabelMap, read_labelled
from axonlab.text.metrics import classification_metrics, plot_confusion_matrix, report_table
from axonlab.text.report import EvalReport
from axonlab.text.saving import save_model
from axonlab.text.train import TrainConfig, fit

TASK = "classify"
METRICS = defaults.METRICS[TASK]


def encode(tokenizer: Any, texts: Sequence[str], max_length: int) -> list[dict[str, list[int]]]:
    """Tokenise without padding (the collator pads each batch to its own longest example)."""
    encoded = tokenizer(list(texts), truncation=True, max_length=max_length)
    keys = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in encoded]
    return [{k: encoded[k][i] for k in keys} for i in range(len(texts))]


def _labelled_dataset(tokenizer: Any, data: LabelledTexts, ids: list[int], max_length: int):
    examples = encode(tokenizer, data.texts, max_length)
    for example, label in zip(examples, ids, strict=True):
        example["labels"] = label
    return examples


def _balanced_weights(ids: list[int], n_classes: int) -> torch.Tensor:
    """Inverse-frequency class weights, ``n / (k * count)`` (scikit-learn's "balanced")."""
    counts = np.bincount(ids, minlength=n_classes).astype(np.float64)
    return torch.tensor(len(ids) / (n_classes * np.maximum(counts, 1)), dtype=torch.float32)


def _metrics_fn(labels: Sequence[str]):
    def compute(eval_prediction) -> dict[str, float]:
        logits, gold = eval_prediction.predictions, eval_prediction.label_ids
        scores = classification_metrics(gold, np.argmax(logits, axis=-1), labels)
        return {name: scores[name] for name in METRICS}

    return compute


def finetune(
    train: str | Path,
    dev: str | Path,
    out: str | Path,
    *,
    config: TrainConfig,
    backbone: str | None = None,
    resume: bool = False,
    text_column: str | None = None,
    label_column: str | None = None,
) -> Path:
    """Fine-tune a sequence classifier; returns the finished run directory."""
    from transformers import AutoModelForSequenceClassification, DataCollatorWithPadding

    columns = {"text_column": text_column, "label_column": label_column}
    train_data, dev_data = read_labelled(train, **columns), read_labelled(dev, **columns)
    label_map = LabelMap.from_training(train_data)
    train_ids, dev_ids = label_map.encode(train_data), label_map.encode(dev_data)
    backbone = resolve_backbone(backbone)
    tokenizer = load_tokenizer(backbone)
    run = RunDirectory(out)
    run.start(
        {
            "backbone": backbone,
            "labels": list(label_map.labels),
            "train_file": str(train),
            "dev_file": str(dev),
            "columns": columns,
            "train": config.to_dict(),
        },
        task=TASK,
        resume=resume,
    )
    torch.manual_seed(config.seed)
    model = AutoModelForSequenceClassification.from_pretrained(
        backbone,
        num_labels=len(label_map.labels),
        id2label=label_map.id2label,
        label2id=label_map.label2id,
    )
    result = fit(
        model,
        tokenizer,
        train_dataset=_labelled_dataset(tokenizer, train_data, train_ids, config.max_length),
        dev_dataset=_labelled_dataset(tokenizer, dev_data, dev_ids, config.max_length),
        collator=DataCollatorWithPadding(tokenizer),
        compute_metrics=_metrics_fn(label_map.labels),
        run=run,
        config=config,
        task_type="SEQ_CLS",
        class_weights=_balanced_weights(train_ids, len(label_map.labels))
        if config.class_weights
        else None,
        resume=resume,
    )
    save_model(result.model, tokenizer, run.path / "model")
    dev_report = evaluate(result.model, tokenizer, dev, max_length=config.max_length, **columns)
    dev_report.save(run.path, prefix="dev")
    run.write_metrics({"dev": dev_report.metrics, "training": result.summary()})
    if not config.keep_checkpoints:
        shutil.rmtree(run.path / "checkpoints", ignore_errors=True)
    run.mark_complete()
    return run.path


@torch.inference_mode()
def class_probabilities(
    model: torch.nn.Module,
    tokenizer: Any,
    texts: Sequence[str],
    *,
    max_length: int,
    batch_size: int = 64,
) -> np.ndarray:
    """Softmax probabilities, shape ``(len(texts), n_classes)``, in the order of ``texts``.

    Texts are batched by length so each batch pads little (:func:`length_batches`); results
    are put back in order.
    """
    model.eval()
    encoded = encode(tokenizer, texts, max_length)
    lengths = [len(e["input_ids"]) for e in encoded]
    probs = np.zeros((len(texts), model.config.num_labels), dtype=np.float32)
    for chunk in length_batches(lengths, batch_size):
        batch = tokenizer.pad([encoded[i] for i in chunk], return_tensors="pt")
        logits = model(**batch).logits
        probs[chunk] = torch.softmax(logits.float(), dim=-1).numpy()
    return probs


def predict(
    model: torch.nn.Module,
    tokenizer: Any,
    texts: Sequence[str],
    *,
    max_length: int,
    batch_size: int = 64,
) -> list[dict[str, Any]]:
    """For each text ``{"label", "score", "scores": {label: probability}}``."""
    labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
    probs = class_probabilities(
        model, tokenizer, texts, max_length=max_length, batch_size=batch_size
    )
    return [
        {
            "label": labels[int(row.argmax())],
            "score": float(row.max()),
            "scores": {label: float(p) for label, p in zip(labels, row, strict=True)},
        }
        for row in probs
    ]


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
    """Score a labelled file: accuracy, macro-F1, per-class table, confusion matrix."""
    data = read_labelled(path, text_column=text_column, label_column=label_column)
    label_map = LabelMap(tuple(model.config.id2label[i] for i in range(model.config.num_labels)))
    gold = label_map.encode(data)
    probs = class_probabilities(
        model, tokenizer, data.texts, max_length=max_length, batch_size=batch_size
    )
    predicted = probs.argmax(axis=-1).tolist()
    metrics = classification_metrics(gold, predicted, label_map.labels)

    def write_plots(folder: Path, prefix: str) -> None:
        plot_confusion_matrix(
            gold, predicted, label_map.labels, folder / f"{prefix}_confusion_matrix.png"
        )

    return EvalReport(metrics=metrics, report=report_table(metrics), write_plots=write_plots)
