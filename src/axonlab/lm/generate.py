"""Sampling from a language model, one token at a time, with temperature, top-k and top-p.

The GPT keeps a key/value cache (each new token costs one position's work); when the context
fills its block it restarts the cache from the last half block of tokens. Without the cache
every step re-reads the last ``block_size`` tokens, as nanoGPT's ``generate`` does. The LSTM
carries its (hidden, cell) state, so its context is unbounded.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import torch
import torch.nn as nn

from axonlab.errors import InputError


def filter_logits(
    logits: torch.Tensor,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
) -> torch.Tensor:
    """Scale logits (V,) by 1/temperature, keep the ``top_k`` largest and the smallest set whose
    probability reaches ``top_p`` (nucleus sampling, Holtzman et al. 2020); the rest get -inf."""
    check_sampling(temperature, top_k, top_p)
    logits = logits.float() / temperature
    if top_k is not None:
        kth = torch.topk(logits, min(top_k, logits.size(-1))).values[-1]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p is not None:
        sorted_logits, order = torch.sort(logits, descending=True)
        cumulative = sorted_logits.softmax(-1).cumsum(-1)
        drop = cumulative - sorted_logits.softmax(-1) >= top_p  # mass before it already >= p
        logits = logits.masked_fill(drop.scatter(0, order, drop), float("-inf"))
    return logits


class _Context:
    """What the model remembers of the text so far: a KV cache, an LSTM state, or a window."""

    def __init__(self, model: nn.Module, use_cache: bool):
        self.model, self.use_cache = model, use_cache
        self.tokens: list[int] = []
        self.state = None

    def feed(self, new: list[int]) -> torch.Tensor:
        """Append tokens; return the logits (V,) for the next one."""
        self.tokens += new
        block = self.model.block_size
        if self.model.recurrent:
            logits, _, self.state = self.model(torch.tensor([new]), state=self.state)
        elif not self.use_cache:
            logits = self.model(torch.tensor([self.tokens[-block:]]))[0]
        else:
            cached = self.state[0][0].size(2) if self.state else 0
            if cached + len(new) > block:  # cache full: restart it from the last half block
                self.state, new = None, self.tokens[-max(1, block // 2) :]
            logits, _, self.state = self.model(torch.tensor([new]), cache=self.state)
        return logits[0, -1]


MAX_SEED = 2**63 - 1  # torch generators take a 64-bit seed


def check_sampling(
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    seed: int | None = None,
) -> None:
    """Raise :class:`InputError` for sampling settings that mean nothing (NaN included)."""
    if not (math.isfinite(temperature) and temperature > 0):
        raise InputError(f"temperature={temperature} must be a finite number > 0")
    if top_k is not None and top_k < 1:
        raise InputError(f"top_k={top_k} must be >= 1")
    if top_p is not None and not 0.0 < top_p <= 1.0:  # False for NaN too
        raise InputError(f"top_p={top_p} must be in (0, 1]")
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise InputError(f"seed={seed} must be in [0, 2**63 - 1]")


@torch.no_grad()
def sample_ids(
    model: nn.Module,
    prompt: list[int],
    tokens: int,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    seed: int | None = None,
    use_cache: bool = True,
) -> Iterator[int]:
    """Yield ``tokens`` sampled ids continuing ``prompt`` (non-empty). Same seed, same ids."""
    if not prompt:
        raise InputError("the prompt is empty; give at least one token")
    if tokens < 0:
        raise InputError(f"tokens={tokens} must be >= 0")
    check_sampling(temperature, top_k, top_p, seed)
    generator = torch.Generator().manual_seed(seed if seed is not None else torch.seed())
    was_training = model.training
    model.eval()
    try:
        context = _Context(model, use_cache)
        logits = context.feed(list(prompt))
        for i in range(tokens):
            probs = filter_logits(logits, temperature, top_k, top_p).softmax(-1)
            token = int(torch.multinomial(probs, 1, generator=generator))
            yield token
            if i + 1 < tokens:
                logits = context.feed([token])
    finally:
        model.train(was_training)
