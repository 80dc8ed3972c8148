"""Scoring: a uniform model gives ln(V) nats per token; every token is scored exactly once."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn as nn

from axonlab.errors import InputError
from axonlab.lm import LSTMLM, LSTMConfig
from axonlab.lm.evaluate import carried_nll, evaluate_ids, sliding_nll, window_nll


class Uniform(nn.Module):
    """Equal logits over ``vocab`` symbols; counts how many positions it was asked about."""

    recurrent = False

    def __init__(self, vocab: int, block_size: int):
        super().__init__()
        self.vocab, self.block_size, self.positions = vocab, block_size, 0

    def forward(self, idx):
        self.positions += idx.numel()
        return torch.zeros(*idx.shape, self.vocab), None, None


class Oracle(Uniform):
    """Knows the text is 0, 1, 2, ... (mod vocab): puts all its mass on previous + 1."""

    def forward(self, idx):
        return torch.nn.functional.one_hot((idx + 1) % self.vocab, self.vocab) * 50.0, None, None


@pytest.mark.parametrize("window", [None, 7, 10])
def test_uniform_model_scores_ln_vocab_per_token(window):
    ids = list(torch.randint(5, (103,)))
    result = evaluate_ids(Uniform(5, 10), ids, text_chars=103, first_chars=1, window=window)
    assert result["tokens"] == 102
    assert result["loss"] == pytest.approx(math.log(5))
    assert result["perplexity"] == pytest.approx(5.0)
    assert result["bits_per_char"] == pytest.approx(math.log2(5))


@pytest.mark.parametrize("n", [12, 40, 41, 57, 100])
def test_sliding_and_windows_score_each_token_once(n):
    ids = torch.arange(n) % 7
    assert sliding_nll(Oracle(7, 8), ids, 8, stride=3) == pytest.approx(0.0, abs=1e-6)
    assert window_nll(Uniform(7, 8), ids, 8) == pytest.approx((n - 1) * math.log(7))
    assert sliding_nll(Uniform(7, 8), ids, 8, stride=3) == pytest.approx((n - 1) * math.log(7))


def test_window_longer_than_the_block_is_refused():
    with pytest.raises(InputError, match="block size 10"):
        evaluate_ids(Uniform(5, 10), [1, 2, 3], 3, 1, window=11)


@torch.no_grad()
def test_recurrent_default_reads_the_whole_text_in_one_pass():
    torch.manual_seed(0)
    model = LSTMLM(
        LSTMConfig(vocab_size=9, block_size=4, n_layer=1, n_embd=8, hidden_size=16)
    ).eval()
    ids = torch.randint(9, (50,))
    logits = model(ids[None, :-1])[0][0]  # one call over the whole text
    expected = float(nn.functional.cross_entropy(logits, ids[1:], reduction="sum"))
    assert carried_nll(model, ids, chunk=7) == pytest.approx(expected, rel=1e-5)
    default = evaluate_ids(model, ids.tolist(), 50, 1)["loss"]
    assert default == pytest.approx(expected / 49, rel=1e-5)
    # windows of the 4-token block start from an empty state: a different score
    assert evaluate_ids(model, ids.tolist(), 50, 1, window=4)["loss"] != pytest.approx(default)
