"""The tiny random BERT the text and serve tests build offline (MiniLM's tokenizer, 2x32)."""

from __future__ import annotations

from typing import Any


def tiny_bert(**config: Any) -> tuple[Any, Any]:
    """``(tokenizer, BertConfig)``: 2 layers, 32 wide, seeded; ``config`` adds e.g. label maps."""
    import torch
    from transformers import AutoTokenizer, BertConfig

    from axonlab.text.backbones import default_backbone

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
