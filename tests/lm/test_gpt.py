"""The GPT: causality, the KV cache, weight tying."""

from __future__ import annotations

import pytest
import torch

from axonlab.errors import InputError
from axonlab.lm import GPT, GPTConfig


@pytest.fixture
def model() -> GPT:
    torch.manual_seed(0)
    return GPT(GPTConfig(vocab_size=11, block_size=16, n_layer=2, n_head=2, n_embd=16)).eval()


def test_future_tokens_do_not_change_earlier_logits(model):
    x = torch.randint(11, (1, 10))
    y = x.clone()
    y[0, 6:] = (y[0, 6:] + 1) % 11
    assert torch.allclose(model(x)[0][:, :6], model(y)[0][:, :6], atol=1e-6)


def test_kv_cache_matches_full_forward(model):
    x = torch.randint(11, (2, 12))
    full = model(x)[0]
    logits, _, cache = model(x[:, :5])  # prefill, then one token at a time, then a chunk
    steps = [logits]
    for t in range(5, 9):
        logits, _, cache = model(x[:, t : t + 1], cache=cache)
        steps.append(logits)
    steps.append(model(x[:, 9:], cache=cache)[0])
    assert torch.allclose(torch.cat(steps, dim=1), full, atol=1e-5)


def test_tied_weights_and_block_limit(model):
    assert model.head.weight is model.tok_emb.weight
    with pytest.raises(InputError, match="block size 16"):
        model(torch.zeros(1, 17, dtype=torch.long))
    with pytest.raises(InputError, match="divisible"):
        GPTConfig(vocab_size=5, n_embd=10, n_head=3)
