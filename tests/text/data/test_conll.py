import pytest

from axonlab.errors import InputError
from axonlab.text.data.conll import TaggedSentence, read_conll, read_jsonl, read_ner
from tests.paths import TEST_DATA

DATA = TEST_DATA / "ner"


def test_four_column_iob1_with_docstart():
    sentences = read_conll(DATA / "iob1.conll")
    assert [s.tokens[0] for s in sentences] == ["EU", "Peter", "In"]
    assert sentences[0].tags == ["B-ORG", "O", "B-MISC", "O", "O", "O", "B-MISC", "O", "O"]
    assert sentences[1].tags == ["B-PER", "I-PER"]
    assert sentences[2].tags == ["O", "B-LOC", "B-LOC", "O", "B-LOC"]


def test_two_column_iob2_tabs_and_spaces_without_final_blank_line():
    sentences = read_conll(DATA / "iob2.conll")
    assert len(sentences) == 3
    assert sentences[1] == TaggedSentence(
        ["The", "United", "Nations", "met", "in", "New", "York"],
        ["O", "B-ORG", "I-ORG", "O", "O", "B-LOC", "I-LOC"],
    )
    assert sentences[2].tags == ["B-PER", "O"]  # stray I-PER repaired the conlleval way


def test_bioes_normalised():
    sentences = read_conll(DATA / "bioes.conll")
    assert sentences[0].tags == ["B-PER", "I-PER", "O", "B-LOC", "O"]
    assert sentences[1].tags == ["B-LOC", "I-LOC", "I-LOC", "B-MISC"]


def test_jsonl_and_dispatch_by_suffix():
    sentences = read_ner(DATA / "sample.jsonl")
    assert sentences == read_jsonl(DATA / "sample.jsonl")
    assert sentences[0].tags == ["B-PER", "I-PER", "O", "B-LOC", "O"]
    assert sentences[1] == TaggedSentence(["Hi", "Bob"], ["O", "B-PER"])


def test_invisible_characters_wnut_style():
    sentences = read_conll(DATA / "wnut_invisible.conll")
    # A tab-only line and a trailing BOM-only line are sentence breaks, not one-column errors.
    assert [s.tokens for s in sentences] == [
        ["Dubbz\ufeff", "rocks", "\ufe0f"],
        ["watched\u200bwas"],
    ]
    assert sentences[0].tags == ["B-person", "O", "O"]


@pytest.mark.parametrize(
    "name, line, words",
    [
        ("bad_one_column.conll", 2, "one column"),
        ("bad_no_type.conll", 2, "no entity type"),
        ("bad_prefix.conll", 2, "unknown prefix"),
    ],
)
def test_malformed_lines_name_file_and_line(name, line, words):
    with pytest.raises(InputError) as info:
        read_conll(DATA / name)
    assert info.value.line == line
    assert info.value.path == DATA / name
    assert words in str(info.value) and name in str(info.value)


def test_jsonl_errors(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"tokens": ["a"], "tags": ["O"]}\n{"tokens": ["a", "b"], "tags": ["O"]}\n')
    with pytest.raises(InputError, match="line 2.*2 tokens and 1 tags"):
        read_jsonl(path)
    path.write_text('{"tokens": ["a"], "tags": ["O"]}\n{not json\n')
    with pytest.raises(InputError, match="line 2.*not valid JSON"):
        read_jsonl(path)
    path.write_text('{"words": ["a"]}\n')
    with pytest.raises(InputError, match="line 1"):
        read_jsonl(path)


def test_missing_empty_and_undecodable_files(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_ner(tmp_path / "nope.conll")
    (tmp_path / "empty.conll").write_text("\n\n")
    with pytest.raises(InputError, match="no sentences"):
        read_ner(tmp_path / "empty.conll")
    (tmp_path / "latin1.conll").write_bytes(b"a O\nZ\xfcrich B-LOC\n")
    with pytest.raises(InputError, match="line 2.*UTF-8"):
        read_ner(tmp_path / "latin1.conll")
