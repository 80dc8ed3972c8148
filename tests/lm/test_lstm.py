"""The LSTM: carried state, tied and untied output."""

from __future__ import annotations

import torch

from axonlab.lm import LSTMLM, LSTMConfig


def test_state_carries_across_chunks():
    torch.manual_seed(0)
    model = LSTMLM(LSTMConfig(vocab_size=9, n_layer=2, n_embd=8, hidden_size=12)).eval()
    x = torch.randint(9, (3, 10))
    full = model(x)[0]
    first, _, state = model(x[:, :4])
    rest = model(x[:, 4:], state=state)[0]
    assert torch.allclose(torch.cat([first, rest], dim=1), full, atol=1e-6)


def test_tied_output_shares_the_embedding_through_a_projection():
    model = LSTMLM(LSTMConfig(vocab_size=9, n_embd=8, hidden_size=12, tie_weights=True))
    assert model.head.weight is model.tok_emb.weight
    assert model.proj is not None
    untied = LSTMLM(LSTMConfig(vocab_size=9, n_embd=8, hidden_size=12))
    assert untied.head.weight is not untied.tok_emb.weight and untied.proj is None
    ids = torch.zeros(2, 5, dtype=torch.long)
    logits, loss, _ = model(ids, ids)
    assert logits.shape == (2, 5, 9) and loss.ndim == 0
