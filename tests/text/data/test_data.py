"""Readers, column detection, label maps and every bad-input case of issue 2."""

from __future__ import annotations

import json

import pytest

from axonlab.errors import InputError
from axonlab.text.data.labelled import LabelMap, iter_rows, read_labelled


def write(tmp_path, name, content, mode="w"):
    path = tmp_path / name
    if mode == "wb":
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_tsv_with_detected_columns(tmp_path):
    path = write(tmp_path, "a.tsv", 'label\ttext\nspam\tWIN "cash" now\nham\thi there\n')
    data = read_labelled(path)
    assert data.texts == ['WIN "cash" now', "hi there"]  # quotes are plain characters in TSV
    assert data.labels == ["spam", "ham"]
    assert data.lines == [2, 3]


def test_csv_quoted_multiline_keeps_line_numbers(tmp_path):
    path = write(tmp_path, "a.csv", 'sentence,category\n"one, two\nthree",a\nfour,b\n,c\n')
    with pytest.raises(InputError, match=r"a\.csv, line 5: empty or missing text"):
        read_labelled(path)
    rows = list(iter_rows(write(tmp_path, "b.csv", 'sentence,category\n"x\ny",a\nz,b\n')))
    assert [(r.line, r.text, r.label) for r in rows] == [(2, "x\ny", "a"), (4, "z", "b")]


def test_jsonl_integer_labels_and_named_columns(tmp_path):
    lines = [{"body": "good film", "stars": 1}, {"body": "bad film", "stars": 0}]
    path = write(tmp_path, "a.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n")
    data = read_labelled(path, text_column="body", label_column="stars")
    assert data.labels == ["1", "0"]
    assert LabelMap.from_training(data).labels == ("0", "1")


def test_integer_labels_sort_numerically():
    from axonlab.text.data.labelled import LabelledTexts

    data = LabelledTexts(path=None, texts=["a"] * 3, labels=["10", "9", "2"], lines=[2, 3, 4])
    assert LabelMap.from_training(data).labels == ("2", "9", "10")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.tsv", "", "file is empty"),
        ("blank.csv", "\n  \n", "file is empty"),
        ("header.tsv", "label\ttext\n", "no data rows"),
        ("nolabel.tsv", "text\nhello\n", "no label column"),
        ("notext.tsv", "label\tfoo\nham\thello\n", "no text column"),
        ("ambiguous.tsv", "text\tsentence\tlabel\na\tb\tc\n", "ambiguous text column"),
        ("emptytext.tsv", "label\ttext\nham\thi\nspam\t   \n", "line 3: empty or missing text"),
        ("nolabel_row.tsv", "label\ttext\nham\thi\n\tthere\n", "line 3: missing label"),
        ("extra.tsv", "label\ttext\nham\thi\tthere\n", "line 2: 3 fields, the header has 2"),
        ("bad.jsonl", '{"text": "a", "label": "x"}\n{"text": \n', "line 2: not valid JSON"),
        ("list.jsonl", '["a", "b"]\n', "line 1: expected a JSON object"),
        ("data.xlsx", "x", "unknown file type"),
    ],
)
def test_bad_input_names_file_and_line(tmp_path, name, content, message):
    path = write(tmp_path, name, content)
    with pytest.raises(InputError, match=message) as info:
        read_labelled(path)
    assert name in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_labelled(tmp_path / "nope.tsv")


def test_undecodable_bytes_give_line(tmp_path):
    path = write(tmp_path, "latin.tsv", b"label\ttext\nham\tok\nham\tcaf\xe9\n", mode="wb")
    with pytest.raises(InputError, match=r"line 3: .*not valid UTF-8"):
        read_labelled(path)


def test_named_column_missing(tmp_path):
    path = write(tmp_path, "a.tsv", "label\ttext\nham\thi\n")
    with pytest.raises(InputError, match="no text column 'body'"):
        read_labelled(path, text_column="body")


def test_one_class_training_set_is_an_error(tmp_path):
    data = read_labelled(write(tmp_path, "a.tsv", "label\ttext\nham\thi\nham\tyo\n"))
    with pytest.raises(InputError, match="one class only"):
        LabelMap.from_training(data)


def test_unseen_dev_label_names_line(tmp_path):
    train = read_labelled(write(tmp_path, "t.tsv", "label\ttext\nham\thi\nspam\twin\n"))
    dev = read_labelled(write(tmp_path, "d.tsv", "label\ttext\nham\thi\negg\tyo\n"))
    label_map = LabelMap.from_training(train)
    assert label_map.id2label == {0: "ham", 1: "spam"}
    with pytest.raises(InputError, match=r"d\.tsv, line 3: label 'egg' was not in the training"):
        label_map.encode(dev)


def test_unlabelled_rows_for_prediction(tmp_path):
    path = write(tmp_path, "in.csv", "id,text\n1,hello\n2,bye\n")
    rows = list(iter_rows(path, require_labels=False))
    assert [r.text for r in rows] == ["hello", "bye"] and rows[0].label is None


def test_shipped_samples_read(spam_files):
    train, dev = spam_files
    assert set(read_labelled(train).labels) == {"ham", "spam"}
    assert len(read_labelled(dev)) == 32


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # the reproduction: a stray opening quote used to swallow the four rows after it
        (
            'label,text\n1,good film\n0,"bad film\n1,great\n0,awful\n1,fine\n',
            "line 3: a quoted field opened here is never closed",
        ),
        # a later quote closes it mid-field: the rows between were merged into one text
        (
            'label,text\n1,good film\n0,"bad film\n1,great\n0,"awful"\n1,fine\n',
            "line 3: a quoted field opened here ends in the middle of a field on line 5",
        ),
    ],
)
def test_a_stray_quote_is_an_error_naming_its_line(tmp_path, content, message):
    path = tmp_path / "u.csv"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        read_labelled(path)


def test_a_quote_in_a_tsv_is_just_a_character(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text('label\ttext\n1\tsays "hi\n0\tno quote\n')
    assert read_labelled(path).texts == ['says "hi', "no quote"]


@pytest.mark.parametrize("suffix", [".csv", ".tsv"])
def test_a_field_over_128_kib_is_read(tmp_path, suffix):
    sep = "," if suffix == ".csv" else "\t"
    long_text = "word " * 60_000  # 300 KB, over the csv module's default field limit
    path = tmp_path / f"long{suffix}"
    path.write_text(f"label{sep}text\n1{sep}{long_text}\n0{sep}short\n")
    assert [len(t) for t in read_labelled(path).texts] == [len(long_text), 5]


def test_an_id_column_is_detected_or_named(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("ID,text,ref\n7,hello,r1\n")
    assert next(iter_rows(path, require_labels=False)).id == "7"
    assert next(iter_rows(path, id_column="ref", require_labels=False)).id == "r1"
