"""The tiny random BERT the text and serve tests build offline (MiniLM's tokenizer, 2x32)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def tiny_bert(**config: Any) -> tuple[Any, Any]:
    """``(tokenizer, BertConfig)``: 2 layers, 32 wide, seeded; ``config`` adds e.g. label maps."""
    import torch
    from transformers import AutoTokenizer, BertConfig

    from axonlab.text.backbones.resolve import default_backbone

    tokenizer = AutoTokenizer.from_pretrained(default_backbone())
    torch.manual_seed(0)
    bert = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
        **config,
    )
    return tokenizer, bert


def tiny_run(folder: Path, task: str, labels: list[str]) -> Path:
    """A finished run directory holding a random tiny BERT for ``task`` with ``labels``."""
    from transformers import BertForSequenceClassification, BertForTokenClassification

    from axonlab.runs import RunDirectory

    tokenizer, config = tiny_bert(
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )
    model_class = (
        BertForSequenceClassification
        if task in ("classify", "multilabel")
        else BertForTokenClassification
    )
    run = RunDirectory(folder)
    run.start({"backbone": "tiny-bert", "labels": labels, "train": {"max_length": 64}}, task=task)
    if task == "multilabel":
        config.problem_type = "multi_label_classification"  # as the multilabel task sets it
    model_class(config).save_pretrained(folder / "model")
    tokenizer.save_pretrained(folder / "model")
    run.mark_complete()
    return folder
