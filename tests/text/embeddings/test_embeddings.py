"""Sentence embeddings: order, normalisation, windows, the file writer and its resume."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from axonlab.cli import app
from axonlab.errors import InputError
from axonlab.text.embeddings import files as embedding_files
from axonlab.text.embeddings.encoder import SentenceEncoder

TEXTS = ["where is my card?", "my card has not arrived", "play some jazz", "x", "hello there"]


@pytest.fixture(scope="module")
def minilm() -> SentenceEncoder:
    return SentenceEncoder("all-minilm-l6-v2", bf16=False)  # float32: exact figures


def test_vectors_are_unit_length_and_in_input_order(minilm):
    together = minilm.encode(TEXTS, batch_size=2)
    assert together.shape == (len(TEXTS), 384) and together.dtype == np.float32
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    one_by_one = np.stack([minilm.encode([t])[0] for t in TEXTS])
    assert np.allclose(together, one_by_one, atol=1e-5)


def test_mean_pooling_as_the_model_card_says(minilm):
    import torch

    batch = minilm.tokenizer(["where is my card?"], return_tensors="pt")
    with torch.inference_mode():
        hidden = minilm.model(**batch).last_hidden_state[0]
    expected = hidden.mean(dim=0).numpy()
    expected /= np.linalg.norm(expected)
    assert np.allclose(minilm.encode(["where is my card?"])[0], expected, atol=1e-5)


def test_bf16_rows_keep_the_float32_direction(minilm):
    fast = SentenceEncoder("all-minilm-l6-v2", bf16=True)
    assert fast.bf16 and not minilm.bf16
    a, b = minilm.encode(TEXTS), fast.encode(TEXTS)
    assert b.dtype == np.float32
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    assert not np.array_equal(a, b)  # it did run in bf16
    assert (a * b).sum(axis=1).min() > 0.999


def test_paraphrases_are_closer_than_unrelated_texts(minilm):
    v = minilm.encode(TEXTS[:3])
    assert v[0] @ v[1] > v[0] @ v[2] + 0.3


def test_a_long_text_is_windowed_and_its_end_counts(tiny_backbone):
    encoder = SentenceEncoder(tiny_backbone, max_length=16)
    start = "the quick brown fox " * 10
    a, b = encoder.encode([start + "jumps over dogs " * 10, start + "sleeps in the sun " * 10])
    assert not np.allclose(a, b)


def test_the_file_writer_resumes_after_an_interruption(tiny_backbone, tmp_path, monkeypatch):
    encoder = SentenceEncoder(tiny_backbone)
    source = tmp_path / "texts.txt"
    source.write_text("\n".join(f"text number {i}" for i in range(7)) + "\n")
    output = tmp_path / "vectors.npy"
    monkeypatch.setattr(embedding_files, "CHUNK_TEXTS", 3)
    calls = {"n": 0}
    encode = encoder.encode

    def failing(texts, **kw):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return encode(texts, **kw)

    monkeypatch.setattr(encoder, "encode", failing)
    with pytest.raises(KeyboardInterrupt):
        embedding_files.embed_file(encoder, source, output, progress=False)
    assert not output.exists()  # only a complete matrix gets the output's name
    monkeypatch.setattr(encoder, "encode", encode)
    summary = embedding_files.embed_file(encoder, source, output, progress=False)
    assert summary["resumed_rows"] == 3 and summary["embedded_rows"] == 4
    texts = source.read_text().splitlines()
    assert np.allclose(np.load(output), encode(texts), atol=1e-6)
    assert not list(tmp_path.glob("*.partial*"))


def test_an_output_made_from_something_else_is_refused(tiny_backbone, tmp_path):
    encoder = SentenceEncoder(tiny_backbone)
    source = tmp_path / "texts.txt"
    source.write_text("one\ntwo\n")
    mine = tmp_path / "mine.npy"
    np.save(mine, np.zeros(3))
    with pytest.raises(InputError, match="choose another `output`"):
        embedding_files.embed_file(encoder, source, mine, progress=False)
    assert np.load(mine).tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(InputError, match=r"must end in \.npy"):
        embedding_files.embed_file(encoder, source, tmp_path / "v.csv", progress=False)


def test_cli_embed_writes_one_row_per_input_row(tmp_path):
    source = tmp_path / "bank.tsv"
    source.write_text("id\ttext\na\twhere is my card?\nb\tplay some jazz\n")
    output = tmp_path / "bank.npy"
    result = CliRunner().invoke(
        app,
        [
            "text",
            "embed",
            "all-minilm-l6-v2",
            "--input",
            str(source),
            "--output",
            str(output),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"] == 2
    vectors = np.load(output)
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
