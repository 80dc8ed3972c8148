"""Score text under a language model: loss (nats/token), perplexity and bits per character.

Two conventions, both scoring every token after the first exactly once:

- **windows** (``window=N``): consecutive N-token windows, each read from an empty context, so
  the first token of a window is predicted from one token. nanoGPT reports validation loss this
  way.
- **full context** (default): a recurrent model (the LSTM) reads the whole text in one pass
  with its state carried on, so every token is predicted from everything before it
  (:func:`carried_nll`); a window model (the GPT) reads sliding windows of its block size that
  advance by ``stride`` tokens and score only their last ``stride`` tokens, so every token after
  the first window sees at least ``block_size - stride`` tokens of context (stride = block_size
  / 4 unless given; :func:`sliding_nll`).
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn

from axonlab.errors import InputError


@torch.no_grad()
def _score(model: nn.Module, x: torch.Tensor, y: torch.Tensor, first: int) -> float:
    """Summed NLL (nats) of targets ``y[:, first:]`` given inputs ``x`` (B, T)."""
    logits = model(x)[0][:, first:].float()
    return float(
        nn.functional.cross_entropy(logits.flatten(0, 1), y[:, first:].flatten(), reduction="sum")
    )


def _batched(
    model: nn.Module, ids: torch.Tensor, starts: list[int], T: int, first: int, batch_size: int
) -> float:
    total = 0.0
    offsets = torch.arange(T)
    for i in range(0, len(starts), batch_size):
        s = torch.tensor(starts[i : i + batch_size])[:, None] + offsets
        total += _score(model, ids[s], ids[s + 1], first)
    return total


def window_nll(model: nn.Module, ids: torch.Tensor, window: int, batch_size: int = 32) -> float:
    """Summed NLL of ``ids[1:]`` read in consecutive ``window``-token windows."""
    n = len(ids) - 1  # targets
    full = list(range(0, n - n % window, window))
    total = _batched(model, ids, full, window, 0, batch_size)
    if n % window:  # the last, shorter window
        start = n - n % window
        total += _score(model, ids[None, start:n], ids[None, start + 1 :], 0)
    return total


def sliding_nll(
    model: nn.Module,
    ids: torch.Tensor,
    block_size: int,
    stride: int | None = None,
    batch_size: int = 32,
) -> float:
    """Summed NLL of ``ids[1:]`` with sliding windows of ``block_size``, each token once."""
    n = len(ids) - 1
    if n <= block_size:
        return window_nll(model, ids, block_size, batch_size)
    stride = stride or max(1, block_size // 4)
    total = _score(model, ids[None, :block_size], ids[None, 1 : block_size + 1], 0)
    # later windows end at each target chunk's end and score its last `stride` targets
    ends = list(range(block_size + stride, n + 1, stride))
    total += _batched(
        model, ids, [e - block_size for e in ends], block_size, block_size - stride, batch_size
    )
    scored = ends[-1] if ends else block_size
    if scored < n:  # a last chunk shorter than the stride
        start = n - block_size
        first = block_size - (n - scored)
        total += _score(model, ids[None, start:n], ids[None, start + 1 :], first)
    return total


@torch.no_grad()
def carried_nll(model: nn.Module, ids: torch.Tensor, chunk: int = 2048) -> float:
    """Summed NLL of ``ids[1:]`` read by a recurrent model in one pass, ``chunk`` tokens per
    call, its state carried from each chunk to the next."""
    total, state = 0.0, None
    for start in range(0, len(ids) - 1, chunk):
        x = ids[None, start : start + chunk]
        y = ids[None, start + 1 : start + chunk + 1]
        x = x[:, : y.size(1)]
        logits, _, state = model(x, state=state)
        total += float(nn.functional.cross_entropy(logits[0].float(), y[0], reduction="sum"))
    return total


def full_context_nll(model: nn.Module, ids: torch.Tensor, stride: int | None = None) -> float:
    """Summed NLL of ``ids[1:]``, every token with the model's full context (see above);
    ``stride`` applies to window models only."""
    if model.recurrent:
        return carried_nll(model, ids)
    return sliding_nll(model, ids, model.block_size, stride)


def evaluate_ids(
    model: nn.Module,
    ids: list[int],
    text_chars: int,
    first_chars: int,
    window: int | None = None,
    stride: int | None = None,
) -> dict[str, float]:
    """Loss, perplexity and bits/char of token ``ids`` spanning ``text_chars`` characters, of
    which the first token covers ``first_chars`` (it has no context and is not scored)."""
    block = model.block_size
    if len(ids) < 2:
        raise InputError(f"text has {len(ids)} token(s); scoring needs at least 2")
    if window is not None and (window < 1 or (window > block and not model.recurrent)):
        raise InputError(f"`window` {window} must be between 1 and the block size {block}")
    was_training = model.training
    model.eval()
    t = torch.tensor(ids, dtype=torch.long)
    total = window_nll(model, t, window) if window else full_context_nll(model, t, stride)
    model.train(was_training)
    n_tokens = len(ids) - 1
    loss = total / n_tokens
    return {
        "loss": loss,
        "perplexity": math.exp(loss),
        "bits_per_char": total / math.log(2) / max(1, text_chars - first_chars),
        "tokens": n_tokens,
        "characters": text_chars - first_chars,
    }
