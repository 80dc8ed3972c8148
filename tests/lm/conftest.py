"""Fixtures for the lm tests: the shipped Shakespeare sample and tiny trained runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.paths import TEST_DATA

DATA = TEST_DATA / "lm"
TINY_GPT = {"n_layer": 1, "n_head": 2, "n_embd": 32, "block_size": 32, "dropout": 0.0}
TINY_LSTM = {"n_layer": 1, "n_embd": 16, "hidden_size": 64, "block_size": 16, "dropout": 0.0}


@pytest.fixture(scope="session")
def tiny_gpt() -> dict:
    return dict(TINY_GPT)


@pytest.fixture(scope="session")
def tiny_lstm() -> dict:
    return dict(TINY_LSTM)


@pytest.fixture(scope="session")
def sample_text() -> Path:
    """The first 4 KiB of Tiny Shakespeare."""
    return DATA / "shakespeare_4k.txt"


@pytest.fixture(scope="session")
def repetitive_text(tmp_path_factory) -> Path:
    """A pangram repeated: unigram entropy ~2.9 nats/char, nearly 0 for a model with context."""
    path = tmp_path_factory.mktemp("text") / "fox.txt"
    path.write_text("the quick brown fox jumps over the lazy dog. " * 60)
    return path


@pytest.fixture(scope="session")
def gpt_run(tmp_path_factory, repetitive_text) -> Path:
    """A tiny char GPT trained for 60 steps on the repetitive text."""
    from axonlab import lm

    out = tmp_path_factory.mktemp("runs") / "gpt"
    lm.train(
        repetitive_text,
        out,
        arch="gpt",
        model=TINY_GPT,
        max_steps=60,
        eval_interval=20,
        lr=1e-2,
        warmup_steps=5,
        batch_size=8,
        seed=0,
    )
    return out
