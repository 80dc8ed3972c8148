"""Contrastive tuning of a sentence encoder on labelled pairs: the first stage of few-shot
training (SetFit, Tunstall et al. 2022).

With a handful of examples per class, a classifier head alone has little to learn from; pairs
have more: ``n`` examples make ``O(n^2)`` pairs. Two losses:

- ``cosine`` (SetFit's default): each pair of texts gets a target similarity, 1 for the same
  label and 0 for different labels, and the encoder learns to make the cosine similarity of
  their mean-pooled embeddings match it (CosineSimilarityLoss, Reimers & Gurevych 2019).
- ``in-batch``: pairs of the same label only; in a batch of ``B`` pairs each text must pick its
  partner out of the ``B`` candidates (a softmax over scaled cosine similarities, both ways),
  so the other pairs serve as negatives for free (the multiple-negatives ranking loss of
  Henderson et al. 2017); candidates that share the text's label are masked out rather than
  pushed away (as in supervised contrastive learning, Khosla et al. 2020).

The classifier head is then fitted on the tuned encoder's embeddings.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F

from axonlab.text import defaults
from axonlab.text.embeddings.encoder import mean_pool

# 20 pairs drawn per example, half positive (SetFit's 20 iterations draw twice as many: a
# positive and a negative pair per example each; bench_assist.py runs it so)
PAIRS_PER_TEXT = 20
LEARNING_RATE = 2e-5
BATCH_SIZE = 16
SCALE = 20.0  # in-batch: cosine similarities times 20 (a temperature of 0.05) before the softmax

Pair = tuple[str, str, Any]  # (text, other text, what the loss reads: a target or the label)


def sentence_pairs(
    texts: Sequence[str], labels: Sequence[str], *, pairs_per_text: int = PAIRS_PER_TEXT, seed: int
) -> list[Pair]:
    """``(text, other, target)`` pairs, half positive (same label, target 1.0) and half negative
    (another label, target 0.0), ``pairs_per_text`` for each text, shuffled."""
    rng = random.Random(seed)
    by_label = _by_label(labels)
    pairs = []
    for i, (text, label) in enumerate(zip(texts, labels, strict=True)):
        same = [j for j in by_label[label] if j != i]
        other = [j for j in range(len(texts)) if labels[j] != label]
        for k in range(pairs_per_text):
            positive = k % 2 == 0 and same
            j = rng.choice(same if positive else other)
            pairs.append((text, texts[j], 1.0 if positive else 0.0))
    rng.shuffle(pairs)
    return pairs


def positive_pairs(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    pairs_per_text: int = PAIRS_PER_TEXT // 2,
    seed: int,
) -> list[Pair]:
    """``(text, other text of its label, label)`` pairs for the in-batch loss, ``pairs_per_text``
    for each text (as many positives as :func:`sentence_pairs` draws), shuffled. A text alone
    in its label is paired with itself: dropout makes the two views differ (SimCSE)."""
    rng = random.Random(seed)
    by_label = _by_label(labels)
    pairs = []
    for i, (text, label) in enumerate(zip(texts, labels, strict=True)):
        same = [j for j in by_label[label] if j != i] or [i]
        pairs += [(text, texts[rng.choice(same)], label) for _ in range(pairs_per_text)]
    rng.shuffle(pairs)
    return pairs


def training_pairs(loss: str, texts: Sequence[str], labels: Sequence[str], *, seed: int):
    """The pairs ``loss`` trains on, with its default number per text."""
    make = positive_pairs if loss == "in-batch" else sentence_pairs
    return make(texts, labels, seed=seed)


def _by_label(labels: Sequence[str]) -> dict[str, list[int]]:
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    return by_label


def cosine_loss(a: torch.Tensor, b: torch.Tensor, chunk: Sequence[Pair]) -> torch.Tensor:
    """Squared error between each pair's cosine similarity and its target (1 or 0)."""
    target = torch.tensor([pair[2] for pair in chunk], dtype=a.dtype)
    return F.mse_loss(F.cosine_similarity(a, b), target)


def in_batch_loss(a: torch.Tensor, b: torch.Tensor, chunk: Sequence[Pair]) -> torch.Tensor:
    """Cross-entropy of each text picking its partner among the batch's, both ways; ``a``,
    ``b``: ``(B, hidden)`` embeddings of the pairs' two sides."""
    similarity = SCALE * F.normalize(a, dim=-1) @ F.normalize(b, dim=-1).T
    labels = [pair[2] for pair in chunk]
    same = torch.tensor([[x == y for y in labels] for x in labels])
    similarity = similarity.masked_fill(same & ~torch.eye(len(chunk), dtype=torch.bool), -1e4)
    target = torch.arange(len(chunk))
    return (F.cross_entropy(similarity, target) + F.cross_entropy(similarity.T, target)) / 2


# one per name in defaults.FEW_SHOT_LOSSES (FinetuneConfig checks the name)
LOSS_FUNCTIONS: dict[str, Callable[..., torch.Tensor]] = {
    "in-batch": in_batch_loss,
    "cosine": cosine_loss,
}


def _embed(encoder: torch.nn.Module, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    return mean_pool(encoder(**batch).last_hidden_state, batch["attention_mask"])


def contrastive_tune(
    encoder: torch.nn.Module,
    tokenizer: Any,
    pairs: Sequence[Pair],
    *,
    max_length: int,
    loss: str = defaults.FEW_SHOT_LOSS,
    epochs: int = 1,
    batch_size: int = BATCH_SIZE,
    learning_rate: float = LEARNING_RATE,
) -> list[float]:
    """Tune ``encoder`` (a transformers base model: ``last_hidden_state``) in place on ``pairs``
    (from :func:`training_pairs` for the same ``loss``); returns the mean loss of each epoch.
    AdamW with linear decay, no warm-up (SetFit's body training)."""
    loss_of = LOSS_FUNCTIONS[loss]
    steps = epochs * -(-len(pairs) // batch_size)
    optimizer = torch.optim.AdamW(
        [p for p in encoder.parameters() if p.requires_grad], lr=learning_rate
    )
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1 - step / steps)
    encoder.train()
    history = []
    for _ in range(epochs):
        total = 0.0
        for start in range(0, len(pairs), batch_size):
            chunk = pairs[start : start + batch_size]
            a, b = (
                _embed(
                    encoder,
                    tokenizer(
                        [pair[side] for pair in chunk],
                        truncation=True,
                        max_length=max_length,
                        padding=True,
                        return_tensors="pt",
                    ),
                )
                for side in (0, 1)
            )
            value = loss_of(a, b, chunk)
            optimizer.zero_grad()
            value.backward()
            optimizer.step()
            schedule.step()
            total += value.item() * len(chunk)
        history.append(total / len(pairs))
    encoder.eval()
    return history
