"""Fine-tuning loop shared by every text task: transformers' Trainer, set up once.

A task module (``classify``, ``ner``) reads its data, builds the model and the encoded datasets,
and calls :func:`fit`. What :func:`fit` sets up, and why:

- dynamic padding (the task's collator) and length-grouped batches: a batch is padded to its own
  longest example, not to 128/512 tokens, which is most of the speed on a CPU;
- AdamW with linear warm-up and decay; evaluation on dev once per epoch; the best checkpoint by a
  chosen dev metric is restored at the end; optional early stopping and class weights;
- LoRA through peft, merged back into the weights at the end so the saved model is a plain one;
- TensorBoard events in ``run/logs``, checkpoints in ``run/checkpoints`` (for ``resume``).
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import torch

from axonlab.errors import InputError, TrainingDivergedError
from axonlab.runs import RunDirectory
from axonlab.text import defaults
from axonlab.text.data.casing import uses_casing
from axonlab.text.precision import bf16_by_default
from axonlab.text.tasks import TASKS
from axonlab.text.training.checkpoints import last_complete_checkpoint
from axonlab.text.training.trainer import checked_trainer, without_autocast


@dataclass
class LoraSettings:
    """Low-rank adapters on the attention projections (Hu et al. 2021)."""

    r: int = defaults.LORA_RANK
    alpha: int = defaults.LORA_ALPHA
    dropout: float = defaults.LORA_DROPOUT
    target_modules: tuple[str, ...] = defaults.LORA_TARGETS

    def __post_init__(self) -> None:
        if self.r < 1:
            raise InputError(f"LoRA rank must be >= 1, got {self.r}")
        if not 0.0 <= self.dropout < 1.0:
            raise InputError(f"LoRA dropout must be in [0, 1), got {self.dropout}")


@dataclass
class FinetuneConfig:
    """Hyper-parameters of one fine-tuning run (defaults tuned for small encoders like MiniLM;
    a task may change some, see ``TextTask.config_defaults``)."""

    epochs: float = defaults.EPOCHS
    # None: chosen for the backbone and task (axonlab.text.training.recipe)
    learning_rate: float | None = None
    # the task head's rate (the weights outside the pretrained encoder); None: chosen with it
    head_learning_rate: float | None = None
    # fewer steps than this: more epochs (0: never; None: defaults.MIN_STEPS, read when chosen)
    min_steps: int | None = None
    batch_size: int = defaults.BATCH_SIZE
    eval_batch_size: int = 128
    warmup_ratio: float = 0.06
    weight_decay: float = 0.01
    max_length: int = defaults.MAX_LENGTH
    best_metric: str = TASKS["classify"].metrics[0]
    early_stopping_patience: int | None = None
    class_weights: bool = False
    seed: int = defaults.SEED
    threads: int | None = None
    bf16: bool | None = None  # None: on where the CPU multiplies bfloat16 natively
    max_steps: int | None = None
    lora: LoraSettings | None = None
    keep_checkpoints: bool = False
    casing: bool | None = None  # NER: word casing as token types; None: where the backbone can
    # Keep the word-embedding table fixed. A 250k-piece multilingual vocabulary is ~80% of
    # multilingual-e5-small's weights: AdamW's update and state over it cost more than the
    # transformer layers on a CPU. None: frozen above defaults.FREEZE_EMBEDDINGS_ABOVE pieces.
    freeze_embeddings: bool | None = None
    # Few examples per class: tune the encoder on same/different-label pairs (SetFit's first
    # stage, axonlab.text.embeddings.contrastive, with this loss), then fit a logistic-regression
    # head.
    few_shot: bool = False
    few_shot_loss: str = defaults.FEW_SHOT_LOSS
    # No training: each label's prototype is the embedding of its training texts (descriptions
    # of the label, or its name in words), axonlab.text.embeddings.zero_shot.
    zero_shot: bool = False
    oos_label: str = defaults.OOS_LABEL  # intent: rows with this label are out of scope
    oos_method: str = defaults.OOS_METHOD  # intent: how out-of-scope texts are scored
    log_every: int = 20
    batch_tokens: int = defaults.BATCH_TOKENS  # most padded sub-tokens in one forward pass
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.max_steps is not None and self.max_steps < 1:
            raise InputError(f"max steps must be >= 1, got {self.max_steps}")
        if not math.isfinite(self.epochs) or (self.epochs <= 0 and self.max_steps is None):
            raise InputError(f"epochs must be a number > 0, got {self.epochs}")
        for what, rate in (("", self.learning_rate), ("head ", self.head_learning_rate)):
            if rate is not None and not (math.isfinite(rate) and rate > 0):
                raise InputError(f"{what}learning rate must be a finite number > 0, got {rate}")
        if self.min_steps is not None and self.min_steps < 0:
            raise InputError(f"min steps must be >= 0, got {self.min_steps}")
        if not 0.0 <= self.warmup_ratio < 1.0 or not math.isfinite(self.weight_decay):
            raise InputError("warmup ratio must be in [0, 1) and weight decay finite")
        if self.batch_size < 1 or self.eval_batch_size < 1:
            raise InputError("batch sizes must be >= 1")
        if self.few_shot_loss not in defaults.FEW_SHOT_LOSSES:
            choices = ", ".join(defaults.FEW_SHOT_LOSSES)
            raise InputError(f"unknown few-shot loss {self.few_shot_loss!r}; one of: {choices}")
        if self.batch_tokens < 1:
            raise InputError(f"batch tokens must be >= 1, got {self.batch_tokens}")
        if not 8 <= self.max_length <= 4096:
            raise InputError(f"max length must be in [8, 4096] tokens, got {self.max_length}")
        if isinstance(self.lora, dict):
            self.lora = LoraSettings(**self.lora)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


TrainConfig = FinetuneConfig  # the name before language models had a TrainConfig of their own


@dataclass
class FitResult:
    """What :func:`fit` hands back: the trained (LoRA-merged) model and what was measured."""

    model: torch.nn.Module
    best_dev: dict[str, float]
    history: list[dict[str, float]]
    train_seconds: float
    eval_seconds: float
    train_examples_per_second: float
    bf16: bool
    trainable_parameters: int
    total_parameters: int

    @classmethod
    def untrained(
        cls, model: torch.nn.Module, *, seconds: float = 0.0, trained: bool = False
    ) -> FitResult:
        """The result of building a model without the Trainer: a zero-shot model (no training)
        or a few-shot one (its encoder tuned on pairs for ``seconds``)."""
        total = parameter_counts(model)[1]
        return cls(model, {}, [], seconds, 0.0, 0.0, False, total if trained else 0, total)

    def summary(self) -> dict[str, Any]:
        """JSON-ready figures for ``metrics.json`` (everything but the model)."""
        return {
            "best_dev": self.best_dev,
            "train_seconds": self.train_seconds,
            "eval_seconds": self.eval_seconds,
            "bf16": self.bf16,
            "train_examples_per_second": self.train_examples_per_second,
            "trainable_parameters": self.trainable_parameters,
            "total_parameters": self.total_parameters,
            "history": self.history,
        }


def parameter_counts(model: torch.nn.Module) -> tuple[int, int]:
    """``(trainable, total)`` parameter counts."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return trainable, sum(p.numel() for p in model.parameters())


def _wrap_lora(model: torch.nn.Module, lora: LoraSettings, task_type: str) -> torch.nn.Module:
    from peft import LoraConfig, get_peft_model

    names = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    missing = [m for m in lora.target_modules if m not in names]
    if missing:  # peft only complains when *none* match (peft#1959); we want every one to
        raise InputError(f"LoRA target modules {missing} are not in the backbone")
    # BERT's sequence classifier reads the [CLS] vector through the pooler (dense + tanh). A
    # sentence-embedding backbone such as all-MiniLM-L6-v2 was trained with mean pooling, so its
    # pooler is untuned: frozen, it left LoRA at chance on SST-2. It is trained in full, like the
    # head (384 x 384 for MiniLM, ~1% of the weights together with the adapters).
    trained_whole = ["pooler"] if task_type == "SEQ_CLS" and "pooler" in names else []
    if uses_casing(model):  # the new casing rows must learn too
        trained_whole.append("token_type_embeddings")
    config = LoraConfig(
        task_type=task_type,
        r=lora.r,
        lora_alpha=lora.alpha,
        lora_dropout=lora.dropout,
        target_modules=list(lora.target_modules),
        modules_to_save=trained_whole or None,
    )
    return get_peft_model(model, config)


def fit(
    model: torch.nn.Module,
    tokenizer: Any,
    *,
    train_dataset: Sequence[dict],
    dev_dataset: Sequence[dict],
    collator: Callable,
    compute_metrics: Callable[[Any], dict[str, float]],
    run: RunDirectory,
    config: FinetuneConfig,
    task_type: str,
    class_weights: torch.Tensor | None = None,
    resume: bool = False,
) -> FitResult:
    """Fine-tune ``model`` on ``train_dataset``, keeping the best epoch by ``config.best_metric``.

    ``task_type`` is peft's name for the head (``"SEQ_CLS"``, ``"TOKEN_CLS"``). With ``resume``,
    training continues from the last checkpoint in ``run/checkpoints``.
    """
    from torch.utils.tensorboard import SummaryWriter
    from transformers import EarlyStoppingCallback, TrainingArguments
    from transformers.integrations import TensorBoardCallback
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    from axonlab import distributed
    from axonlab.text.training.progress import TrainingProgress

    if config.threads:
        torch.set_num_threads(config.threads)
    if _freeze_embeddings(config, model):
        model.get_input_embeddings().weight.requires_grad_(False)
    if config.lora is not None:
        model = _wrap_lora(model, config.lora, task_type)
    trainable, total = parameter_counts(model)
    checkpoints = run.path / "checkpoints"
    args = TrainingArguments(
        output_dir=str(checkpoints),
        num_train_epochs=config.epochs,
        max_steps=config.max_steps if config.max_steps is not None else -1,
        learning_rate=config.learning_rate,
        per_device_train_batch_size=distributed.per_process_batch(config.batch_size),
        per_device_eval_batch_size=config.eval_batch_size,
        warmup_steps=_warmup_steps(config, len(train_dataset)),
        weight_decay=config.weight_decay,
        lr_scheduler_type="linear",
        train_sampling_strategy="group_by_length",
        eval_strategy="epoch" if not config.max_steps else "steps",
        save_strategy="epoch" if not config.max_steps else "steps",
        eval_steps=config.max_steps,
        save_steps=config.max_steps,
        load_best_model_at_end=True,
        metric_for_best_model=config.best_metric,
        greater_is_better=True,
        save_total_limit=2,
        logging_steps=config.log_every,
        report_to="none",
        use_cpu=not torch.cuda.is_available(),
        bf16=_use_bf16(config),
        seed=config.seed,
        data_seed=config.seed,
        dataloader_num_workers=0,
        logging_nan_inf_filter=False,
        ddp_find_unused_parameters=False,  # every weight of our heads is used (DDP: one pass less)
        disable_tqdm=True,  # TrainingProgress reports instead
    )
    # Under torchrun only rank 0 logs: one event file, one progress bar.
    callbacks = (
        [
            TensorBoardCallback(SummaryWriter(log_dir=str(run.logs))),
            TrainingProgress(config.best_metric),
        ]
        if distributed.is_main()
        else []
    )
    if config.early_stopping_patience:
        callbacks.append(EarlyStoppingCallback(config.early_stopping_patience))
    trainer = checked_trainer(class_weights, config.batch_tokens, _head_rate(config))(
        model=model,
        args=args,
        train_dataset=train_dataset,
        eval_dataset=dev_dataset,
        data_collator=collator,
        processing_class=tokenizer,
        compute_metrics=compute_metrics,
        callbacks=callbacks,
    )
    for printer in (PrinterCallback, ProgressCallback):  # TrainingProgress reports instead
        trainer.remove_callback(printer)
    start_from = str(last_complete_checkpoint(checkpoints)) if resume else None
    try:
        output = trainer.train(resume_from_checkpoint=start_from)
    except TrainingDivergedError as err:
        if resume:  # the interrupted run's checkpoints are the user's: left for another try
            raise
        if distributed.is_main():  # made by this call, and now worthless
            shutil.rmtree(run.path, ignore_errors=True)
        raise TrainingDivergedError(f"{err}; {run.path} was removed") from None
    history = trainer.state.log_history
    best = _best_dev(history, config.best_metric)
    model = without_autocast(trainer.model)  # the final report equals a reloaded run's
    if config.lora is not None:
        model = model.merge_and_unload()
    # Trainer's runtime includes the per-epoch dev evaluations; throughput is over training alone.
    seconds = float(output.metrics.get("train_runtime", math.nan))
    eval_seconds = sum(h.get("eval_runtime", 0.0) for h in history)
    examples = float(output.metrics.get("train_samples_per_second", math.nan)) * seconds
    return FitResult(
        model=model,
        best_dev=best,
        history=history,
        train_seconds=seconds,
        eval_seconds=eval_seconds,
        train_examples_per_second=examples / max(seconds - eval_seconds, 1e-9),
        bf16=args.bf16,
        trainable_parameters=trainable,
        total_parameters=total,
    )


def _head_rate(config: FinetuneConfig) -> float | None:
    # Under LoRA the head is one of peft's modules_to_save, trained at the adapters' rate.
    if config.lora is not None or config.head_learning_rate == config.learning_rate:
        return None
    return config.head_learning_rate


def _use_bf16(config: FinetuneConfig) -> bool:
    return bf16_by_default(config.bf16)


def _freeze_embeddings(config: FinetuneConfig, model: torch.nn.Module) -> bool:
    if config.freeze_embeddings is not None:
        return config.freeze_embeddings
    return model.get_input_embeddings().num_embeddings > defaults.FREEZE_EMBEDDINGS_ABOVE


def _warmup_steps(config: FinetuneConfig, n_train: int) -> int:
    steps = config.max_steps or math.ceil(n_train / config.batch_size) * config.epochs
    return int(config.warmup_ratio * steps)


def _best_dev(history: list[dict[str, Any]], metric: str) -> dict[str, float]:
    """The dev evaluation with the highest ``metric``, with the ``eval_`` prefix dropped."""
    evals = [h for h in history if f"eval_{metric}" in h]
    if not evals:
        return {}
    best = max(evals, key=lambda h: h[f"eval_{metric}"])
    return {
        k.removeprefix("eval_"): v for k, v in best.items() if k.startswith("eval_") or k == "epoch"
    }
