"""Where a run's exported ONNX graph lives, and whether it is still the run's weights.

:func:`axonlab.text.predict.onnx.onnx_files` exports a run's model once into ``RUN/onnx/`` and
writes :data:`RECORD_FILE` beside the graph: the SHA-256 of the weights it was made from, with
their size and modification time. :func:`fresh_export` reads it back: the graph is fresh while
the weights are the same bytes. The size and time spare a one-shot command the hash of the
weights on every call; where either differs, the hash decides. Light on purpose (no torch): the
light prediction path (:mod:`axonlab.text.predict.light`) starts from here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from axonlab.text.predict.batch import file_digest

ONNX_DIR = "onnx"
FP32_FILE = "model.onnx"
INT8_FILE = "model.int8-rows.onnx"  # per-row activation scales (a new name: see onnx_files)
GRADIENTS_FILE = "gradients.onnx"  # the explanations' integrand (text.explain.gradient_graph)
RECORD_FILE = "export.json"
WEIGHTS_FILE = "model.safetensors"


def _weights_stat(weights: Path) -> dict[str, int]:
    stat = weights.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def record_export(folder: Path, weights: Path) -> None:
    """Write ``folder/export.json``: which weights the graphs in ``folder`` were made from."""
    record = {"weights": weights.name, "sha256": file_digest(weights), **_weights_stat(weights)}
    tmp = folder / f".{RECORD_FILE}.tmp"
    tmp.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    tmp.replace(folder / RECORD_FILE)


def fresh_export(model_dir: Path, folder: Path, name: str = FP32_FILE) -> Path | None:
    """The graph ``name`` in ``folder`` made from the weights in ``model_dir`` as they are now,
    or None (no graph, no record, or weights changed since the export)."""
    graph = folder / name
    weights = model_dir / WEIGHTS_FILE
    try:
        record = json.loads((folder / RECORD_FILE).read_text(encoding="utf-8"))
        if not graph.is_file() or record.get("weights") != weights.name:
            return None
        if {k: record.get(k) for k in ("size", "mtime_ns")} == _weights_stat(weights):
            return graph
        return graph if file_digest(weights) == record.get("sha256") else None
    except (OSError, ValueError):
        return None


def onnx_session(path: str | Path, threads: int, *, optimized: bool = False) -> Any:
    """An ONNX Runtime CPU session for the graph at ``path`` on ``threads`` threads
    (``optimized``: the graph was saved optimised; it is not optimised again)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    if optimized:
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    # Idle worker threads sleep instead of spinning: a server's event loop (and, in the
    # benchmark, the load generator) needs the same cores between batches. Measured at
    # concurrency 16 on 2 cores: 158 vs 141 requests/s.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
