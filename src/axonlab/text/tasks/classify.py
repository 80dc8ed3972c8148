"""Sequence classification (spam, sentiment, topics): encode, predict, evaluate.

:class:`Classification` is the task (:mod:`axonlab.text.tasks.base` holds the fine-tuning recipe it
shares with the other tasks); the functions below do its work and can be called on any
sequence classifier.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from axonlab.errors import InputError
from axonlab.text.data.labelled import LabelledTexts, LabelMap, read_labelled
from axonlab.text.embeddings.encoder import WindowMeans
from axonlab.text.tasks import TASKS
from axonlab.text.tasks.base import TextTask
from axonlab.text.tasks.metrics import classification_metrics, plot_confusion_matrix, report_table
from axonlab.text.tasks.outputs import class_predictions, softmax, text_logits
from axonlab.text.tasks.report import EvalReport
from axonlab.text.training.fit import FinetuneConfig
from axonlab.text.training.length_batches import length_batches

TASK = "classify"
WINDOW_OF = "window_of"  # training feature: the index of the text a window was cut from


def encode(
    tokenizer: Any, texts: Sequence[str | tuple[str, str]], max_length: int
) -> tuple[list[dict[str, list[int]]], list[int]]:
    """Tokenise without padding (the collator pads each batch to its own longest example).

    A text longer than ``max_length`` sub-tokens is cut into overlapping windows (a quarter of
    a window of overlap), never truncated. A text may be a pair ``(first, second)`` (sentence-
    pair tasks: two columns read as ``text_column="a,b"``), encoded with the separator between.
    Returns the windows and, for each, the index of the text it came from.
    """
    texts = list(texts)
    pairs = sum(isinstance(t, tuple) for t in texts)
    window = {"max_length": max_length, "stride": max_length // 4}
    if not pairs:
        encoded = tokenizer(texts, truncation=True, return_overflowing_tokens=True, **window)
    elif pairs < len(texts):
        raise InputError("a batch mixes single texts and text pairs; give one kind")
    else:
        # A pair (question, passage) is windowed along its second text; the first is kept whole.
        first, second = [a for a, _ in texts], [b for _, b in texts]
        try:
            encoded = tokenizer(
                first, second, truncation="only_second", return_overflowing_tokens=True, **window
            )
        except Exception as err:  # the tokenizers' message for a first text over the window
            raise InputError(
                f"the first text of a pair must fit in max_length={max_length} sub-tokens, "
                "with room for the second to be windowed"
            ) from err
    keys = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in encoded]
    windows = [{k: encoded[k][i] for k in keys} for i in range(len(encoded["input_ids"]))]
    return windows, list(encoded["overflow_to_sample_mapping"])


def _balanced_weights(ids: list[int], n_classes: int) -> torch.Tensor:
    """Inverse-frequency class weights, ``n / (k * count)`` (scikit-learn's "balanced")."""
    counts = np.bincount(ids, minlength=n_classes).astype(np.float64)
    return torch.tensor(len(ids) / (n_classes * np.maximum(counts, 1)), dtype=torch.float32)


@torch.inference_mode()
def text_outputs(
    model: torch.nn.Module,
    tokenizer: Any,
    texts: Sequence[str],
    *,
    max_length: int,
    batch_size: int = 64,
    features: bool = False,
    pool: str = "mean",
) -> tuple[np.ndarray, np.ndarray | None]:
    """Logits, shape ``(len(texts), n_classes)``, in the order of ``texts``; with ``features``
    also each text's mean-pooled last hidden layer, shape ``(len(texts), hidden)``.

    Windows are batched by length so each batch pads little (:func:`length_batches`); a text
    cut into several windows gets their logits pooled by ``pool`` (:func:`text_logits`), and the
    mean of all their tokens' hidden vectors.
    """
    model.eval()
    windows, owners = encode(tokenizer, texts, max_length)
    lengths = [len(w["input_ids"]) for w in windows]
    logits = np.zeros((len(windows), model.config.num_labels), dtype=np.float32)
    pooled = WindowMeans(len(texts), model.config.hidden_size) if features else None
    for chunk in length_batches(lengths, batch_size):
        batch = tokenizer.pad([windows[i] for i in chunk], return_tensors="pt")
        output = model(**batch, output_hidden_states=features)
        logits[chunk] = output.logits.float().numpy()
        if pooled is not None:
            pooled.add(np.asarray(owners)[chunk], output.hidden_states[-1], batch["attention_mask"])
    means = pooled.means().astype(np.float32) if pooled is not None else None
    return text_logits(logits, owners, len(texts), pool), means


def class_probabilities(
    model: torch.nn.Module,
    tokenizer: Any,
    texts: Sequence[str],
    *,
    max_length: int,
    batch_size: int = 64,
) -> np.ndarray:
    """Softmax probabilities, shape ``(len(texts), n_classes)``, in the order of ``texts``."""
    logits, _ = text_outputs(model, tokenizer, texts, max_length=max_length, batch_size=batch_size)
    return softmax(logits)


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
    return class_predictions(labels, probs)


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


class Classification(TextTask):
    """One label per text (spam, sentiment, topics): a sequence classifier."""

    name = TASK
    auto_model = "AutoModelForSequenceClassification"
    peft_task_type = "SEQ_CLS"
    metrics = TASKS[TASK].metrics
    column_options = ("text_column", "label_column")

    def read(self, path: str | Path, **columns: str | None) -> LabelledTexts:
        return read_labelled(path, **columns)

    def label_names(self, train: LabelledTexts) -> list[str]:
        return list(LabelMap.from_training(train).labels)

    def check_dev(self, dev: LabelledTexts, labels: Sequence[str], path: Path) -> None:
        LabelMap(tuple(labels)).encode(dev)  # names the line of a label unseen in training

    def check_config(self, config: FinetuneConfig) -> None:
        super().check_config(config)
        if config.casing is not None:
            raise InputError("casing token types are for ner; classification reads raw text")

    def prototype_model(self, backbone: str, tokenizer: Any, train: LabelledTexts, labels, config):
        import time

        from transformers import AutoModel

        from axonlab.text.embeddings import zero_shot
        from axonlab.text.embeddings.contrastive import contrastive_tune, training_pairs

        train = self.modelled(train)
        encoder = AutoModel.from_pretrained(backbone)
        start = time.perf_counter()
        if config.few_shot:
            loss = config.few_shot_loss
            pairs = training_pairs(loss, train.texts, train.labels, seed=config.seed)
            contrastive_tune(encoder, tokenizer, pairs, loss=loss, max_length=config.max_length)
        examples: dict[str, list[str]] = {label: [] for label in labels}
        for text, label in zip(train.texts, train.labels, strict=True):
            examples[label].append(text)
        make = zero_shot.fit_head if config.few_shot else zero_shot.build
        model = make(encoder, tokenizer, list(labels), examples)
        return model, time.perf_counter() - start

    def load_model(self, folder: Path) -> Any:
        from axonlab.text.embeddings import zero_shot

        if zero_shot.is_prototype_folder(folder):
            return zero_shot.PrototypeClassifier.from_pretrained(folder)
        return super().load_model(folder)

    def modelled(self, data: LabelledTexts) -> LabelledTexts:
        """The rows the classifier learns from (all of them; intents leave out-of-scope out)."""
        return data

    def encode(self, model, tokenizer, data: LabelledTexts, labels, config) -> list[dict]:
        data = self.modelled(data)
        # Every window of a long text is a training example with the text's label; WINDOW_OF
        # lets the dev metrics put a text's windows back together (the collator drops it).
        windows, owners = encode(tokenizer, data.texts, config.max_length)
        gold = LabelMap(tuple(labels)).encode(data)
        for window, owner in zip(windows, owners, strict=True):
            window["labels"] = gold[owner]
            window[WINDOW_OF] = owner
        return windows

    def collator(self, tokenizer: Any) -> Callable:
        from transformers import DataCollatorWithPadding

        pad = DataCollatorWithPadding(tokenizer)

        def collate(features: list[dict]) -> dict:
            return pad([{k: v for k, v in f.items() if k != WINDOW_OF} for f in features])

        return collate

    def dev_metrics(
        self, labels: Sequence[str], dev: Sequence[dict]
    ) -> Callable[[Any], dict[str, float]]:
        owners = [window[WINDOW_OF] for window in dev]
        n_texts = max(owners, default=-1) + 1
        gold = np.zeros(n_texts, dtype=np.int64)
        gold[owners] = [window["labels"] for window in dev]

        def compute(eval_prediction) -> dict[str, float]:
            logits = text_logits(eval_prediction.predictions, owners, n_texts)
            scores = classification_metrics(gold, np.argmax(logits, axis=-1), labels)
            return {name: scores[name] for name in self.metrics}

        return compute

    def class_weights(self, train: LabelledTexts, labels, config) -> torch.Tensor | None:
        if not config.class_weights:
            return None
        return _balanced_weights(LabelMap(tuple(labels)).encode(self.modelled(train)), len(labels))

    predict = staticmethod(predict)
    evaluate = staticmethod(evaluate)
