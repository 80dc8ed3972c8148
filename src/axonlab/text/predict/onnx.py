"""Run a text model with ONNX Runtime instead of PyTorch, optionally int8-quantised.

The model is exported once with ``torch.onnx.export`` (the dynamo exporter: the TorchScript
tracer bakes transformers' mask arithmetic in for the example's sequence length) into the run
directory's ``onnx/`` folder, and quantised there to int8 with one scale per activation row
(:mod:`axonlab.text.predict.quantize`: a text's answer does not depend on the rest of its batch).
optimum's exporter is not used: its ONNX package (optimum-onnx 0.1) pins transformers < 4.58,
and axonlab runs transformers 5.

The task modules call ``model(**batch).logits`` and read ``model.config``; :class:`OnnxModule`
offers exactly that, so classification and NER (windows, offsets, label maps) run unchanged.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import torch

from axonlab.errors import InputError, RunDirectoryError
from axonlab.runs import atomic_path
from axonlab.text.data.casing import uses_casing
from axonlab.text.predict.exported import (
    FP32_FILE,
    GRADIENTS_FILE,
    INT8_FILE,
    ONNX_DIR,
    WEIGHTS_FILE,
    fresh_export,
    onnx_session,
    record_export,
)
from axonlab.text.predict.quantize import quantize_rows
from axonlab.text.tasks import MODEL_DIR

INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class OnnxModule:
    """An ONNX Runtime session that answers like a transformers model: ``(**batch).logits``
    (or, for an exported encoder, ``.last_hidden_state``: the graph's one output)."""

    def __init__(self, path: str | Path, config: Any, *, threads: int | None = None):
        self.session = onnx_session(path, threads or torch.get_num_threads())
        self.input_names = [i.name for i in self.session.get_inputs()]
        self.output = self.session.get_outputs()[0].name
        self.config = config
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"OnnxModule({str(self.path)!r})"

    def eval(self) -> OnnxModule:
        return self

    def __call__(self, **batch: Any) -> SimpleNamespace:
        ids = batch["input_ids"]
        feed = {}
        for name in self.input_names:
            value = batch.get(name)
            if value is None:  # a batch without token types: all zeros, as BERT assumes
                value = torch.zeros_like(ids) if name == "token_type_ids" else torch.ones_like(ids)
            feed[name] = value.numpy().astype(np.int64)
        (result,) = self.session.run([self.output], feed)
        return SimpleNamespace(**{self.output: torch.from_numpy(result)})


class OneOutput(torch.nn.Module):
    """The model as the exporter wants it: positional tensors in, one named output out."""

    def __init__(self, model: torch.nn.Module, names: tuple[str, ...], output: str):
        super().__init__()
        self.model = model
        self.names = names
        self.output = output

    def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
        return getattr(self.model(**dict(zip(self.names, tensors, strict=True))), self.output)


def export(model: Any, tokenizer: Any, path: str | Path, *, output: str = "logits") -> Path:
    """Export ``model`` (a transformers encoder with a head, or with ``output=
    "last_hidden_state"`` a bare encoder) to ONNX at ``path``, atomically.

    Batch size and sequence length stay dynamic; the graph takes the tokenizer's inputs
    (``input_ids``, ``attention_mask``, and ``token_type_ids`` where it makes them).
    """
    example = tokenizer(
        ["an example", "a second, longer example text"], padding=True, return_tensors="pt"
    )
    if uses_casing(model) and "token_type_ids" not in example:  # casing rides on token types
        example["token_type_ids"] = torch.zeros_like(example["input_ids"])
    names = tuple(name for name in INPUTS if name in example)
    dims = {0: torch.export.Dim("batch"), 1: torch.export.Dim("sequence")}
    model.eval()
    with atomic_path(path) as tmp, warnings.catch_warnings(), quiet_logger("torch.onnx"):
        warnings.simplefilter("ignore")  # the exporter's deprecation chatter
        program = torch.onnx.export(
            OneOutput(model, names, output),
            tuple(example[name] for name in names),
            input_names=list(names),
            output_names=[output],
            # one spec per positional tensor: dimension 0 is the batch, 1 the sequence
            dynamic_shapes={"tensors": tuple(dims for _ in names)},
            dynamo=True,
            verbose=False,
        )
        program.save(str(tmp), external_data=False)
    return Path(path)


@contextmanager
def quiet_logger(logger: str) -> Iterator[None]:
    """Keep ``logger`` to errors (the exporter logs "torchvision is not installed" four times)."""
    log = logging.getLogger(logger)
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


def onnx_files(run_dir: str | Path, model: Any, tokenizer: Any, *, int8: bool) -> Path:
    """The run's exported model (``onnx/model.onnx`` or ``onnx/model.int8-rows.onnx``), made
    once. (An ``onnx/model.int8.onnx`` left by earlier versions is the batch-dependent dynamic
    quantisation and is not used.)"""
    folder = Path(run_dir) / ONNX_DIR
    fp32 = folder / FP32_FILE
    weights = Path(run_dir) / MODEL_DIR / WEIGHTS_FILE
    stale = weights.is_file() and fresh_export(weights.parent, folder) is None
    if not fp32.exists() or stale:
        export(model, tokenizer, fp32)
        for derived in (INT8_FILE, GRADIENTS_FILE):  # made from the old weights
            (folder / derived).unlink(missing_ok=True)
        if weights.is_file():
            record_export(folder, weights)
    if not int8:
        return fp32
    quantized = folder / INT8_FILE
    if not quantized.exists():
        quantize_rows(fp32, quantized)
    return quantized


def use_onnx(text_model: Any, *, quantize: bool = False) -> Any:
    """Switch a loaded :class:`~axonlab.text.TextModel` to ONNX Runtime (in place); returns it.

    Its ``predict`` and ``evaluate`` then run the exported (and, with ``quantize``, int8) graph.
    """
    if not text_model.text_task.runs_on_onnx:
        raise InputError(
            f"{text_model.task} models run on torch only: their predictions need the encoder's "
            "hidden features, which the exported graph does not give"
        )
    path = onnx_files(text_model.run_dir, text_model.model, text_model.tokenizer, int8=quantize)
    text_model.model = OnnxModule(path, text_model.model.config)
    text_model.backend = "onnx-int8" if quantize else "onnx"
    return text_model


def load_on_backend(run_dir: str | Path, backend: str = "torch") -> Any:
    """Load the text run in ``run_dir`` on ``backend``: ``torch``, ``onnx`` or ``onnx-int8``.

    A task whose predictions need more than the exported logits (``runs_on_onnx`` False) stays
    on torch whatever ``backend`` says; an export that fails is a :class:`RunDirectoryError`.
    """
    from axonlab.text.predict.model import load

    if backend not in ("torch", "onnx", "onnx-int8"):
        raise InputError(f"unknown backend {backend!r}; expected torch, onnx or onnx-int8")
    model = load(run_dir)
    if backend == "torch" or not model.text_task.runs_on_onnx:
        return model
    try:
        return use_onnx(model, quantize=backend == "onnx-int8")
    except Exception as err:  # an exporter failure is a traceback-sized story
        reason = (str(err).splitlines() or [""])[0]
        raise RunDirectoryError(
            f"{run_dir}: could not run the model with ONNX Runtime "
            f"({type(err).__name__}: {reason}); run it with `backend` torch"
        ) from err


def use_onnx_encoder(encoder: Any, *, quantize: bool = False) -> Any:
    """Switch a :class:`~axonlab.text.embeddings.encoder.SentenceEncoder` to ONNX Runtime (in
    place); returns it. The export is cached by the weights' digest under
    ``$XDG_CACHE_HOME/axonlab/onnx`` (a built-in backbone's folder may not be writable)."""
    from axonlab.text.backbones.builtin import cache_root
    from axonlab.text.embeddings.encoder import encoder_fingerprint

    digest = encoder_fingerprint(encoder)["weights_sha256"][:16] or "unnamed"
    folder = cache_root().parent / "onnx" / f"encoder-{digest}"
    fp32 = folder / "model.onnx"
    if not fp32.exists():
        export(encoder.model, encoder.tokenizer, fp32, output="last_hidden_state")
    path = fp32
    if quantize:
        path = folder / INT8_FILE
        if not path.exists():
            quantize_rows(fp32, path)
    encoder.model = OnnxModule(path, encoder.model.config)
    encoder.bf16 = False  # the graph runs in float32; autocast has no torch op to change
    encoder.backend = "onnx-int8" if quantize else "onnx"
    return encoder
