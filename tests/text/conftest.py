"""Fixtures for the text tests: a tiny BERT backbone built offline, and the shipped samples."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.paths import TEST_DATA

DATA = TEST_DATA / "text"


@pytest.fixture(scope="session")
def tiny_backbone(tmp_path_factory) -> str:
    """A 2-layer, 32-wide BERT with the MiniLM tokenizer, saved as a local model folder.

    Random weights: tests use it for plumbing (shapes, saving, reloading, loss going down),
    never for accuracy. Building it needs no network.
    """
    from transformers import BertModel

    from tests.tiny_bert import tiny_bert

    folder = tmp_path_factory.mktemp("tiny-bert")
    tokenizer, config = tiny_bert()
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


@pytest.fixture()
def spam_files() -> tuple[Path, Path]:
    return DATA / "spam_train.tsv", DATA / "spam_dev.tsv"
