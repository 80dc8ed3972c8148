"""Named-entity recognition: fine-tune a token classifier, predict entities, evaluate.

The NER task module behind :mod:`axonlab.text.model` (same ``finetune``/``predict``/``evaluate``
shapes as :mod:`axonlab.text.classify`). Pieces: :mod:`~axonlab.text.conll` reads the data (IOB2),
:mod:`~axonlab.text.alignment` maps words to sub-token windows and back (no word is ever dropped),
:mod:`~axonlab.text.entities` turns word tags into entities with character offsets, and
:mod:`~axonlab.text.ner_metrics` scores them the conlleval/seqeval way.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from axonlab.errors import InputError
from axonlab.runs import CONFIG_FILE, RunDirectory
from axonlab.text import defaults
from axonlab.text.alignment import IGNORE_INDEX, WordAligner
from axonlab.text.backbones import load_tokenizer, resolve_backbone
from axonlab.text.batching import length_batches
from axonlab.text.casing import add_casing_types, has_token_types, uses_casing
from axonlab.text.conll import TaggedSentence, read_ner
from axonlab.text.entities import decode, split_words
from axonlab.text.ner_metrics import entity_scores, format_report
from axonlab.text.report import EvalReport
from axonlab.text.saving import save_model
from axonlab.text.tags import best_valid_tags, label_list, split_tag
from axonlab.text.train import TrainConfig, fit

TASK = "ner"
# Defaults measured on WikiANN-en and WNUT-17 with all-MiniLM-L6-v2 (docs/ner.md): a small
# encoder needs a higher peak learning rate than run_ner.py's 5e-5. max_length is the window:
# longer sentences are windowed, never truncated.
METRICS = defaults.METRICS[TASK]
DEFAULTS: dict[str, Any] = {"max_length": defaults.NER_MAX_LENGTH, "best_metric": METRICS[0]}


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


def _metrics_fn(labels: Sequence[str]):
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
        return {k: scores[k] for k in METRICS}

    return compute


def finetune(
    train: str | Path,
    dev: str | Path,
    out: str | Path,
    *,
    config: TrainConfig,
    backbone: str | None = None,
    resume: bool = False,
) -> Path:
    """Fine-tune a token classifier on CoNLL/JSONL files; returns the finished run directory."""
    from transformers import AutoModelForTokenClassification, DataCollatorForTokenClassification

    train_data, dev_data = read_ner(train), read_ner(dev)
    labels = label_list([s.tags for s in train_data])
    check_types(dev_data, labels, Path(dev))
    label2id = {label: i for i, label in enumerate(labels)}
    backbone = resolve_backbone(backbone)
    tokenizer = load_tokenizer(backbone)
    run = RunDirectory(out)
    if resume and (run.path / CONFIG_FILE).exists():
        # the checkpoint's token-type table has the saved run's size (runs before casing: none)
        config.casing = run.config().get("train", {}).get("casing", False)
    run.start(
        {
            "backbone": backbone,
            "labels": labels,
            "train_file": str(train),
            "dev_file": str(dev),
            "train": config.to_dict(),
        },
        task=TASK,
        resume=resume,
    )
    torch.manual_seed(config.seed)
    model = AutoModelForTokenClassification.from_pretrained(
        backbone, num_labels=len(labels), id2label=dict(enumerate(labels)), label2id=label2id
    )
    if config.casing or (config.casing is None and has_token_types(model)):
        add_casing_types(model)
    aligner = make_aligner(model, tokenizer, config.max_length)
    result = fit(
        model,
        tokenizer,
        train_dataset=_features(aligner, train_data, label2id),
        dev_dataset=_features(aligner, dev_data, label2id),
        collator=DataCollatorForTokenClassification(tokenizer),
        compute_metrics=_metrics_fn(labels),
        run=run,
        config=config,
        task_type="TOKEN_CLS",
        resume=resume,
    )
    save_model(result.model, tokenizer, run.path / "model")
    dev_report = evaluate(result.model, tokenizer, dev, max_length=config.max_length)
    dev_report.save(run.path, prefix="dev")
    run.write_metrics({"dev": dev_report.metrics, "training": result.summary()})
    if not config.keep_checkpoints:
        shutil.rmtree(run.path / "checkpoints", ignore_errors=True)
    run.mark_complete()
    return run.path


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
    return WordAligner.merge(windows, scores, [len(s) for s in sentences])


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
    words = [split_words(t) for t in texts]
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
