"""What the GPT and the LSTM share: a next-token model over a vocabulary, trained with AdamW."""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F


class NextTokenModel(nn.Module):
    """Base of :class:`~axonlab.lm.GPT` and :class:`~axonlab.lm.LSTMLM`.

    Subclasses set ``config`` (with ``block_size``) and ``recurrent`` (whether context is a
    carried state rather than a window) and map ids (B, T) to logits (B, T, V) in ``forward``.
    """

    recurrent: bool

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    @property
    def block_size(self) -> int:
        """Training window (tokens); the GPT's context, the LSTM's backpropagation length."""
        return self.config.block_size

    def param_groups(self, weight_decay: float) -> list[dict]:
        """AdamW groups: decay the matrices (embeddings included), not biases or norm gains."""
        decay = [p for p in self.parameters() if p.dim() >= 2]
        rest = [p for p in self.parameters() if p.dim() < 2]
        return [
            {"params": decay, "weight_decay": weight_decay},
            {"params": rest, "weight_decay": 0.0},
        ]

    @staticmethod
    def next_token_loss(logits: torch.Tensor, targets: torch.Tensor | None) -> torch.Tensor | None:
        """Mean cross-entropy (nats/token) of logits (B, T, V) against targets (B, T), in fp32."""
        if targets is None:
            return None
        return F.cross_entropy(logits.flatten(0, 1).float(), targets.flatten())
