"""Sampling: temperature, top-k, top-p filters; seeds; the KV cache changes nothing."""

from __future__ import annotations

import pytest
import torch

from axonlab.errors import InputError
from axonlab.lm import GPT, GPTConfig
from axonlab.lm.generate import filter_logits, sample_ids


def test_top_k_keeps_the_k_largest():
    logits = torch.tensor([0.0, 3.0, 1.0, 2.0])
    kept = filter_logits(logits, top_k=2).isfinite()
    assert kept.tolist() == [False, True, False, True]


def test_top_p_keeps_the_smallest_set_reaching_p():
    probs = torch.tensor([0.5, 0.3, 0.15, 0.05])
    kept = filter_logits(probs.log(), top_p=0.75).isfinite()
    assert kept.tolist() == [True, True, False, False]  # 0.5 < 0.75 <= 0.8
    assert filter_logits(probs.log(), top_p=0.5).isfinite().tolist() == [True, False, False, False]


def test_bad_settings_are_errors():
    with pytest.raises(InputError, match="temperature"):
        filter_logits(torch.zeros(3), temperature=0)
    with pytest.raises(InputError, match="top_p"):
        filter_logits(torch.zeros(3), top_p=1.5)


@pytest.mark.parametrize(
    "settings",
    [
        {"temperature": float("nan")},
        {"temperature": float("inf")},
        {"top_p": float("nan")},
        {"top_k": 0},
        {"seed": 2**70},
        {"seed": -1},
    ],
)
def test_meaningless_settings_fail_before_the_first_token(gpt, settings):
    with pytest.raises(InputError, match=next(iter(settings))):
        next(sample_ids(gpt, [1, 2], 5, **settings))


@pytest.fixture
def gpt() -> GPT:
    torch.manual_seed(0)
    return GPT(GPTConfig(vocab_size=13, block_size=8, n_layer=1, n_head=2, n_embd=16))


def test_seed_length_and_cache(gpt):
    a = list(sample_ids(gpt, [1, 2], 20, seed=5))
    assert len(a) == 20  # more than the block: the cache restarts
    assert a == list(sample_ids(gpt, [1, 2], 20, seed=5))
    assert a != list(sample_ids(gpt, [1, 2], 20, seed=6))
    # within one block, cached and uncached sampling see the same logits
    assert list(sample_ids(gpt, [1, 2], 6, seed=5, use_cache=False)) == a[:6]


def test_top_k_one_is_greedy_whatever_the_seed(gpt):
    greedy = list(sample_ids(gpt, [3], 10, top_k=1, seed=1))
    assert greedy == list(sample_ids(gpt, [3], 10, top_k=1, seed=2))
    ids = list(sample_ids(gpt, [3], 5, top_k=3, seed=1))
    with torch.no_grad():
        top3 = set(gpt(torch.tensor([[3]]))[0][0, -1].topk(3).indices.tolist())
    assert ids[0] in top3
