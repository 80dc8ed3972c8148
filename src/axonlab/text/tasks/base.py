"""A fine-tuning task as a class: the skeleton every task shares, and the hooks where they differ.

:meth:`TextTask.finetune` is the whole recipe, written once: read the training and dev files,
derive the label set, check the dev file against it, load the backbone, start the run directory,
build the model, encode the data, :func:`~axonlab.text.training.fit.fit`, save the model, write
the dev report and the metrics, mark the run complete. A task (``classify``, ``ner``, ...)
subclasses
:class:`TextTask`, sets its name, its transformers head and its dev metrics, and overrides the
hooks below; ``predict`` and ``evaluate`` are its own. :mod:`axonlab.text.tasks` lists the tasks.
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

import torch

from axonlab import distributed
from axonlab.errors import InputError, LearnedNothingWarning, TrainingCollapsedError
from axonlab.runs import CONFIG_FILE, RunDirectory
from axonlab.text.backbones.resolve import load_tokenizer, resolve_backbone
from axonlab.text.tasks import MODEL_DIR, TASKS
from axonlab.text.tasks.report import EvalReport
from axonlab.text.training.collapse import ADVICE, LEARNED_NOTHING_ENV, learned_nothing
from axonlab.text.training.fit import FinetuneConfig, FitResult, fit
from axonlab.text.training.recipe import backbone_name
from axonlab.text.training.recipe import choose as choose_recipe
from axonlab.text.training.saving import save_model


class TextTask(ABC):
    """What one kind of text model learns from, predicts and is scored by."""

    name: ClassVar[str]  # as in the CLI, the run's config.json and the server
    auto_model: ClassVar[str]  # the transformers class that loads the saved model folder
    peft_task_type: ClassVar[str]  # peft's name for the head ("SEQ_CLS", "TOKEN_CLS")
    metrics: ClassVar[tuple[str, ...]]  # dev metrics that can pick the best epoch; first: default
    config_defaults: ClassVar[dict[str, Any]] = {}  # FinetuneConfig values this task changes
    column_options: ClassVar[tuple[str, ...]] = ()  # reader keywords, e.g. ("text_column",)
    runs_on_onnx: ClassVar[bool] = True  # False: predict needs more than the exported logits

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"

    # --- hooks: what a task defines --------------------------------------------------------

    @abstractmethod
    def read(self, path: str | Path, **columns: str | None) -> Any:
        """The labelled examples of ``path`` (the task's own data type)."""

    @abstractmethod
    def label_names(self, train: Any) -> list[str]:
        """The model's output labels, in id order, from the training data."""

    def check_dev(self, dev: Any, labels: Sequence[str], path: Path) -> None:
        """Raise :class:`InputError` if ``dev`` (read from ``path``) uses a label the model
        cannot predict. An optional hook: by default every dev file is accepted."""
        return None

    def check_config(self, config: FinetuneConfig) -> None:
        """Raise :class:`InputError` for settings this task cannot use (call ``super()``)."""
        prototypes = config.few_shot or config.zero_shot
        if prototypes and type(self).prototype_model is TextTask.prototype_model:
            what = "few-shot" if config.few_shot else "zero-shot"
            raise InputError(f"{what} models are for classification tasks, not {self.name}")
        if config.zero_shot and config.few_shot:
            raise InputError("choose few-shot (a few examples per label) or zero-shot (none)")
        if prototypes and config.lora:
            raise InputError("few-shot and zero-shot models train no adapters: drop --lora")
        if config.best_metric not in self.metrics:
            raise InputError(
                f"unknown {self.name} metric {config.best_metric!r}; expected one of "
                f"{list(self.metrics)}"
            )

    def resume_config(self, config: FinetuneConfig, saved: dict[str, Any]) -> None:
        """Adjust ``config`` in place to the run being resumed (``saved``: its config.json).
        An optional hook: by default the new config stands."""
        return None

    def new_model(self, backbone: str, labels: Sequence[str], config: FinetuneConfig):
        """The backbone with a freshly initialised head for ``labels``."""
        import transformers

        auto_model = getattr(transformers, self.auto_model)
        return auto_model.from_pretrained(
            backbone,
            num_labels=len(labels),
            id2label=dict(enumerate(labels)),
            label2id={label: i for i, label in enumerate(labels)},
        )

    def prototype_model(
        self, backbone: str, tokenizer: Any, train: Any, labels: Sequence[str], config
    ) -> tuple[Any, float]:
        """A nearest-prototype model for ``labels`` from ``train`` (descriptions of each label
        for zero-shot; a few examples of each for few-shot, after tuning the encoder on their
        pairs) and the seconds its training took. Only tasks that offer them define it."""
        raise NotImplementedError

    def load_model(self, folder: Path) -> Any:
        """The saved model in ``folder`` (a run's ``model``), for prediction."""
        import transformers

        return getattr(transformers, self.auto_model).from_pretrained(folder)

    @abstractmethod
    def encode(
        self, model: Any, tokenizer: Any, data: Any, labels: Sequence[str], config: FinetuneConfig
    ) -> list[dict]:
        """Training features of ``data`` (token ids and label ids, unpadded)."""

    @abstractmethod
    def collator(self, tokenizer: Any) -> Callable:
        """Pads a list of features into a batch."""

    @abstractmethod
    def dev_metrics(
        self, labels: Sequence[str], dev: Sequence[dict]
    ) -> Callable[[Any], dict[str, float]]:
        """The Trainer's ``compute_metrics``: predictions on the encoded dev features ``dev``
        (in order) -> ``{metric: value}``."""

    def class_weights(
        self, train: Any, labels: Sequence[str], config: FinetuneConfig
    ) -> torch.Tensor | None:
        """Per-label loss weights, or ``None`` for an unweighted loss."""
        return None

    def after_training(
        self,
        model: Any,
        tokenizer: Any,
        train: Any,
        dev: Any,
        labels: Sequence[str],
        config: FinetuneConfig,
        folder: Path,
    ) -> None:
        """Work on the trained model before it is scored, saving anything it makes into the
        model ``folder`` (e.g. a calibrated detector). An optional hook: by default nothing."""
        return None

    @abstractmethod
    def predict(
        self,
        model: Any,
        tokenizer: Any,
        texts: Sequence[str],
        *,
        max_length: int,
        batch_size: int = 64,
    ) -> list[dict[str, Any]]:
        """One JSON-ready prediction per text."""

    @abstractmethod
    def evaluate(
        self,
        model: Any,
        tokenizer: Any,
        path: str | Path,
        *,
        max_length: int,
        batch_size: int = 64,
        **columns: str | None,
    ) -> EvalReport:
        """Score a labelled file of this task's format."""

    # --- the shared recipe -----------------------------------------------------------------

    def finetune(
        self,
        train: str | Path,
        dev: str | Path,
        out: str | Path,
        *,
        config: FinetuneConfig,
        backbone: str | None = None,
        resume: bool = False,
        **columns: str | None,
    ) -> Path:
        """Fine-tune ``backbone`` on ``train``, keep the best epoch by ``dev``; returns the
        finished run directory ``out``."""
        self.check_config(config)
        if (config.zero_shot or config.few_shot) and distributed.world_size() > 1:
            raise InputError("few-shot and zero-shot models are built by one process: no torchrun")
        distributed.per_process_batch(config.batch_size)  # divides evenly, or stop now
        distributed.setup()
        run = RunDirectory(out)
        run.check_start(resume=resume)  # before any work: fail fast, change nothing
        distributed.barrier()  # every process has checked before rank 0 starts the run
        train_data, dev_data = self.read(train, **columns), self.read(dev, **columns)
        labels = self.label_names(train_data)
        self.check_dev(dev_data, labels, Path(dev))
        name = backbone_name(backbone)
        backbone = resolve_backbone(backbone)
        tokenizer = load_tokenizer(backbone)
        if resume and (run.path / CONFIG_FILE).exists():
            self.resume_config(config, run.config())
        notes = self._choose_recipe(config, name, len(train_data))
        if distributed.is_main():
            self._start(run, backbone, labels, train, dev, columns, config, resume, notes)
        distributed.barrier()
        torch.manual_seed(config.seed)
        if config.zero_shot or config.few_shot:
            model, seconds = self.prototype_model(backbone, tokenizer, train_data, labels, config)
            result = FitResult.untrained(model, seconds=seconds, trained=config.few_shot)
        else:
            result = self._fit(
                backbone, tokenizer, train_data, dev_data, labels, config, run, resume
            )
        if distributed.is_main():
            self._finish(result, tokenizer, train_data, dev_data, labels, config, run, dev, columns)
        distributed.barrier()  # the run is complete before any process returns it
        return run.path

    def _choose_recipe(self, config: FinetuneConfig, backbone: str, n_train: int) -> list[str]:
        """Fill in the learning rates and epochs the user left to the defaults; say what was
        chosen (on stderr, and in the run's config)."""
        if config.zero_shot or config.few_shot:  # no optimizer steps of this kind
            return []
        recipe = choose_recipe(config, backbone=backbone, task=self.name, n_train=n_train)
        config.learning_rate, config.epochs = recipe.learning_rate, recipe.epochs
        config.head_learning_rate = recipe.head_learning_rate
        if recipe.notes and distributed.is_main():
            print(f"recipe: {'; '.join(recipe.notes)}", file=sys.stderr, flush=True)
        return recipe.notes

    def _start(self, run, backbone, labels, train, dev, columns, config, resume, notes) -> None:
        run.start(
            {
                "backbone": backbone,
                "recipe": notes,
                "labels": list(labels),
                "train_file": str(train),
                "dev_file": str(dev),
                "columns": columns,
                "train": config.to_dict(),
            },
            task=self.name,
            resume=resume,
        )

    def _finish(self, result, tokenizer, train_data, dev_data, labels, config, run, dev, columns):
        """Rank 0's part after training: save, score on dev, write the reports, mark complete."""
        save_model(result.model, tokenizer, run.path / MODEL_DIR)
        self.after_training(
            result.model, tokenizer, train_data, dev_data, labels, config, run.path / MODEL_DIR
        )
        report = self.evaluate(
            result.model, tokenizer, dev, max_length=config.max_length, **columns
        )
        report.save(run.path, prefix="dev")
        collapsed = None if config.zero_shot else learned_nothing(report.metrics)
        summary = {"dev": report.metrics, "training": result.summary()}
        if collapsed:
            summary["learned_nothing"] = collapsed
        run.write_metrics(summary)
        if not config.keep_checkpoints:
            shutil.rmtree(run.path / "checkpoints", ignore_errors=True)
        if collapsed:
            run.mark_learned_nothing(collapsed)
        run.mark_complete()
        if collapsed:  # kept for a look, but not a success
            message = (
                f"{run.path} learned nothing: {collapsed}. The run is kept, marked so; {ADVICE}"
            )
            if os.environ.get(LEARNED_NOTHING_ENV, "error") == "warn":  # smoke tests, tiny models
                warnings.warn(message, LearnedNothingWarning, stacklevel=2)
            else:
                raise TrainingCollapsedError(message)

    def _fit(
        self,
        backbone: str,
        tokenizer: Any,
        train_data: Any,
        dev_data: Any,
        labels: Sequence[str],
        config: FinetuneConfig,
        run: RunDirectory,
        resume: bool,
    ):
        """A new model for ``labels`` on ``backbone``, fine-tuned: the recipe's training step."""
        model = self.new_model(backbone, labels, config)
        # Sorted by length: dev batches are taken in this order and pad little.
        dev_features = sorted(
            self.encode(model, tokenizer, dev_data, labels, config),
            key=lambda feature: len(feature["input_ids"]),
        )
        return fit(
            model,
            tokenizer,
            train_dataset=self.encode(model, tokenizer, train_data, labels, config),
            dev_dataset=dev_features,
            collator=self.collator(tokenizer),
            compute_metrics=self.dev_metrics(labels, dev_features),
            run=run,
            config=config,
            task_type=self.peft_task_type,
            class_weights=self.class_weights(train_data, labels, config),
            resume=resume,
        )


def get_task(name: str) -> TextTask:
    """The task called ``name`` (an entry of :data:`axonlab.text.tasks.TASKS`);
    :class:`InputError` naming the known ones otherwise."""
    if name not in TASKS:
        raise InputError(f"unknown task {name!r}; expected one of {list(TASKS)}")
    entry = TASKS[name]
    return getattr(importlib.import_module(entry.module), entry.cls)()
