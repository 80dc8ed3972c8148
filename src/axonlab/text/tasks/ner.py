"""Named-entity recognition: a token classifier's features, entity predictions and scores.

:class:`EntityRecognition` is the task (:mod:`axonlab.text.tasks.base` holds the fine-tuning recipe
it shares with the other tasks). Pieces: :mod:`~axonlab.text.data.conll` reads the data (IOB2),
:mod:`~axonlab.text.data.alignment` maps words to sub-token windows and back (no word is ever
dropped),
:mod:`~axonlab.text.tasks.entities` turns word tags into entities with character offsets, and
:mod:`~axonlab.text.tasks.ner_metrics` scores them the conlleval/seqeval way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from axonlab.errors import InputError
from axonlab.text import defaults
from axonlab.text.data.alignment import IGNORE_INDEX, WordAligner
from axonlab.text.data.casing import add_casing_types, has_token_types, uses_casing
from axonlab.text.data.conll import TaggedSentence, read_ner
from axonlab.text.data.tags import best_valid_tags, label_list, split_tag
from axonlab.text.tasks import TASKS
from axonlab.text.tasks.base import TextTask
from axonlab.text.tasks.entities import decode, split_no_space, split_words
from axonlab.text.tasks.ner_metrics import entity_scores, format_report
from axonlab.text.tasks.report import EvalReport
from axonlab.text.training.fit import FinetuneConfig
from axonlab.text.training.length_batches import length_batches

TASK = "ner"


def make_aligner(model: torch.nn.Module, tokenizer: Any, max_length: int) -> WordAligner:
    """A :class:`WordAligner` whose window fits both ``max_length`` and the model's positions."""
    limits = [max_length, getattr(model.config, "max_position_embeddings", max_length)]
    if 0 < getattr(tokenizer, "model_max_length", 0) < 1_000_000:
        limits.append(tokenizer.model_max_length)
    return WordAligner(tokenizer, max_length=min(limits), casing=uses_casing(model))


def check_types(sentences: Sequence[TaggedSentence], labels: Sequence[str], path: Path) -> None:
    """Raise if ``sentences`` use an entity type the model does not know."""
    known = {split_tag(label)[1] for label in labels}
    seen = {split_tag(tag)[1] for s in sentences for tag in s.tags} - {""}
    if seen - known:
        raise InputError(
            f"entity types {sorted(seen - known)} do not occur in the training data "
            f"(known: {sorted(known - {''})})",
            path=path,
        )


def _features(aligner: WordAligner, sentences: Sequence[TaggedSentence], label2id: dict):
    tag_ids = [[label2id[t] for t in s.tags] for s in sentences]
    return aligner.training_features([s.tokens for s in sentences], tag_ids)


def _metrics_fn(labels: Sequence[str], names: Sequence[str]):
    """``compute_metrics`` for the Trainer: window logits -> word tags -> entity scores.

    The Trainer may reorder the dev windows (length grouping), so each window is scored as its
    own sequence of owned words. That equals sentence scoring except for the rare entity cut by a
    window boundary; the final dev report (:func:`evaluate`) always scores whole sentences.
    """

    def compute(eval_prediction) -> dict[str, float]:
        logits, gold = eval_prediction.predictions, eval_prediction.label_ids
        gold_tags, predicted_tags = [], []
        for row_logits, row_gold in zip(logits, gold, strict=True):
            positions = np.flatnonzero(row_gold != IGNORE_INDEX)  # owned first sub-tokens
            gold_tags.append([labels[i] for i in row_gold[positions]])
            word_probs = torch.softmax(torch.from_numpy(row_logits[positions]).float(), -1)
            predicted_tags.append([labels[i] for i in best_valid_tags(word_probs.numpy(), labels)])
        scores = entity_scores(gold_tags, predicted_tags)
        return {k: scores[k] for k in names}

    return compute


@torch.inference_mode()
def word_probabilities(
    model: torch.nn.Module,
    tokenizer: Any,
    sentences: Sequence[Sequence[str]],
    *,
    max_length: int,
    batch_size: int = 64,
) -> list[np.ndarray]:
    """Tag probabilities per word: one ``(len(sentence), num_labels)`` array per sentence.

    Windows are batched by length (little padding) and merged back so every word has one row.
    """
    model.eval()
    aligner = make_aligner(model, tokenizer, max_length)
    windows = aligner.windows(sentences)
    scores: list[np.ndarray | None] = [None] * len(windows)
    for chunk in length_batches([len(w.input_ids) for w in windows], batch_size):
        batch = tokenizer.pad([windows[i].features() for i in chunk], return_tensors="pt")
        probs = torch.softmax(model(**batch).logits.float(), dim=-1).numpy()  # (B, T, labels)
        for row, i in zip(probs, chunk, strict=True):
            scores[i] = row
    return WordAligner.merge(windows, scores, [len(s) for s in sentences], _labels(model))


def _labels(model: torch.nn.Module) -> list[str]:
    return [model.config.id2label[i] for i in range(model.config.num_labels)]


def predict(
    model: torch.nn.Module,
    tokenizer: Any,
    texts: Sequence[str],
    *,
    max_length: int,
    batch_size: int = 64,
) -> list[dict[str, Any]]:
    """For each raw text ``{"entities": [{"type", "text", "start", "end", "score"}, ...]}``;
    ``text[start:end]`` is the entity's text."""
    words = [split_no_space(split_words(t)) for t in texts]
    probs = word_probabilities(
        model,
        tokenizer,
        [[w.text for w in ws] for ws in words],
        max_length=max_length,
        batch_size=batch_size,
    )
    labels, out = _labels(model), []
    for text, text_words, p in zip(texts, words, probs, strict=True):
        best = best_valid_tags(p, labels)
        entities = decode(text, text_words, [labels[i] for i in best], p[np.arange(len(p)), best])
        out.append({"entities": [e.to_dict() for e in entities]})
    return out


def evaluate(
    model: torch.nn.Module,
    tokenizer: Any,
    path: str | Path,
    *,
    max_length: int,
    batch_size: int = 64,
) -> EvalReport:
    """Score a CoNLL/JSONL file: entity micro/macro F1, precision, recall, per-type table,
    strict IOB2 scores and token accuracy. Every word is scored (none truncated)."""
    data = read_ner(path)
    labels = _labels(model)
    check_types(data, labels, Path(path))
    probs = word_probabilities(
        model, tokenizer, [s.tokens for s in data], max_length=max_length, batch_size=batch_size
    )
    predicted = [[labels[i] for i in best_valid_tags(p, labels)] for p in probs]
    metrics = entity_scores([s.tags for s in data], predicted)
    metrics["sentences"] = len(data)
    metrics["words"] = sum(len(s) for s in data)
    return EvalReport(metrics=metrics, report=format_report(metrics))


class EntityRecognition(TextTask):
    """Entities in running text (people, places, organisations): a token classifier over words.

    Defaults measured on WikiANN-en and WNUT-17 with all-MiniLM-L6-v2 (docs/ner.md): a small
    encoder needs a higher peak learning rate than run_ner.py's 5e-5 (the shared default, 1e-4).
    ``max_length`` is the window: longer sentences are windowed, never truncated.
    """

    name = TASK
    auto_model = "AutoModelForTokenClassification"
    peft_task_type = "TOKEN_CLS"
    metrics = TASKS[TASK].metrics
    config_defaults = {"max_length": defaults.NER_MAX_LENGTH, "best_metric": metrics[0]}

    def read(self, path: str | Path, **columns: str | None) -> list[TaggedSentence]:
        return read_ner(path)

    def label_names(self, train: list[TaggedSentence]) -> list[str]:
        return label_list([s.tags for s in train])

    def check_dev(self, dev: list[TaggedSentence], labels: Sequence[str], path: Path) -> None:
        check_types(dev, labels, path)

    def resume_config(self, config: FinetuneConfig, saved: dict[str, Any]) -> None:
        # the checkpoint's token-type table has the saved run's size (runs before casing: none)
        config.casing = saved.get("train", {}).get("casing", False)

    def new_model(self, backbone: str, labels: Sequence[str], config: FinetuneConfig):
        model = super().new_model(backbone, labels, config)
        if config.casing or (config.casing is None and has_token_types(model)):
            add_casing_types(model)
        return model

    def encode(self, model, tokenizer, data: list[TaggedSentence], labels, config) -> list[dict]:
        aligner = make_aligner(model, tokenizer, config.max_length)
        return _features(aligner, data, {label: i for i, label in enumerate(labels)})

    def collator(self, tokenizer: Any) -> Callable:
        from transformers import DataCollatorForTokenClassification

        return DataCollatorForTokenClassification(tokenizer)

    def dev_metrics(
        self, labels: Sequence[str], dev: Sequence[dict]
    ) -> Callable[[Any], dict[str, float]]:
        return _metrics_fn(labels, self.metrics)

    predict = staticmethod(predict)
    evaluate = staticmethod(evaluate)
