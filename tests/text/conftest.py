"""Fixtures for the text tests: a tiny BERT backbone built offline, and the shipped samples."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "data" / "text"


@pytest.fixture(scope="session")
def tiny_backbone(tmp_path_factory) -> str:
    """A 2-layer, 32-wide BERT with the MiniLM tokenizer, saved as a local model folder.

    Random weights: tests use it for plumbing (shapes, saving, reloading, loss going down),
    never for accuracy. Building it needs no network.
    """
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    from axonlab.text.backbones import default_backbone

    folder = tmp_path_factory.mktemp("tiny-bert")
    tokenizer = AutoTokenizer.from_pretrained(default_backbone())
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
    )
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


@pytest.fixture()
def spam_files() -> tuple[Path, Path]:
    return DATA / "spam_train.tsv", DATA / "spam_dev.tsv"
