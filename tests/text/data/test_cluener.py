"""CLUENER2020-style JSONL (raw text + inclusive character spans) read by the NER reader."""

from __future__ import annotations

import json

import pytest

from axonlab.errors import InputError
from axonlab.text.data.conll import read_ner

RECORD = {
    "text": "浙商银行企业信贷部叶老桂博士则从另一个角度对五道门槛进行了解读。",
    "label": {"name": {"叶老桂": [[9, 11]]}, "company": {"浙商银行": [[0, 3]]}},
}


def _write(tmp_path, *records) -> object:
    path = tmp_path / "train.json"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", "utf-8")
    return path


def test_cluener_record_becomes_characters_with_iob2(tmp_path):
    (sentence,) = read_ner(_write(tmp_path, RECORD))
    assert sentence.tokens == list(RECORD["text"])
    assert sentence.tags[:5] == ["B-company", "I-company", "I-company", "I-company", "O"]
    assert sentence.tags[8:13] == ["O", "B-name", "I-name", "I-name", "O"]
    assert sentence.tags.count("O") == len(RECORD["text"]) - 7


def test_unlabelled_record_and_spaces(tmp_path):
    records = [
        {"text": "我 爱 Hong Kong", "label": {"address": {"Hong Kong": [[4, 12]]}}},
        {"text": "没有标注"},
        {"text": "   "},
    ]
    first, second = read_ner(_write(tmp_path, *records))
    assert first.tokens == ["我", "爱", *"HongKong"]
    assert first.tags == ["O", "O", "B-address"] + ["I-address"] * 7
    assert second.tags == ["O"] * 4


def test_tokens_and_tags_records_still_read(tmp_path):
    (sentence,) = read_ner(_write(tmp_path, {"tokens": ["北", "京"], "tags": ["B-LOC", "I-LOC"]}))
    assert sentence.tags == ["B-LOC", "I-LOC"]


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ({"name": {"叶老桂": [[9, 99]]}}, "out of range"),
        ({"name": {"叶老桂": [[8, 10]]}}, "not '叶老桂'"),
        ({"name": {"叶老桂": [9, 11]}}, "span 9"),
        ({"name": ["叶老桂"]}, "holds no object"),
        ({"name": {"叶老桂": [[9, 11]]}, "title": {"叶老桂博士": [[9, 13]]}}, "overlaps"),
    ],
)
def test_bad_spans_name_file_and_line(tmp_path, label, message):
    path = _write(tmp_path, RECORD, {"text": RECORD["text"], "label": label})
    with pytest.raises(InputError) as err:
        read_ner(path)
    assert message in str(err.value)
    assert err.value.line == 2 and str(path) in str(err.value)
