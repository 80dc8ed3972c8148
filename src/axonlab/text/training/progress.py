"""What a fine-tuning run shows while it trains, on stderr (stdout stays for ``--json``).

On a terminal: a progress bar with the step, the time left, the running loss and the last dev
score. Elsewhere (a log file, CI): one plain line per dev evaluation, so a log says how far a run
got. This replaces the Trainer's own printer, which dumps raw dicts with numbers as strings.
"""

from __future__ import annotations

import math
import sys
import time
from typing import Any

from transformers import TrainerCallback


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}m{seconds % 60:02d}s"


class TrainingProgress(TrainerCallback):
    """A TrainerCallback that reports steps, loss and dev scores for ``metric``."""

    def __init__(self, metric: str, stream: Any = None):
        self.metric = metric
        self.stream = stream or sys.stderr
        self.bar: Any = None
        self.task: Any = None
        self.started = 0.0
        self.loss = math.nan
        self.dev = "-"

    def on_train_begin(self, args, state, control, **kwargs):
        self.started = time.perf_counter()
        if not self.stream.isatty():
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(
            TextColumn("training"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]}  dev {task.fields[dev]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(file=self.stream),
        )
        self.bar.start()
        self.task = self.bar.add_task(
            "train", total=state.max_steps, completed=state.global_step, loss="-", dev="-"
        )

    def on_step_end(self, args, state, control, **kwargs):
        if self.bar is not None:
            self.bar.update(self.task, completed=state.global_step)

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs and "loss" in logs and self.bar is not None:
            self.bar.update(self.task, loss=f"{float(logs['loss']):.4f}")

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        metrics = metrics or {}
        score = metrics.get(f"eval_{self.metric}")
        if score is None:
            return
        self.dev = f"{self.metric} {score:.4f}"
        if self.bar is not None:
            self.bar.update(self.task, dev=self.dev)
            return
        epoch = f"epoch {state.epoch:.2g}" if state.epoch is not None else ""
        loss = metrics.get("eval_loss")
        loss_text = f", dev loss {loss:.4f}" if loss is not None else ""
        print(
            f"{epoch} step {state.global_step}/{state.max_steps}: dev {self.dev}{loss_text} "
            f"({_duration(time.perf_counter() - self.started)})",
            file=self.stream,
            flush=True,
        )

    def on_train_end(self, args, state, control, **kwargs):
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
