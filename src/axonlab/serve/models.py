"""The models a server holds: what they must offer, loading them from run directories, and the
registry that keeps one :class:`~axonlab.serve.batcher.MicroBatcher` (or one
:class:`~axonlab.serve.generation.GenerationQueue`) per model.

Two kinds of model are served. *Predictors* (text classifiers and NER taggers from
:func:`axonlab.text.load`) answer ``predict(texts)``; their requests are micro-batched.
*Generators* (language models from :func:`axonlab.lm.load`) answer ``generate``/``stream``; a
generation is one long sequential loop, so requests to one generator take turns.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from axonlab.errors import InputError, RunDirectoryError
from axonlab.runs import RunDirectory
from axonlab.serve.batcher import MicroBatcher
from axonlab.serve.generation import GenerationQueue
from axonlab.text.tasks import EXPLAINED_TASKS
from axonlab.text.tasks import TASKS as TEXT_TASKS  # the one registry of text tasks


@runtime_checkable
class Recommends(Protocol):
    """A recommender, e.g. the one :func:`axonlab.recommend.load` returns."""

    def for_user(self, user: str, k: int = 10) -> list[dict[str, Any]]: ...

    def similar(self, item: str, k: int = 10) -> list[dict[str, Any]]: ...


@runtime_checkable
class Predictor(Protocol):
    """A text classifier or tagger, e.g. :class:`axonlab.text.TextModel`."""

    task: str
    labels: list[str]
    backbone: str

    def predict(self, texts: list[str]) -> list[dict[str, Any]]: ...


@runtime_checkable
class Generator(Protocol):
    """A language model, e.g. the one :func:`axonlab.lm.load` returns."""

    def generate(self, prompt: str, tokens: int, **sampling: Any) -> str: ...

    def stream(self, prompt: str, tokens: int, **sampling: Any) -> Iterator[str]: ...


def load_run(run_dir: str | Path, *, backend: str = "torch", quantize: bool = False) -> Any:
    """Load the model in ``run_dir``; its ``config.json`` ``task`` says which library loads it.
    ``backend="onnx"`` runs a text model with ONNX Runtime (``quantize``: int8)."""
    run = RunDirectory(run_dir)
    run.require_complete()
    task = run.config().get("task")
    if task == "recommend":
        from axonlab import recommend

        return recommend.load(run.path)
    if task in TEXT_TASKS:
        from axonlab.text.predict.onnx import load_on_backend

        named = "torch" if backend == "torch" else ("onnx-int8" if quantize else "onnx")
        return load_on_backend(run.path, named)
    try:
        from axonlab import lm

        load_lm = lm.load
    except (ImportError, AttributeError) as err:
        raise RunDirectoryError(
            f"{run.path} holds a {task!r} run; axonlab serves text models "
            f"({', '.join(TEXT_TASKS)}) and language models"
        ) from err
    return load_lm(run.path)  # the language-model library checks its own tasks


def load_runs(
    run_dirs: Sequence[str | Path], *, backend: str = "torch", quantize: bool = False
) -> dict[str, Any]:
    """Load every run directory, each named after its directory (names must differ)."""
    models: dict[str, Any] = {}
    for run_dir in run_dirs:
        name = Path(run_dir).resolve().name
        if name in models:
            raise InputError(f"two run directories are named {name!r}; rename one")
        models[name] = load_run(run_dir, backend=backend, quantize=quantize)
    return models


@dataclass
class Served:
    """One loaded model under its public name, with what keeps its requests in order."""

    name: str
    model: Any
    batcher: MicroBatcher | None = None
    generation: GenerationQueue | None = None
    assistant: Any = None  # an axonlab.assistant.Assistant, for intent runs with answers
    _encoder: Any = None
    _encoder_lock: threading.Lock = field(default_factory=threading.Lock)
    _explainer: Any = None
    # explanations run one at a time under their own lock: an embed request is not kept waiting
    _explainer_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def kind(self) -> str:
        if isinstance(self.model, Recommends):
            return "recommend"
        return "predict" if isinstance(self.model, Predictor) else "generate"

    def info(self) -> dict[str, Any]:
        model = self.model
        return {
            "name": self.name,
            "task": getattr(model, "task", "lm"),  # language models are the "lm" task
            "kind": self.kind,
            "labels": list(getattr(model, "labels", []) if self.kind == "predict" else []),
            "backbone": str(getattr(model, "backbone", None) or getattr(model, "arch", "")),
            "backend": str(getattr(model, "backend", "torch")),
            "assistant": self.assistant is not None,
            "explainable": self.explainable,
        }

    @property
    def explainable(self) -> bool:
        """A classifier trained by axonlab (its run directory at hand for a torch copy)."""
        return getattr(self.model, "task", None) in EXPLAINED_TASKS and hasattr(
            self.model, "run_dir"
        )

    def predict(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        return self._batcher().submit(texts)

    async def predict_async(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        """:meth:`predict` for the server's event loop (no thread waits on the batch); cancelling
        it withdraws the texts not yet computed."""
        return await self._batcher().submit_async(texts)

    def encoder(self) -> Any:
        """The run's sentence encoder (its fine-tuned encoder, mean-pooled), loaded on first
        use; blocking, so call it from a worker thread."""
        run_dir = getattr(self.model, "run_dir", None)
        if self.kind != "predict" or run_dir is None:
            raise InputError(f"model {self.name!r} has no text encoder to embed with")
        with self._encoder_lock:
            if self._encoder is None:
                from axonlab.text.embeddings.encoder import SentenceEncoder

                self._encoder = SentenceEncoder(run_dir)
            return self._encoder

    def explain(self, texts: list[str], target: str | None = None) -> list[dict[str, Any]]:
        """Word attributions (:meth:`axonlab.text.TextModel.explain`). Gradients need PyTorch:
        a model served on ONNX Runtime is loaded again on torch, once, for this. Blocking, one
        at a time; call it from a worker thread."""
        if not self.explainable:
            raise InputError(f"model {self.name!r} is not a classifier that can be explained")
        run_dir = self.model.run_dir
        with self._explainer_lock:
            if self._explainer is None:
                if getattr(self.model, "backend", "torch") == "torch":
                    self._explainer = self.model
                else:
                    from axonlab import text

                    self._explainer = text.load(run_dir)
            return self._explainer.explain(texts, target=target)

    def generations(self) -> GenerationQueue:
        if self.generation is None:
            raise InputError(f"model {self.name!r} is not a language model; use predict")
        return self.generation

    def _batcher(self) -> MicroBatcher:
        if self.batcher is None:
            raise InputError(f"model {self.name!r} is a language model; use its generate endpoint")
        return self.batcher


def _assistant(model: Any) -> Any:
    """An assistant for an intent run that keeps an answers file in its folder, else ``None``
    (a bad answers file fails the start, naming the entry)."""
    if getattr(model, "task", None) != "intent":
        return None
    from axonlab.assistant import ANSWER_FILES, AnswerBook, Assistant

    for name in ANSWER_FILES:
        if (model.run_dir / name).is_file():
            return Assistant(model, AnswerBook.read(model.run_dir / name))
    return None


class ModelRegistry:
    """The models of one server, by name. Only models handed over at start are ever held."""

    def __init__(
        self,
        models: dict[str, Any],
        *,
        max_batch_size: int = 32,
        max_wait_ms: float = 5.0,
        max_queued_texts: int | None = None,
        max_queued_generations: int | None = None,
        timeout_s: float | None = None,
    ):
        """Arguments as :class:`~axonlab.serve.Settings` names them; ``None``: no bound. Build
        it inside the server's event loop (the language models' queues belong to it)."""
        self.models: dict[str, Served] = {}
        for name, model in models.items():
            if not isinstance(model, Predictor | Generator | Recommends):
                raise TypeError(
                    f"{name}: {type(model).__name__} has no predict, generate or for_user"
                )
            served = Served(name, model)
            if served.kind == "recommend":
                pass  # answered in a worker thread, one user at a time (about 1 ms)
            elif served.kind == "predict":
                served.batcher = MicroBatcher(
                    model.predict,
                    max_batch_size=max_batch_size,
                    max_wait_ms=max_wait_ms,
                    max_queued=max_queued_texts,
                    timeout_s=timeout_s,
                    name=name,
                )
                served.assistant = _assistant(model)
            else:
                served.generation = GenerationQueue(
                    model, max_waiting=max_queued_generations, timeout_s=timeout_s
                )
            self.models[name] = served

    def __len__(self) -> int:
        return len(self.models)

    def get(self, name: str) -> Served | None:
        return self.models.get(name)

    def close(self) -> None:
        for served in self.models.values():
            if served.batcher is not None:
                served.batcher.close()
            if served.generation is not None:
                served.generation.close()
