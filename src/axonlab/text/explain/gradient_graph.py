"""A classifier's Integrated Gradients integrand as an ONNX graph, for the light path.

ONNX Runtime has no autograd, so the backward pass is exported with the forward: the function
below (the explained output at points on the path from the baseline's word embeddings to the
input's, and its gradient there) is traced with ``make_fx``, which writes the backward out as
ordinary ops (decomposed to core ATen ops the exporter knows), and that graph is exported. The
model is loaded again with eager attention for it: the fused attention kernels' backward has no
ONNX form. The function is :func:`~axonlab.text.explain.attribution.integrand`, the one the
torch path runs eagerly; the graph holds the word-embedding lookup, so it takes token ids:

inputs ``input_ids``, ``baseline_ids``, ``attention_mask`` (and ``token_type_ids`` where the
tokenizer makes them), each ``(rows, seq)``; ``alphas`` ``(rows,)``, the point on the path;
``weights`` ``(rows, labels)``, which label's output counts, how much. Outputs ``logits``
``(rows, labels)`` at the point; ``values`` ``(rows,)``, the explained output
``sum(weights * transform(logits))``; ``terms`` ``(rows, seq)``, each position's gradient of
``values`` times (input embedding - baseline embedding), summed over the embedding: one
quadrature point's share of the attributions, before its weight.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import torch

from axonlab.runs import atomic_path
from axonlab.text.explain.attribution import integrand, output_transforms
from axonlab.text.predict.onnx import INPUTS, quiet_logger

OUTPUTS = ("logits", "values", "terms")


def export_gradients(model_dir: Path, tokenizer: Any, transform: Any, path: Path) -> Path:
    """Export the integrand of the classifier saved in ``model_dir`` to ``path``, atomically;
    rows and sequence length stay dynamic."""
    from torch._decomp import core_aten_decompositions
    from torch.fx.experimental.proxy_tensor import make_fx
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(
        model_dir, attn_implementation="eager"
    ).eval()
    labels = model.config.num_labels
    texts = ["an example", "a second, longer example text", "a third"]
    seq = len(tokenizer(texts, padding=True)["input_ids"][0])
    # the exporter ties example sizes that are equal: rows unlike the labels and the sequence
    rows = next(r for r in range(labels + 1, labels + 4) if r != seq)
    example = tokenizer([texts[i % 3] for i in range(rows)], padding=True, return_tensors="pt")
    names = tuple(name for name in INPUTS if name in example)
    args = (
        example["input_ids"],
        torch.full_like(example["input_ids"], tokenizer.pad_token_id),
        *(example[name] for name in names[1:]),
        torch.linspace(0.0, 1.0, rows),
        torch.eye(rows, labels),
    )
    traced = make_fx(
        integrand(model, transform, names),
        tracing_mode="symbolic",
        decomposition_table=core_aten_decompositions(),
        _allow_non_fake_inputs=True,  # the weights stay real tensors, baked into the graph
    )(*args)
    rows, seq = torch.export.Dim("rows"), torch.export.Dim("sequence")
    inputs = ["input_ids", "baseline_ids", *names[1:], "alphas", "weights"]
    shapes = [{0: rows, 1: seq}] * (len(inputs) - 2) + [{0: rows}, {0: rows}]
    with atomic_path(path) as tmp, warnings.catch_warnings(), quiet_logger("torch.onnx"):
        warnings.simplefilter("ignore")
        program = torch.onnx.export(
            traced, args, input_names=inputs, output_names=list(OUTPUTS),
            dynamic_shapes=tuple(shapes), dynamo=True, verbose=False,
        )  # fmt: skip
        program.save(str(tmp), external_data=False)
        _optimize(tmp)
    return path


def _optimize(path: Path) -> None:
    """Rewrite the graph at ``path`` as ONNX Runtime optimises it (the extended level: no
    hardware-specific layouts), so that a session opens it without optimising: 0.16 s instead
    of 0.28 s for MiniLM's, a one-shot explanation's largest start-up cost, same speed after."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    optimized = path.with_name(path.name + ".opt")
    options.optimized_model_filepath = str(optimized)
    ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    optimized.replace(path)


def gradients_file(text_model: Any) -> Path:
    """The run's integrand graph, ``RUN/onnx/gradients.onnx``, made once (with the forward
    graph, whose record of the weights it shares) for a classify or multilabel
    :class:`~axonlab.text.TextModel` loaded with torch."""
    from axonlab.text.predict.exported import GRADIENTS_FILE, ONNX_DIR
    from axonlab.text.predict.onnx import onnx_files
    from axonlab.text.tasks import MODEL_DIR

    run_dir = Path(text_model.run_dir)
    onnx_files(run_dir, text_model.model, text_model.tokenizer, int8=False)  # a fresh record
    path = run_dir / ONNX_DIR / GRADIENTS_FILE
    if not path.exists():
        _, transform = output_transforms(text_model.model, "log_odds")
        export_gradients(run_dir / MODEL_DIR, text_model.tokenizer, transform, path)
    return path
