"""The light prediction path: a classifier's run answered by ONNX Runtime and tokenizers alone.

A one-shot ``axonlab text predict RUN TEXT`` spent seconds importing torch and transformers for
milliseconds of model. Where the run holds a fresh export of its graph
(:func:`~axonlab.text.predict.exported.fresh_export`), :class:`LightModel` answers with the run's
``tokenizer.json`` (the ``tokenizers`` library), the graph (``onnxruntime``) and numpy, and
imports neither torch nor transformers. It cuts texts into the same windows as the task's torch
path (:func:`axonlab.text.tasks.classify.encode`: ``max_length`` sub-tokens, a quarter of overlap)
and ends in the same code (:mod:`axonlab.text.tasks.outputs`), so the answers agree to float32
rounding. Classification and multi-label runs only: an intent model's out-of-scope score reads
hidden features, and NER's word alignment needs transformers' tokenizer.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from axonlab.errors import InputError
from axonlab.runs import RunDirectory
from axonlab.text.predict.exported import ONNX_DIR, fresh_export, onnx_session
from axonlab.text.tasks import MODEL_DIR
from axonlab.text.tasks.outputs import (
    THRESHOLDS,
    class_predictions,
    label_thresholds,
    multilabel_predictions,
    sigmoid,
    softmax,
    text_logits,
)
from axonlab.text.training.collapse import warn_learned_nothing
from axonlab.text.training.length_batches import length_batches

LIGHT_TASKS = ("classify", "multilabel")
TOKENIZER_FILE = "tokenizer.json"


class LightModel:
    """A finished classify or multilabel run on its exported graph: ``predict`` as
    :meth:`axonlab.text.TextModel.predict` answers, for single texts (not pairs)."""

    backend = "onnx"

    def __init__(self, run_dir: Path, config: dict[str, Any], graph: Path, threads: int):
        from tokenizers import Tokenizer

        self.run_dir = run_dir
        self.config = config
        self.task: str = config["task"]
        model_dir = run_dir / MODEL_DIR
        model_config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        id2label = model_config["id2label"]
        self.labels = [id2label[str(i)] for i in range(len(id2label))]
        self.thresholds = label_thresholds(self.labels, model_config.get(THRESHOLDS))
        self.pad_id = int(model_config.get("pad_token_id") or 0)
        self.problem_type = model_config.get("problem_type")  # transformers' name for the loss
        self.max_length = int(config.get("train", {}).get("max_length", 128))
        self.tokenizer = Tokenizer.from_file(str(model_dir / TOKENIZER_FILE))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.max_length, stride=self.max_length // 4)
        self.graph, self.threads = graph, threads

    @cached_property
    def session(self) -> Any:
        """The forward graph's session, opened on first use (an explanation needs another)."""
        return onnx_session(self.graph, self.threads)

    @cached_property
    def inputs(self) -> list[str]:
        return [i.name for i in self.session.get_inputs()]

    def __repr__(self) -> str:
        return f"LightModel({self.run_dir.name!r}, task={self.task!r}, labels={self.labels})"

    def predict(self, texts: str | Sequence[str], batch_size: int = 64) -> list[dict[str, Any]]:
        """One prediction per text, as the torch path gives it."""
        texts = [texts] if isinstance(texts, str) else list(texts)
        for i, text in enumerate(texts):
            if not isinstance(text, str) or not text.strip():
                raise InputError(f"input {i + 1} is empty; expected some text")
        windows, owners = [], []
        for owner, encoding in enumerate(self.tokenizer.encode_batch(texts)):
            for window in (encoding, *encoding.overflowing):
                windows.append(window)
                owners.append(owner)
        logits = np.zeros((len(windows), len(self.labels)), dtype=np.float32)
        for chunk in length_batches([len(w.ids) for w in windows], batch_size):
            logits[chunk] = self._logits([windows[i] for i in chunk])
        if self.task == "multilabel":
            probs = sigmoid(text_logits(logits, owners, len(texts), "max"))
            return multilabel_predictions(self.labels, probs, self.thresholds)
        return class_predictions(self.labels, softmax(text_logits(logits, owners, len(texts))))

    def _logits(self, windows: list[Any]) -> np.ndarray:
        """The graph's logits for windows of one batch, padded to the longest (pads masked)."""
        longest = max(len(w.ids) for w in windows)
        feed = {name: np.zeros((len(windows), longest), dtype=np.int64) for name in self.inputs}
        feed["input_ids"].fill(self.pad_id)
        for row, window in enumerate(windows):
            n = len(window.ids)
            feed["input_ids"][row, :n] = window.ids
            if "attention_mask" in feed:
                feed["attention_mask"][row, :n] = 1
            if "token_type_ids" in feed:
                feed["token_type_ids"][row, :n] = window.type_ids
        (result,) = self.session.run(None, feed)
        return result


def open_light(run_dir: str | Path, *, threads: int | None = None) -> LightModel | None:
    """``run_dir`` as a :class:`LightModel`, or None where it cannot be one: not a classify or
    multilabel run, no ``tokenizer.json``, or no fresh export (the torch path then answers and
    may make one). Raises what :class:`~axonlab.text.TextModel` raises for a run that is not
    finished; warns the same way for one that learned nothing."""
    run = RunDirectory(run_dir)
    run.require_complete()
    config = run.config()
    model_dir = run.path / MODEL_DIR
    if config.get("task") not in LIGHT_TASKS or not (model_dir / TOKENIZER_FILE).is_file():
        return None
    graph = fresh_export(model_dir, run.path / ONNX_DIR)
    if graph is None:
        return None
    if run.learned_nothing:
        warn_learned_nothing(run.path, run.learned_nothing)
    return LightModel(run.path, config, graph, threads or _physical_cores())


def _physical_cores() -> int:
    """Threads for the session: torch's default (one per physical core) without torch."""
    try:
        cores = {
            line.split(":")[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("core id")
        }
        return max(1, min(len(cores) or os.cpu_count() or 1, os.cpu_count() or 1))
    except OSError:
        return os.cpu_count() or 1
