"""Length batching: every text once, batches capped in size and in padding."""

from __future__ import annotations

import random

import pytest

from axonlab.text.training.length_batches import length_batches


def test_every_index_once_and_both_caps_hold():
    rng = random.Random(0)
    lengths = [rng.choice([5, 12, 30, 31, 120]) + rng.randrange(3) for _ in range(200)]
    batches = length_batches(lengths, batch_size=16, max_padding=0.2)
    assert sorted(i for b in batches for i in b) == list(range(200))
    for batch in batches:
        sizes = [lengths[i] for i in batch]
        assert len(batch) <= 16
        assert len(batch) == 1 or len(batch) * max(sizes) <= 1.2 * sum(sizes)


def test_one_long_text_does_not_pad_the_short_ones():
    batches = length_batches([10, 10, 10, 200, 10], batch_size=32)
    assert batches == [[0, 1, 2, 4], [3]]
    assert length_batches([], batch_size=4) == []
    with pytest.raises(ValueError, match="batch_size"):
        length_batches([3], batch_size=0)
