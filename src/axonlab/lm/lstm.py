"""The classic recurrent language model: embedding -> n-layer LSTM -> softmax over the vocabulary.

Hochreiter & Schmidhuber (1997); the layout and the tied output of Zaremba et al. (2014) and
Press & Wolf (2017). Training reads ``block_size``-token windows with the state carried from the
previous window (truncated backpropagation through time); generation and full-context
evaluation carry the state on too.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn

from axonlab.errors import InputError
from axonlab.lm.next_token import NextTokenModel

LSTMState = tuple[torch.Tensor, torch.Tensor]  # hidden, cell: (n_layer, B, hidden_size)


@dataclass
class LSTMConfig:
    vocab_size: int
    block_size: int = 128  # training window (BPTT length), tokens
    n_layer: int = 2
    n_embd: int = 256  # embedding width
    hidden_size: int = 512
    dropout: float = 0.0  # on embeddings, between layers and before the output
    tie_weights: bool = False  # output shares the embedding (via a projection if widths differ)

    def __post_init__(self) -> None:
        if min(self.vocab_size, self.block_size, self.n_layer, self.n_embd, self.hidden_size) < 1:
            raise InputError("vocab_size, block_size, n_layer, n_embd, hidden_size must be >= 1")
        if not 0.0 <= self.dropout < 1.0:
            raise InputError(f"dropout={self.dropout} must be in [0, 1)")


class LSTMLM(NextTokenModel):
    """LSTM language model; ``forward`` maps ids (B, T) to logits (B, T, V) and the new state."""

    recurrent = True  # context is the carried (hidden, cell) state

    def __init__(self, cfg: LSTMConfig):
        super().__init__()
        self.config = cfg
        self.tok_emb = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.drop = nn.Dropout(cfg.dropout)
        self.lstm = nn.LSTM(
            cfg.n_embd,
            cfg.hidden_size,
            cfg.n_layer,
            batch_first=True,
            dropout=cfg.dropout if cfg.n_layer > 1 else 0.0,
        )
        out_width = cfg.n_embd if cfg.tie_weights else cfg.hidden_size
        self.proj = (  # tying needs the output width to equal the embedding width
            nn.Linear(cfg.hidden_size, cfg.n_embd) if out_width != cfg.hidden_size else None
        )
        self.head = nn.Linear(out_width, cfg.vocab_size)
        if cfg.tie_weights:
            self.head.weight = self.tok_emb.weight
        # Untied, the embedding keeps torch's N(0, 1) init: at nanoGPT's std 0.02 the inputs are
        # swamped by the recurrent weights and the first minute of training goes to waste
        # (measured at lr 5e-3: val loss 2.06 vs 1.75 after one minute on Tiny Shakespeare).
        # Tied, it is also the output layer, where unit-variance rows would start the logits
        # far too large.
        if cfg.tie_weights:
            nn.init.normal_(self.tok_emb.weight, std=cfg.n_embd**-0.5)

    def __repr__(self) -> str:
        c = self.config
        tied = "tied" if c.tie_weights else "untied"
        return (
            f"LSTMLM({c.n_layer}x{c.hidden_size} LSTM, {c.n_embd}-dim embedding, {tied}, "
            f"vocab {c.vocab_size}, {self.num_parameters():,} parameters)"
        )

    def forward(
        self,
        idx: torch.Tensor,
        targets: torch.Tensor | None = None,
        state: LSTMState | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None, LSTMState]:
        """Logits (B, T, V) for ids (B, T) from ``state`` (zeros if None), the mean
        cross-entropy (nats/token) if ``targets``, and the state after the last token."""
        x = self.drop(self.tok_emb(idx))  # (B, T, n_embd)
        h, state = self.lstm(x, state)  # (B, T, hidden)
        h = self.drop(h)
        if self.proj is not None:
            h = self.proj(h)
        logits = self.head(h)  # (B, T, V)
        return logits, self.next_token_loss(logits, targets), state
