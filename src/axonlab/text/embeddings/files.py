"""Embed a whole file into a ``.npy`` matrix (or a Parquet table), one row per input row, resumably.

The rows are written into ``<output>.partial`` (a ``.npy`` of the final shape, memory-mapped)
and its progress into ``<output>.partial.json`` after each chunk; an interrupted run picks up
after the last chunk written, and only a complete matrix is renamed to ``output``. Beside the
output, ``<output>.source.json`` records the encoder and the input (path, digest, rows): a run
only resumes or accepts an output made from the same encoder and the same input.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from axonlab.errors import InputError
from axonlab.runs import atomic_path, read_json, write_json
from axonlab.text.embeddings.encoder import BATCH_SIZE, SentenceEncoder, encoder_fingerprint
from axonlab.text.predict.batch import file_digest, iter_texts, progress_bar, source_path

CHUNK_TEXTS = 1024  # texts per chunk: progress is saved this often


def _partial(output: Path) -> tuple[Path, Path]:
    return output.with_name(output.name + ".partial"), output.with_name(
        output.name + ".partial.json"
    )


def embed_file(
    encoder: SentenceEncoder,
    input_path: str | Path,
    output_path: str | Path,
    *,
    text_column: str | None = None,
    batch_size: int = BATCH_SIZE,
    progress: bool = True,
) -> dict[str, Any]:
    """Write the embeddings of every text of ``input_path`` (CSV/TSV/JSONL/TXT) to
    ``output_path`` (``.npy``, float32, shape ``(rows, dim)``, in input order); returns a
    summary (rows, rows embedded now, seconds)."""
    input_path, output_path = Path(input_path), Path(output_path)
    if output_path.suffix.lower() not in (".npy", ".parquet"):
        raise InputError(
            "`output` must end in .npy (a numpy matrix, one row per text) or .parquet (a table: "
            "row, embedding)"
        )
    if output_path.suffix.lower() == ".parquet":
        _pyarrow()  # before the work, not after it
    texts = [text for _, text, _ in iter_texts(input_path, text_column=text_column)]
    if not texts:
        raise InputError("no texts to embed", path=input_path)
    source = {
        "encoder": encoder_fingerprint(encoder),
        "backend": getattr(encoder, "backend", "torch"),
        "input": str(input_path),
        "input_sha256": file_digest(input_path),
        "rows": len(texts),
        "dim": encoder.dim,
    }
    if output_path.exists():
        _check_source(output_path, source, "already holds embeddings of")
        return _summary(input_path, output_path, len(texts), 0, 0, 0.0)
    partial, state_file = _partial(output_path)
    done = _resume_point(partial, state_file, source)
    if done == 0:
        matrix = np.lib.format.open_memmap(
            partial, mode="w+", dtype=np.float32, shape=(len(texts), encoder.dim)
        )
        write_json(state_file, {"source": source, "rows_done": 0})
    else:
        matrix = np.load(partial, mmap_mode="r+")
    start = time.perf_counter()
    with progress_bar(progress, f"embedding {input_path.name}", len(texts), done) as advance:
        for begin in range(done, len(texts), CHUNK_TEXTS):
            end = min(begin + CHUNK_TEXTS, len(texts))
            matrix[begin:end] = encoder.encode(texts[begin:end], batch_size=batch_size)
            matrix.flush()
            write_json(state_file, {"source": source, "rows_done": end})
            advance(end - begin)
    del matrix
    write_json(source_path(output_path), source)
    if output_path.suffix.lower() == ".parquet":
        _write_parquet(np.load(partial, mmap_mode="r"), output_path)
        partial.unlink()
    else:
        os.replace(partial, output_path)
    state_file.unlink()
    seconds = time.perf_counter() - start
    return _summary(input_path, output_path, len(texts), done, len(texts) - done, seconds)


def _pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError("writing Parquet needs pyarrow: pip install 'axonlab[parquet]'") from None
    return pa, pq


def _write_parquet(matrix: np.ndarray, output: Path) -> None:
    """``matrix`` as a Parquet table (``row`` int64, ``embedding`` fixed-size list of float32),
    written under a temporary name and renamed whole."""
    pa, pq = _pyarrow()
    rows, dim = matrix.shape
    flat = pa.array(np.ascontiguousarray(matrix, dtype=np.float32).reshape(-1))
    table = pa.table(
        {
            "row": pa.array(np.arange(rows, dtype=np.int64)),
            "embedding": pa.FixedSizeListArray.from_arrays(flat, dim),
        }
    )
    with atomic_path(output) as tmp:
        pq.write_table(table, str(tmp))


def _resume_point(partial: Path, state_file: Path, source: dict[str, Any]) -> int:
    """Rows already written by an interrupted run of the same encoder on the same input."""
    if not partial.exists() or not state_file.exists():
        return 0
    state = read_json(state_file)
    if state.get("source") != source:
        raise InputError(
            f"{partial} is an unfinished embedding of another model or input; delete it "
            "(and its .json) to start over",
        )
    return int(state.get("rows_done", 0))


def _check_source(output: Path, source: dict[str, Any], what: str) -> None:
    recorded = source_path(output)
    if not recorded.exists() or read_json(recorded) != source:
        raise InputError(
            f"{what} something else (another model or input, or a file of yours): choose "
            "another `output`",
            path=output,
        )


def _summary(
    input_path: Path, output: Path, rows: int, resumed: int, embedded: int, seconds: float
) -> dict[str, Any]:
    return {
        "input": str(input_path),
        "output": str(output),
        "rows": rows,
        "resumed_rows": resumed,
        "embedded_rows": embedded,
        "seconds": round(seconds, 3),
        "rows_per_second": round(embedded / seconds, 1) if seconds > 0 else 0.0,
    }
