"""A fine-tuned text model, loaded from its run directory: predict, evaluate, save.

The task (``classify``, ``ner``, ...) is read from the run's ``config.json`` and looked up in
:mod:`axonlab.text.tasks`; the task object does the work.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from axonlab.errors import InputError, RunDirectoryError
from axonlab.runs import METRICS_FILE, RunDirectory, read_json
from axonlab.text.tasks import EXPLAINED_TASKS, TASKS
from axonlab.text.tasks.base import MODEL_DIR, get_task
from axonlab.text.tasks.report import EvalReport
from axonlab.text.training.collapse import warn_learned_nothing
from axonlab.text.training.fit import FinetuneConfig, LoraSettings


class TextModel:
    """A trained classifier or tagger. ``TextModel(run_dir)`` loads it (weights on the CPU)."""

    backend = "torch"  # what runs the forward pass: use_onnx makes it onnx or onnx-int8

    def __init__(self, run_dir: str | Path):
        from axonlab.text.backbones.resolve import load_tokenizer

        run = RunDirectory(run_dir)
        run.require_complete()
        self.run_dir = run.path
        self.config: dict[str, Any] = run.config()
        self.task: str = self.config["task"]
        if self.task not in TASKS:
            raise RunDirectoryError(f"{run.path} holds a {self.task!r} run, not a text model")
        self.text_task = get_task(self.task)
        self.learned_nothing: str | None = run.learned_nothing
        if self.learned_nothing:
            warn_learned_nothing(run.path, self.learned_nothing)
        self.model = self.text_task.load_model(run.path / MODEL_DIR)
        self.model.eval()
        self.tokenizer = load_tokenizer(str(run.path / MODEL_DIR))

    def __repr__(self) -> str:
        return f"TextModel({self.name!r}, task={self.task!r}, labels={self.labels})"

    @property
    def name(self) -> str:
        return self.run_dir.name

    @property
    def labels(self) -> list[str]:
        return [self.model.config.id2label[i] for i in range(self.model.config.num_labels)]

    @property
    def backbone(self) -> str:
        return self.config.get("backbone", "")

    @property
    def max_length(self) -> int:
        return int(self.config.get("train", {}).get("max_length", 128))

    def predict(
        self, texts: str | Sequence[str | tuple[str, str]], batch_size: int = 64
    ) -> list[dict[str, Any]]:
        """One prediction per text (a single string counts as one text); a model trained on
        text pairs takes ``(first, second)`` tuples."""
        if isinstance(texts, str):
            texts = [texts]
        for i, text in enumerate(texts):
            parts = text if isinstance(text, tuple) and len(text) == 2 else (text,)
            if not all(isinstance(part, str) and part.strip() for part in parts):
                raise InputError(f"input {i + 1} is empty; expected some text (or a pair)")
        return self.text_task.predict(
            self.model,
            self.tokenizer,
            list(texts),
            max_length=self.max_length,
            batch_size=batch_size,
        )

    def explain(
        self, texts: str | Sequence[str], target: str | None = None, *, tolerance: float = 0.05
    ) -> list[dict[str, Any]]:
        """Which words made the model choose ``target`` (default: its prediction), per text:
        ``{"label", "score", "completeness_error", "steps", "words": [{"text", "start", "end",
        "attribution"}]}`` by Integrated Gradients (:mod:`axonlab.text.explain.attribution`). For
        an NER model, per text ``{"entities": [...]}``, each entity with its own ``words``."""
        import torch

        from axonlab.text.explain.attribution import explain_texts
        from axonlab.text.explain.words import label_index

        if isinstance(texts, str):
            texts = [texts]
        if self.backend != "torch":
            raise InputError("explanations need the PyTorch model (gradients); run without ONNX")
        if self.task == "ner":
            from axonlab.text.explain.entities import explain_entities

            if target is not None:
                raise InputError("an NER explanation covers each predicted entity; no target")
            return explain_entities(
                self.model, self.tokenizer, list(texts), max_length=self.max_length,
                tolerance=tolerance,
            )  # fmt: skip
        if self.task not in EXPLAINED_TASKS:
            raise InputError(f"explanations are for classifiers and NER; not {self.task} models")
        if not hasattr(self.model, "get_input_embeddings"):
            raise InputError("few-shot and zero-shot models are not explained (no classifier head)")
        chosen = [label_index(self.labels, target)] * len(texts)
        out = explain_texts(
            self.model, self.tokenizer, list(texts), max_length=self.max_length,
            targets=chosen, tolerance=tolerance,
        )  # fmt: skip
        for item in out:
            logits = torch.tensor(item.pop("logits"))
            scores = logits.sigmoid() if self.task == "multilabel" else logits.softmax(-1)
            item["label"] = self.labels[item["target"]]
            item["score"] = float(scores[item.pop("target")])
        return out

    def evaluate(self, path: str | Path, **readers: Any) -> EvalReport:
        """Score a labelled file of this task's format (see the task module)."""
        readers = {**self.config.get("columns", {}), **readers}
        return self.text_task.evaluate(
            self.model, self.tokenizer, path, max_length=self.max_length, **readers
        )

    def fingerprint(self) -> dict[str, str]:
        """What identifies this model's predictions: its run, a digest of its weights and the
        backend that runs them (batch prediction records it beside its output)."""
        from axonlab.text.predict.batch import file_digest

        weights = sorted((self.run_dir / MODEL_DIR).glob("*.safetensors"))
        return {
            "run": str(self.run_dir.resolve()),
            "weights_sha256": file_digest(weights[0]) if weights else "",
            "backend": self.backend,
        }

    def run_metrics(self) -> dict[str, Any]:
        """The run's ``metrics.json`` (best dev scores, training throughput, history)."""
        return read_json(self.run_dir / METRICS_FILE)

    def save(self, folder: str | Path) -> Path:
        """Copy this run (Hugging Face model directory, config, metrics) to ``folder``."""
        folder = Path(folder)
        if folder.exists():
            raise InputError("already exists; choose a new folder", path=folder)
        shutil.copytree(self.run_dir, folder, ignore=shutil.ignore_patterns("checkpoints"))
        return folder


def load(run_dir: str | Path) -> TextModel:
    """Load a finished run directory written by :func:`finetune` or ``axonlab text train``."""
    return TextModel(run_dir)


def finetune(
    task: str,
    *,
    train: str | Path,
    dev: str | Path,
    out: str | Path = "runs/text",
    backbone: str | None = None,
    lora: bool | LoraSettings = False,
    resume: bool = False,
    text_column: str | None = None,
    label_column: str | None = None,
    **hyperparameters: Any,
) -> TextModel:
    """Fine-tune ``backbone`` (default: bundled all-MiniLM-L6-v2) for ``task`` and load the result.

    ``hyperparameters`` are :class:`FinetuneConfig` fields (``epochs``, ``learning_rate``, ...);
    ``text_column``/``label_column`` name the columns of a table (for tasks that read tables).
    """
    text_task = get_task(task)
    if lora is True:
        lora = LoraSettings()
    defaults = dict(text_task.config_defaults)
    config = FinetuneConfig(**{**defaults, **hyperparameters, "lora": lora or None})
    given = {"text_column": text_column, "label_column": label_column}
    columns = {k: v for k, v in given.items() if k in text_task.column_options}
    unused = [k for k, v in given.items() if v is not None and k not in columns]
    if unused:
        raise InputError(f"{task} reads no table columns; {', '.join(unused)} is for tables")
    run_dir = text_task.finetune(
        train, dev, out, config=config, backbone=backbone, resume=resume, **columns
    )
    return TextModel(run_dir)
