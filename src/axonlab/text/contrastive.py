"""Contrastive tuning of a sentence encoder on labelled pairs: the first stage of few-shot
training (SetFit, Tunstall et al. 2022).

With a handful of examples per class, a classifier head alone has little to learn from; pairs
have more: ``n`` examples make ``O(n^2)`` pairs. Each pair of texts gets a target similarity, 1
for the same label and 0 for different labels, and the encoder learns to make the cosine
similarity of their mean-pooled embeddings match it (the CosineSimilarityLoss of
sentence-transformers, Reimers & Gurevych 2019). The classifier is then fine-tuned from the
tuned encoder as usual.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import torch

from axonlab.text.embeddings import mean_pool

PAIRS_PER_TEXT = 20  # SetFit's default number of iterations: 20 pairs drawn per example
LEARNING_RATE = 2e-5
BATCH_SIZE = 16


def sentence_pairs(
    texts: Sequence[str], labels: Sequence[str], *, pairs_per_text: int = PAIRS_PER_TEXT, seed: int
) -> list[tuple[str, str, float]]:
    """``(text, other, target)`` pairs, half positive (same label, target 1.0) and half negative
    (another label, target 0.0), ``pairs_per_text`` for each text, shuffled."""
    rng = random.Random(seed)
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
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


def _embed(encoder: torch.nn.Module, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    return mean_pool(encoder(**batch).last_hidden_state, batch["attention_mask"])


def contrastive_tune(
    encoder: torch.nn.Module,
    tokenizer: Any,
    pairs: Sequence[tuple[str, str, float]],
    *,
    max_length: int,
    epochs: int = 1,
    batch_size: int = BATCH_SIZE,
    learning_rate: float = LEARNING_RATE,
) -> list[float]:
    """Tune ``encoder`` (a transformers base model: ``last_hidden_state``) in place so that the
    cosine similarity of each pair's embeddings approaches its target; returns the mean loss of
    each epoch. AdamW with linear decay, no warm-up (SetFit's body training)."""
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
            target = torch.tensor([pair[2] for pair in chunk], dtype=a.dtype)
            loss = torch.nn.functional.mse_loss(torch.nn.functional.cosine_similarity(a, b), target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(chunk)
        history.append(total / len(pairs))
    encoder.eval()
    return history
