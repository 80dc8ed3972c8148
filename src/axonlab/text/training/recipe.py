"""The recipe a fine-tuning run gets where the user leaves it to the defaults.

Three choices adapt to the run instead of to the data sets the defaults were measured on:

- the **learning rate** of its backbone and task (``defaults.BACKBONE_LEARNING_RATES``; with
  LoRA adapters ``defaults.LORA_LEARNING_RATE``; else ``defaults.LEARNING_RATE``);
- the **head's learning rate** (``defaults.HEAD_LEARNING_RATE``): the task's head starts from
  random weights and has far to go, the pretrained encoder only a little way (at one rate for
  both, e5's NER on 1,350 sentences stayed at "all O" for 130 steps and, on one seed in three,
  for good);
- enough **optimizer steps**: a small training set gets more epochs, so that training takes at
  least ``min_steps`` steps (1,350 Chinese sentences in 3 epochs of 32 were 129 steps, and the
  model still tagged every character ``O``).

What was chosen, and why, is said in :attr:`Recipe.notes` (printed at the start of training and
kept in the run's ``config.json``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from axonlab.text import defaults


@dataclass(frozen=True)
class Recipe:
    """The learning rate and epochs a run trains with, and one line per choice made for it."""

    learning_rate: float
    head_learning_rate: float | None  # None: the head trains at ``learning_rate``
    epochs: float
    notes: list[str] = field(default_factory=list)


def backbone_name(backbone: str | None) -> str:
    """The name a backbone's learning rates are filed under: a built-in's name, or the last
    part of a folder or hub id (``None``: the default backbone)."""
    if backbone is None:
        return defaults.DEFAULT_BACKBONE
    return Path(backbone.rstrip("/")).name.lower()


def learning_rate(backbone: str, task: str, *, lora: bool) -> tuple[float, str]:
    """``(rate, why)`` for ``task`` on the backbone named ``backbone``."""
    if lora:
        return defaults.LORA_LEARNING_RATE, "LoRA adapters"
    rate = defaults.BACKBONE_LEARNING_RATES.get(backbone, {}).get(task)
    if rate is None:
        return defaults.LEARNING_RATE, "the default"
    return rate, f"measured for {task} on {backbone}"


def choose(config: Any, *, backbone: str, task: str, n_train: int) -> Recipe:
    """The recipe for ``config`` (a :class:`~axonlab.text.training.fit.FinetuneConfig`) training
    ``task`` on ``backbone`` (see :func:`backbone_name`) with ``n_train`` training rows.
    Learning rates the user gave are kept; so are epochs where ``max_steps`` is set. Under LoRA
    the head trains at the adapters' rate."""
    notes = []
    rate = config.learning_rate
    if rate is None:
        rate, why = learning_rate(backbone, task, lora=config.lora is not None)
        notes.append(f"learning rate {rate:g} ({why})")
    head_rate = config.head_learning_rate
    if head_rate is None and config.lora is None and defaults.HEAD_LEARNING_RATE > rate:
        head_rate = defaults.HEAD_LEARNING_RATE
        notes.append(f"the new head at {head_rate:g}")
    epochs = config.epochs
    floor = defaults.MIN_STEPS if config.min_steps is None else config.min_steps
    steps_per_epoch = math.ceil(n_train / config.batch_size)
    if config.max_steps is None and steps_per_epoch * epochs < floor:
        raised = math.ceil(10 * floor / steps_per_epoch) / 10  # to a tenth of an epoch
        notes.append(
            f"{raised:g} epochs, not {epochs:g}: {n_train:,} training rows in batches of "
            f"{config.batch_size} are {steps_per_epoch} steps an epoch, and a run takes at least "
            f"{floor} steps (min_steps)"
        )
        epochs = raised
    return Recipe(learning_rate=rate, head_learning_rate=head_rate, epochs=epochs, notes=notes)
