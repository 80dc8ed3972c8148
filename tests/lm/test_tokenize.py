"""Character and BPE tokenisers: round trips, the unknown symbol, saving."""

from __future__ import annotations

import pytest

from axonlab.errors import InputError
from axonlab.lm.tokenize import UNKNOWN, BPETokenizer, CharTokenizer, load_tokenizer


def test_char_round_trip_and_save(tmp_path, sample_text):
    text = sample_text.read_text()
    tok = CharTokenizer.train(text)
    assert tok.decode(tok.encode(text)) == text
    assert tok.vocab_size == len(set(text)) + 1  # plus the unknown symbol
    tok.save(tmp_path / "t.json")
    again = load_tokenizer(tmp_path / "t.json")
    assert again.encode(text) == tok.encode(text)


def test_char_unknown_symbol_or_strict_error():
    tok = CharTokenizer.train("abc")
    assert tok.encode("abz") == [1, 2, 0]
    assert tok.decode(tok.encode("abz")) == "ab" + UNKNOWN
    with pytest.raises(InputError, match="'z'"):
        tok.encode("abz", strict=True)


def test_bpe_round_trip_merges_and_save(tmp_path, sample_text):
    text = sample_text.read_text()
    tok = BPETokenizer.train(text, vocab_size=300)
    ids = tok.encode(text)
    assert tok.decode(ids) == text
    assert len(ids) < 0.7 * len(text.encode())  # merges make tokens longer than one byte
    unseen = "naïve café — 東京"  # byte-level: anything encodes
    assert tok.decode(tok.encode(unseen)) == unseen
    tok.save(tmp_path / "b.json")
    assert load_tokenizer(tmp_path / "b.json").encode(text) == ids
