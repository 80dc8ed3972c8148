"""The Python API a server calls: lm.load(run).generate / stream / evaluate."""

from __future__ import annotations

import pytest

from axonlab import lm
from axonlab.errors import InputError, RunDirectoryError


@pytest.fixture(scope="module")
def model(gpt_run):
    return lm.load(gpt_run)


def test_generate_respects_seed_and_length(model):
    text = model.generate("the ", 50, seed=7)
    assert len(text) == 50
    assert text == model.generate("the ", 50, seed=7)
    assert "".join(model.stream("the ", 50, seed=7)) == text
    assert text != model.generate("the ", 50, seed=8)


def test_greedy_continuation_reproduces_the_learned_text(model):
    assert model.generate("the quick brown", 10, top_k=1) == " fox jumps"


def test_prompt_outside_the_vocabulary_is_an_input_error(model):
    with pytest.raises(InputError, match="'Z'"):
        model.generate("Zebra", 5)


def test_evaluate_accepts_text_or_a_file(model, repetitive_text):
    from_file = model.evaluate(repetitive_text)
    assert from_file == model.evaluate(repetitive_text.read_text())
    assert from_file["bits_per_char"] == pytest.approx(from_file["loss"] / 0.6931471805599453)
    assert model.evaluate(repetitive_text, window=8)["loss"] > from_file["loss"]


def test_load_refuses_a_folder_that_is_not_a_run(tmp_path):
    with pytest.raises(RunDirectoryError, match="not an axonlab run directory"):
        lm.load(tmp_path)
