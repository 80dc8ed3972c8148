"""Saving a fine-tuned model as an ordinary Hugging Face directory, all or nothing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any


def save_model(model: Any, tokenizer: Any, path: str | Path) -> None:
    """``save_pretrained`` model and tokenizer into ``path``, replacing it only once complete.

    The files go to a sibling temporary folder first, so an interruption never leaves a
    half-written model where a complete one is expected.
    """
    path = Path(path)
    staging = path.with_name(f".{path.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    model.save_pretrained(staging)
    tokenizer.save_pretrained(staging)
    if path.exists():
        old = path.with_name(f".{path.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(path, old)
        os.replace(staging, path)
        shutil.rmtree(old)
    else:
        os.replace(staging, path)
