"""Architectures by name, size presets, and the checkpoint files of a run directory.

A run directory holds ``model.pt`` (the best weights and the configs that rebuild the model),
``checkpoint.pt`` (the latest training state, for ``--resume``) and ``tokenizer.json``. Both
``.pt`` files record the axonlab version and load with ``map_location="cpu"``.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn

from axonlab import __version__
from axonlab.errors import InputError, RunDirectoryError
from axonlab.lm.gpt import GPT, GPTConfig
from axonlab.lm.lstm import LSTMLM, LSTMConfig
from axonlab.runs import atomic_path

MODEL_FILE = "model.pt"
CHECKPOINT_FILE = "checkpoint.pt"

ARCHS: dict[str, tuple[type, type[nn.Module]]] = {
    "gpt": (GPTConfig, GPT),
    "lstm": (LSTMConfig, LSTMLM),
}

# Sizes by name; "baby" is nanoGPT's CPU configuration for Tiny Shakespeare (README).
PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    "gpt": {
        "baby": dict(n_layer=4, n_head=4, n_embd=128, block_size=64, dropout=0.0),
        "small": dict(n_layer=4, n_head=4, n_embd=128, block_size=128, dropout=0.0),
        "medium": dict(n_layer=6, n_head=6, n_embd=384, block_size=256, dropout=0.2),
    },
    "lstm": {
        "baby": dict(n_layer=2, n_embd=128, hidden_size=256, block_size=64, dropout=0.0),
        "small": dict(n_layer=2, n_embd=128, hidden_size=384, block_size=64, dropout=0.1),
        "medium": dict(n_layer=3, n_embd=256, hidden_size=1024, block_size=128, dropout=0.2),
    },
}


def model_config(arch: str, vocab_size: int, preset: str, overrides: dict[str, Any]):
    """The config dataclass of ``arch`` from a preset plus overrides (unknown keys are errors)."""
    if arch not in ARCHS:
        raise InputError(f"unknown architecture {arch!r}; expected one of {sorted(ARCHS)}")
    if preset not in PRESETS[arch]:
        expected = sorted(PRESETS[arch])
        raise InputError(f"unknown {arch} preset {preset!r}; expected one of {expected}")
    config_cls = ARCHS[arch][0]
    known = set(config_cls.__dataclass_fields__) - {"vocab_size"}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise InputError(f"unknown {arch} setting(s) {unknown}; expected some of {sorted(known)}")
    return config_cls(vocab_size=vocab_size, **{**PRESETS[arch][preset], **overrides})


def build_model(arch: str, config: dict[str, Any]) -> nn.Module:
    config_cls, model_cls = ARCHS[arch]
    return model_cls(config_cls(**config))


def save_model(path: Path, model: nn.Module, arch: str) -> None:
    """Write the weights and the config that rebuilds them, atomically."""
    with atomic_path(path) as tmp:
        torch.save(
            {
                "arch": arch,
                "model_config": asdict(model.config),
                "model": model.state_dict(),
                "axonlab_version": __version__,
            },
            tmp,
        )


def load_model(path: Path) -> tuple[nn.Module, str]:
    """Rebuild a model written by :func:`save_model`; returns it (in eval mode) and its arch."""
    if not path.exists():
        raise RunDirectoryError(f"{path} not found; is {path.parent} a finished lm run?")
    saved = torch.load(path, map_location="cpu", weights_only=False)
    model = build_model(saved["arch"], saved["model_config"])
    model.load_state_dict(saved["model"])
    return model.eval(), saved["arch"]


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Write the training state (model, optimizer, step, rng, configs), atomically."""
    with atomic_path(path) as tmp:
        torch.save({**state, "axonlab_version": __version__}, tmp)


def load_checkpoint(path: Path) -> dict[str, Any]:
    """The training state written by :func:`save_checkpoint`; a damaged file is a clear error."""
    if not path.exists():
        raise RunDirectoryError(
            f"cannot resume: {path} not found (the run was interrupted before its first "
            "checkpoint); delete the run folder and train again"
        )
    try:
        saved = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as err:  # torch raises RuntimeError, EOFError or pickle errors alike
        raise RunDirectoryError(
            f"cannot resume: {path} is damaged ({type(err).__name__}: {err}); delete the run "
            "folder and train again"
        ) from err
    if not isinstance(saved, dict) or "train_config" not in saved:
        raise RunDirectoryError(f"cannot resume: {path} is not an axonlab lm checkpoint")
    return saved
