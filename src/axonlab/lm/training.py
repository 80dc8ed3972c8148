"""Train a language model from a text file or folder into a run directory.

One explicit loop (:class:`Trainer`): AdamW, linear warmup then cosine decay, gradient clipping,
a budget in steps and/or minutes of training time (evaluation time is not counted), periodic
validation loss in nats/token on the held-out split, best-weights keeping and resumable
checkpoints. Progress goes to callbacks (the CLI draws a progress bar from them).

The GPT trains on random windows of the training split. The LSTM reads the split as
``batch_size`` parallel lanes, window after window, its state carried from each window to the
next and detached there (truncated backpropagation through time, as in Zaremba et al. 2014), so
it learns to use context longer than one window. Validation scores every held-out token with the
model's full context (``lm eval``'s default); the final metrics also give the loss over
consecutive block-size windows each from an empty context (nanoGPT's convention).
"""

from __future__ import annotations

import difflib
import math
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from axonlab.errors import InputError, RunDirectoryError, TrainingDivergedError
from axonlab.lm import defaults
from axonlab.lm.checkpoint import (
    CHECKPOINT_FILE,
    MODEL_FILE,
    build_model,
    load_checkpoint,
    load_model,
    model_config,
    save_checkpoint,
    save_model,
)
from axonlab.lm.data import TokenStream, read_text, split_text
from axonlab.lm.evaluate import full_context_nll, window_nll
from axonlab.lm.language_model import LanguageModel
from axonlab.lm.report import plot_losses
from axonlab.lm.tokenize import TOKENIZER_FILE, load_tokenizer, train_tokenizer
from axonlab.runs import RunDirectory


@dataclass
class TrainConfig:
    """Everything a run needs besides its text; saved in config.json and every checkpoint."""

    arch: str = defaults.ARCH  # "gpt" or "lstm"
    preset: str = defaults.PRESET  # size preset of the arch (see checkpoint.PRESETS)
    model: dict[str, Any] = field(default_factory=dict)  # overrides of the preset's sizes
    tokenizer: str = defaults.TOKENIZER  # "char" or "bpe"
    vocab_size: int = defaults.VOCAB_SIZE  # BPE vocabulary size
    batch_size: int = defaults.BATCH_SIZE  # windows per step (the LSTM: parallel lanes)
    lr: float | None = None  # peak learning rate; None: the arch's (defaults.LEARNING_RATE)
    min_lr_ratio: float = 0.1  # cosine decay ends at lr * min_lr_ratio
    warmup_steps: int = 50
    weight_decay: float = 0.1
    beta2: float = 0.99
    grad_clip: float = 1.0  # max global gradient norm
    max_steps: int | None = None  # budget in optimizer steps ...
    minutes: float | None = None  # ... and/or in minutes of training time
    eval_interval: int = defaults.EVAL_INTERVAL  # steps between validation passes
    eval_tokens: int | None = 32768  # validate on the first N held-out tokens (None: all)
    val_fraction: float = 0.1  # held out: the last part of the text
    bf16: bool = False  # bfloat16 autocast on CPU
    seed: int = defaults.SEED

    def __post_init__(self) -> None:
        if self.lr is None:
            self.lr = defaults.LEARNING_RATE.get(self.arch, defaults.LEARNING_RATE["gpt"])
        if self.max_steps is None and self.minutes is None:
            raise InputError("give a training budget: max_steps and/or minutes")
        if (self.max_steps is not None and self.max_steps < 1) or (
            self.minutes is not None and not (math.isfinite(self.minutes) and self.minutes > 0)
        ):
            raise InputError("max_steps must be >= 1 and minutes a finite number > 0")
        if min(self.batch_size, self.eval_interval) < 1:
            raise InputError("batch_size and eval_interval must be >= 1")
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise InputError(f"the learning rate must be a finite number > 0, got {self.lr}")


@dataclass
class TrainProgress:
    """What callbacks receive after each optimizer step."""

    step: int
    fraction: float  # of the budget used, 0..1
    train_loss: float  # nats/token
    lr: float
    tokens_per_s: float
    elapsed_s: float  # training time, evaluation excluded
    val_loss: float | None = None  # set on steps that validated
    stage: str = "training"  # or "final evaluation" (the whole held-out split, after training)


Callback = Callable[[TrainProgress], None]


def lr_at(step: int, fraction: float, config: TrainConfig) -> float:
    """Linear warmup over ``warmup_steps``, then cosine from lr to lr * min_lr_ratio over the
    budget ``fraction`` (steps or time, whichever runs out first)."""
    if step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    decay = 0.5 * (1.0 + math.cos(math.pi * min(1.0, fraction)))
    return config.lr * (config.min_lr_ratio + (1.0 - config.min_lr_ratio) * decay)


class Trainer:
    """Owns the model, optimizer, data and run directory of one training run."""

    def __init__(
        self,
        source: str | Path,
        out: str | Path,
        config: TrainConfig,
        resume: bool = False,
        callbacks: Sequence[Callback] = (),
    ):
        self.run, self.callbacks = RunDirectory(out), list(callbacks)
        # A finished run may train on with a larger budget; anything else is checked before
        # any work, so a finished run or a folder of the user's is never overwritten.
        self.resume, self.extending = resume, resume and self.run.is_complete
        if not self.extending:
            self.run.check_start(resume=resume)
        saved = load_checkpoint(self.run.path / CHECKPOINT_FILE) if resume else None
        if saved is not None:  # the saved run's settings, with the new budget
            budget = {"max_steps": config.max_steps, "minutes": config.minutes}
            config = TrainConfig(**{**saved["train_config"], **budget})
        self.config = config
        torch.manual_seed(config.seed)
        text = read_text(source)
        train_text, val_text = split_text(text, config.val_fraction)
        self.tokenizer = (
            load_tokenizer(self.run.path / TOKENIZER_FILE)
            if saved
            else train_tokenizer(
                config.tokenizer,
                text if config.tokenizer == "char" else train_text,
                config.vocab_size,
            )
        )
        cfg = model_config(config.arch, self.tokenizer.vocab_size, config.preset, config.model)
        self.train_data = self._stream(train_text, "train", source, cfg.block_size)
        self.val_data = self._stream(val_text, "validation", source, cfg.block_size)
        self.model = build_model(config.arch, asdict(cfg))
        if self.model.recurrent:  # before the run directory exists
            self.train_data.check_lanes(config.batch_size, cfg.block_size, source)
        self.optimizer = torch.optim.AdamW(
            self.model.param_groups(config.weight_decay), lr=config.lr, betas=(0.9, config.beta2)
        )
        self.generator = torch.Generator().manual_seed(config.seed)
        self.step, self.elapsed, self.history = 0, 0.0, []
        self.state = None  # the LSTM's carried (hidden, cell) state
        self.best_val, self.best_step = math.inf, 0
        if saved is not None:
            self._restore(saved)
        if self.extending and self.fraction() >= 1.0:
            raise RunDirectoryError(
                f"{self.run.path} holds a finished run ({self.step} steps, "
                f"{self.elapsed / 60:.1f} min) that is kept as it is; to train it on, give a "
                "larger budget of steps or minutes"
            )
        self.run.start(
            {"source": str(source), "train_config": asdict(config), "model_config": asdict(cfg)},
            task="lm",
            resume=resume,
            extend=self.extending,
        )
        self.tokenizer.save(self.run.path / TOKENIZER_FILE)

    def _stream(self, text: str, name: str, source: str | Path, block_size: int) -> TokenStream:
        stream = TokenStream(torch.tensor(self.tokenizer.encode(text), dtype=torch.long), name)
        stream.check_window(block_size, source)
        return stream

    def _restore(self, saved: dict[str, Any]) -> None:
        self.model.load_state_dict(saved["model"])
        self.optimizer.load_state_dict(saved["optimizer"])
        self.step, self.elapsed = saved["step"], saved["elapsed_s"]
        self.state = saved.get("recurrent_state")
        self.history, self.best_val, self.best_step = (
            saved["history"],
            saved["best_val_loss"],
            saved["best_step"],
        )
        torch.set_rng_state(saved["rng"]["torch"])
        self.generator.set_state(saved["rng"]["data"])

    def fraction(self) -> float:
        cfg = self.config
        parts = [self.step / cfg.max_steps] if cfg.max_steps else []
        if cfg.minutes:
            parts.append(self.elapsed / (60.0 * cfg.minutes))
        return max(parts)

    def train_step(self) -> tuple[float, float]:
        """One optimizer step; returns (loss in nats/token, learning rate)."""
        cfg, model = self.config, self.model
        lr = lr_at(self.step, self.fraction(), cfg)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=cfg.bf16):
            if model.recurrent:
                x, y, fresh = self.train_data.sequential_batch(
                    cfg.batch_size, model.block_size, self.step
                )
                _, loss, state = model(x, y, None if fresh else self.state)
                self.state = tuple(s.detach() for s in state)
            else:
                x, y = self.train_data.batch(cfg.batch_size, model.block_size, self.generator)
                _, loss, _ = model(x, y)
        if not torch.isfinite(loss):  # one NaN step poisons every weight: stop, save nothing
            raise TrainingDivergedError(
                f"training diverged at step {self.step + 1}: the loss is {loss.item()}; "
                f"lower the learning rate (it was {cfg.lr:g})"
            )
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.step += 1
        return loss.item(), lr

    def validate(self, tokens: int | None, windows: bool = False) -> float:
        """Mean loss (nats/token) of the first ``tokens`` held-out tokens (None: all), each
        with the model's full context, or with ``windows`` over consecutive block-size windows.

        Always float32, also when ``bf16`` trains: the loss that picks the best step and the
        one reported are then the figures ``lm eval`` gives for the saved model."""
        ids = self.val_data.ids[: tokens + 1] if tokens else self.val_data.ids
        self.model.eval()
        total = (
            window_nll(self.model, ids, self.model.block_size, batch_size=64)
            if windows
            else full_context_nll(self.model, ids)
        )
        self.model.train()
        return total / (len(ids) - 1)

    def fit(self) -> dict[str, Any]:
        """Train until the budget is spent; returns the metrics written to metrics.json."""
        from torch.utils.tensorboard import SummaryWriter

        writer = SummaryWriter(log_dir=str(self.run.logs))
        try:
            self._train_loop(writer)
        except TrainingDivergedError as err:
            writer.close()
            if self.resume:  # the run's checkpoint is the user's: left for another try
                raise
            shutil.rmtree(self.run.path, ignore_errors=True)  # made by this call, now worthless
            raise TrainingDivergedError(f"{err}; {self.run.path} was removed") from None
        writer.close()
        return self._finish()

    def _train_loop(self, writer) -> None:
        self.model.train()
        tokens_per_step = self.config.batch_size * self.model.block_size
        while self.fraction() < 1.0:
            start = time.perf_counter()
            loss, lr = self.train_step()
            seconds = time.perf_counter() - start
            self.elapsed += seconds
            writer.add_scalar("train/loss", loss, self.step)
            writer.add_scalar("train/lr", lr, self.step)
            val = None
            if self.step % self.config.eval_interval == 0 or self.fraction() >= 1.0:
                val = self._evaluate_and_save(writer, loss)
            progress = TrainProgress(
                self.step,
                min(1.0, self.fraction()),
                loss,
                lr,
                tokens_per_step / seconds,
                self.elapsed,
                val,
            )
            for callback in self.callbacks:
                callback(progress)

    def _evaluate_and_save(self, writer, train_loss: float) -> float:
        val = self.validate(self.config.eval_tokens)
        writer.add_scalar("val/loss", val, self.step)
        writer.add_scalar("val/perplexity", math.exp(val), self.step)
        self.history.append(
            {
                "step": self.step,
                "elapsed_s": round(self.elapsed, 2),
                "train_loss": train_loss,
                "val_loss": val,
            }
        )
        if val < self.best_val:
            self.best_val, self.best_step = val, self.step
            save_model(self.run.path / MODEL_FILE, self.model, self.config.arch)
        save_checkpoint(
            self.run.path / CHECKPOINT_FILE,
            {
                "model": self.model.state_dict(),
                "optimizer": self.optimizer.state_dict(),
                "step": self.step,
                "elapsed_s": self.elapsed,
                "history": self.history,
                "best_val_loss": self.best_val,
                "best_step": self.best_step,
                "recurrent_state": self.state,
                "rng": {"torch": torch.get_rng_state(), "data": self.generator.get_state()},
                "arch": self.config.arch,
                "model_config": asdict(self.model.config),
                "train_config": asdict(self.config),
            },
        )
        return val

    def _finish(self) -> dict[str, Any]:
        best, _ = load_model(self.run.path / MODEL_FILE)
        self.model.load_state_dict(best.state_dict())
        final = TrainProgress(
            self.step, 1.0, math.nan, 0.0, 0.0, self.elapsed, stage="final evaluation"
        )
        for callback in self.callbacks:
            callback(final)
        full_val = self.validate(None)
        tokens = self.step * self.config.batch_size * self.model.block_size
        metrics = {
            "best_step": self.best_step,
            "best_val_loss": full_val,
            "best_val_perplexity": math.exp(full_val),
            "best_val_loss_windows": self.validate(None, windows=True),
            "steps": self.step,
            "train_seconds": round(self.elapsed, 2),
            "tokens_per_second": tokens / max(self.elapsed, 1e-9),
            "parameters": self.model.num_parameters(),
            "vocab_size": self.tokenizer.vocab_size,
            "history": self.history,
        }
        self.run.write_metrics(metrics)
        plot_losses(self.history, self.run.path / "loss.png")
        self.run.mark_complete()
        return metrics


def train(
    source: str | Path,
    out: str | Path,
    config: TrainConfig | None = None,
    *,
    resume: bool = False,
    callbacks: Sequence[Callback] = (),
    **overrides: Any,
) -> LanguageModel:
    """Train on the text file or folder ``source`` into the run directory ``out``.

    ``overrides`` set TrainConfig fields (``lm.train("input.txt", "runs/lm", arch="lstm",
    minutes=5)``). With ``resume=True`` the run in ``out`` continues from its last checkpoint
    to the (possibly extended) budget given here. Returns the best model, ready to generate.
    """
    unknown = sorted(set(overrides) - set(TrainConfig.__dataclass_fields__))
    if unknown:
        close = difflib.get_close_matches(unknown[0], TrainConfig.__dataclass_fields__, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise InputError(f"unknown training setting {unknown[0]!r}{hint}")
    if config is None or overrides:
        config = TrainConfig(**{**(asdict(config) if config else {}), **overrides})
    Trainer(source, out, config, resume=resume, callbacks=callbacks).fit()
    return LanguageModel.load(out)
