"""Sentence-pair input: two columns read together (``--text-column first,second``)."""

from __future__ import annotations

import json

import pytest

from axonlab.errors import InputError
from axonlab.text.data.labelled import read_labelled
from tests.text.conftest import DATA

TRAIN, DEV = DATA / "pairs_train.tsv", DATA / "pairs_dev.tsv"


def test_pairs_are_read_as_tuples():
    data = read_labelled(DEV, text_column="first,second")
    assert data.texts[0] == ("Can I return this item?", "How do I send a product back?")
    assert data.labels[0] == "same"


@pytest.mark.parametrize(
    ("column", "message"),
    [("first,answer", "no text column 'answer'"), ("first,", "two columns, as a,b")],
)
def test_bad_pair_columns(column, message):
    with pytest.raises(InputError, match=message):
        read_labelled(DEV, text_column=column)


def test_an_empty_half_names_its_line(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text("first\tsecond\tlabel\nhello\tthere\tsame\nhi\t \tsame\n")
    with pytest.raises(InputError, match="empty or missing text in column 'second'") as err:
        read_labelled(path, text_column="first,second")
    assert err.value.line == 3


def test_pair_classifier_end_to_end(axonlab, tiny_backbone, tmp_path):
    from axonlab import text

    out = tmp_path / "pairs"
    code, _, err = axonlab(
        "text", "train", "classify", "--train", TRAIN, "--dev", DEV, "--out", out,
        "--text-column", "first,second", "--backbone", tiny_backbone, "--max-steps", "2",
        "--max-length", "24",
    )  # fmt: skip
    assert code == 0, err
    code, out_json, err = axonlab("text", "eval", out, DEV, "--json")  # the run's columns
    assert code == 0, err
    assert json.loads(out_json)["n"] == 4
    model = text.load(out)
    long_second = "Please tell me how returns work. " * 20  # windowed along the second text
    [short, long] = model.predict([("Can I return this?", "How do returns work?"),
                                   ("Can I return this?", long_second)])  # fmt: skip
    assert short["label"] in ("same", "different") and long["label"] in ("same", "different")
    with pytest.raises(InputError, match="mixes single texts and text pairs"):
        model.predict([("a", "b"), "c"])
    with pytest.raises(InputError, match="first text of a pair must fit"):
        model.predict([("word " * 60, "b")])
    output = tmp_path / "predictions.jsonl"
    code, _, err = axonlab(
        "text", "predict", out, "--input", DEV, "--output", output, "--text-column", "first,second"
    )
    assert code == 0, err
    lines = [json.loads(line) for line in output.read_text().splitlines()]
    assert [x["line"] for x in lines] == [2, 3, 4, 5] and all("label" in x for x in lines)
