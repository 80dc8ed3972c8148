"""Nearest-prototype classification: zero-shot (labels described in words) and few-shot.

Each label gets a *prototype*: the mean of the mean-pooled, normalised sentence embeddings of its
training texts: for zero-shot, descriptions of the label (its name in words does); for few-shot,
a handful of examples, embedded by an encoder first tuned on their pairs
(:mod:`axonlab.text.contrastive`). A text's logits are the cosine similarities of its embedding to
the prototypes, times :data:`SCALE`. :class:`PrototypeClassifier` answers like a transformers
sequence classifier (``logits``, ``hidden_states``, ``config``), so prediction, evaluation and the
out-of-scope detector work on it unchanged; its folder holds the encoder as an ordinary Hugging
Face model plus ``prototypes.safetensors``.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import torch

from axonlab.text.embeddings import mean_pool

PROTOTYPES = "prototypes.safetensors"
# Cosine similarities lie in [-1, 1]; scaled by 20 (a temperature of 0.05, the usual one for
# contrastively trained sentence encoders) their softmax separates labels instead of being flat.
SCALE = 20.0


class PrototypeClassifier(torch.nn.Module):
    """Logits = ``SCALE`` x cosine similarity of the mean-pooled embedding to each prototype."""

    def __init__(self, encoder: torch.nn.Module, prototypes: torch.Tensor, labels: list[str]):
        super().__init__()
        self.encoder = encoder
        self.register_buffer("prototypes", torch.nn.functional.normalize(prototypes, dim=-1))
        self.config = encoder.config
        self.config.num_labels = len(labels)
        self.config.id2label = dict(enumerate(labels))
        self.config.label2id = {label: i for i, label in enumerate(labels)}

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
        logits = SCALE * torch.nn.functional.normalize(pooled, dim=-1) @ self.prototypes.T
        return SimpleNamespace(logits=logits, hidden_states=output.hidden_states)

    def save_pretrained(self, folder: str | Path) -> None:
        from safetensors.torch import save_file

        self.encoder.save_pretrained(folder)  # config with the labels, weights of the encoder
        save_file({"prototypes": self.prototypes.contiguous()}, str(Path(folder) / PROTOTYPES))

    @classmethod
    def from_pretrained(cls, folder: str | Path) -> PrototypeClassifier:
        from safetensors.torch import load_file
        from transformers import AutoModel

        encoder = AutoModel.from_pretrained(folder)
        labels = [encoder.config.id2label[i] for i in range(len(encoder.config.id2label))]
        prototypes = load_file(str(Path(folder) / PROTOTYPES))["prototypes"]
        return cls(encoder, prototypes, labels).eval()


def is_prototype_folder(folder: str | Path) -> bool:
    return (Path(folder) / PROTOTYPES).is_file()


def build(
    encoder: torch.nn.Module, tokenizer: Any, labels: list[str], texts: dict[str, list[str]]
) -> PrototypeClassifier:
    """A :class:`PrototypeClassifier` on ``encoder`` (a transformers base model) whose label
    ``l``'s prototype is the mean embedding of ``texts[l]`` (its descriptions, or examples)."""
    from axonlab.text.embeddings import SentenceEncoder

    embedder = SentenceEncoder.wrap(encoder, tokenizer, name="prototypes")
    prototypes = np.stack([embedder.encode(texts[label]).mean(axis=0) for label in labels])
    return PrototypeClassifier(encoder, torch.from_numpy(prototypes), labels).eval()
