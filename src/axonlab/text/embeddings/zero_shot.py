"""Classifiers on a sentence encoder's embedding: zero-shot (labels described in words) and
few-shot (a handful of examples per label).

Both score a text by a linear map of its mean-pooled, normalised embedding. Zero-shot gives each
label a *prototype*, the mean embedding of its descriptions (its name in words does), and the
logits are the cosine similarities to the prototypes times :data:`SCALE`. Few-shot first tunes
the encoder on pairs of the examples (:mod:`axonlab.text.embeddings.contrastive`), then fits a
logistic regression on their embeddings (SetFit's head; Tunstall et al. 2022).
:class:`PrototypeClassifier`
answers like a transformers sequence classifier (``logits``, ``hidden_states``, ``config``), so
prediction, evaluation and the out-of-scope detector work on it unchanged; its folder holds the
encoder as an ordinary Hugging Face model plus ``prototypes.safetensors`` (the weights and bias).
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import torch

from axonlab.text.embeddings.encoder import mean_pool

PROTOTYPES = "prototypes.safetensors"
# Cosine similarities lie in [-1, 1]; scaled by 20 (a temperature of 0.05, the usual one for
# contrastively trained sentence encoders) their softmax separates labels instead of being flat.
SCALE = 20.0


class PrototypeClassifier(torch.nn.Module):
    """Logits = ``weights @ normalise(mean-pooled embedding) + bias``: ``SCALE`` x the cosine
    similarity to each prototype (zero-shot), or a logistic regression (few-shot)."""

    def __init__(
        self,
        encoder: torch.nn.Module,
        weights: torch.Tensor,
        labels: list[str],
        bias: torch.Tensor | None = None,
    ):
        super().__init__()
        self.encoder = encoder
        self.register_buffer("weights", weights.float())
        self.register_buffer("bias", torch.zeros(len(labels)) if bias is None else bias.float())
        self.config = encoder.config
        self.config.num_labels = len(labels)
        self.config.id2label = dict(enumerate(labels))
        self.config.label2id = {label: i for i, label in enumerate(labels)}

    @classmethod
    def of_prototypes(
        cls, encoder: torch.nn.Module, prototypes: torch.Tensor, labels: list[str]
    ) -> PrototypeClassifier:
        return cls(encoder, SCALE * torch.nn.functional.normalize(prototypes, dim=-1), labels)

    @property
    def base_model(self) -> torch.nn.Module:
        return self.encoder

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
        output_hidden_states: bool = False,
        **_: Any,
    ) -> SimpleNamespace:
        output = self.encoder(
            input_ids=input_ids,
            attention_mask=attention_mask,
            token_type_ids=token_type_ids,
            output_hidden_states=output_hidden_states,
        )
        pooled = mean_pool(output.last_hidden_state, attention_mask)
        logits = torch.nn.functional.normalize(pooled, dim=-1) @ self.weights.T + self.bias
        return SimpleNamespace(logits=logits, hidden_states=output.hidden_states)

    def get_input_embeddings(self) -> torch.nn.Module:
        return self.encoder.get_input_embeddings()

    def save_pretrained(self, folder: str | Path) -> None:
        from safetensors.torch import save_file

        self.encoder.save_pretrained(folder)  # config with the labels, weights of the encoder
        tensors = {"weights": self.weights.contiguous(), "bias": self.bias.contiguous()}
        save_file(tensors, str(Path(folder) / PROTOTYPES))

    @classmethod
    def from_pretrained(cls, folder: str | Path) -> PrototypeClassifier:
        from safetensors.torch import load_file
        from transformers import AutoModel

        encoder = AutoModel.from_pretrained(folder)
        labels = [encoder.config.id2label[i] for i in range(len(encoder.config.id2label))]
        saved = load_file(str(Path(folder) / PROTOTYPES))
        if "prototypes" in saved:  # the first format: prototypes only
            return cls.of_prototypes(encoder, saved["prototypes"], labels).eval()
        return cls(encoder, saved["weights"], labels, saved["bias"]).eval()


def is_prototype_folder(folder: str | Path) -> bool:
    return (Path(folder) / PROTOTYPES).is_file()


def build(
    encoder: torch.nn.Module, tokenizer: Any, labels: list[str], texts: dict[str, list[str]]
) -> PrototypeClassifier:
    """A :class:`PrototypeClassifier` on ``encoder`` (a transformers base model) whose label
    ``l``'s prototype is the mean embedding of ``texts[l]`` (its descriptions)."""
    from axonlab.text.embeddings.encoder import SentenceEncoder

    embedder = SentenceEncoder.wrap(encoder, tokenizer, name="prototypes")
    prototypes = np.stack([embedder.encode(texts[label]).mean(axis=0) for label in labels])
    return PrototypeClassifier.of_prototypes(encoder, torch.from_numpy(prototypes), labels).eval()


def fit_head(
    encoder: torch.nn.Module, tokenizer: Any, labels: list[str], texts: dict[str, list[str]]
) -> PrototypeClassifier:
    """A :class:`PrototypeClassifier` whose head is a logistic regression fitted on the
    normalised embeddings of ``texts[l]`` (the examples of each label)."""
    from sklearn.linear_model import LogisticRegression

    from axonlab.text.embeddings.encoder import SentenceEncoder

    embedder = SentenceEncoder.wrap(encoder, tokenizer, name="head")
    x = np.concatenate([embedder.encode(texts[label]) for label in labels])
    y = np.concatenate([np.full(len(texts[label]), i) for i, label in enumerate(labels)])
    head = LogisticRegression(max_iter=2000).fit(x, y)
    weights, bias = head.coef_, head.intercept_
    if len(labels) == 2:  # sklearn keeps one row for two classes: the second's against the first
        weights = np.stack([np.zeros_like(weights[0]), weights[0]])
        bias = np.array([0.0, bias[0]])
    return PrototypeClassifier(
        encoder, torch.from_numpy(weights), labels, torch.from_numpy(bias)
    ).eval()
