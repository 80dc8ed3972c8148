"""Batch prediction over many input shards, spread over Ray workers (``--engine ray``).

Each worker is a Ray actor that loads the model once and predicts whole shards; each input shard
(``a.tsv``) gets one output shard (``OUT/a.jsonl``, one JSON line per input row, in input order,
as :func:`~axonlab.text.predict.batch.predict_file` writes it). A shard is written under a
``.partial`` name and renamed when complete, so a rerun after a crash skips every finished shard
and redoes a half-written one from scratch: every row ends up in the output exactly once. A
finished shard made by another model is refused, never mixed in.

Ray schedules; axonlab writes no scheduler. On one machine Ray starts a local cluster with
``workers`` CPUs; ``address`` joins a running cluster (``ray start --head`` on one node,
``ray start --address HEAD:6379`` on the others); the input and output folders must then be on a
file system every node sees.
"""

from __future__ import annotations

import glob
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from axonlab.errors import InputError
from axonlab.runs import read_json
from axonlab.text.predict.batch import predict_file, source_path

SHARD_SUFFIXES = (".csv", ".tsv", ".jsonl", ".txt", ".parquet")


def input_shards(pattern: str | Path) -> list[Path]:
    """The shards a folder holds (CSV/TSV/JSONL/TXT/Parquet), or a glob pattern matches, sorted."""
    path = Path(pattern)
    if path.is_dir():
        shards = sorted(p for p in path.iterdir() if p.suffix.lower() in SHARD_SUFFIXES)
    else:
        shards = sorted(Path(p) for p in glob.glob(str(pattern)) if Path(p).is_file())
    if not shards:
        raise InputError(f"no input shards in {str(pattern)!r} (a folder or a glob pattern)")
    stems = [s.stem for s in shards]
    twins = sorted({s for s in stems if stems.count(s) > 1})
    if twins:
        raise InputError(f"shards {twins} share a name; each needs its own output .jsonl")
    return shards


def output_of(shard: Path, out_dir: Path) -> Path:
    return out_dir / f"{shard.stem}.jsonl"


class ShardPredictor:
    """One worker: a model loaded once, predicting whole shards (run as a Ray actor)."""

    def __init__(self, run_dir: str, threads: int):
        import torch
        import transformers

        from axonlab import text

        torch.set_num_threads(threads)
        transformers.utils.logging.set_verbosity_error()
        self.model = text.load(run_dir)

    def predict(self, shard: str, output: str, options: dict[str, Any]) -> dict[str, Any]:
        final = Path(output)
        partial = final.with_name(final.name + ".partial")
        for stale in (partial, source_path(partial)):  # a half-written try: from scratch
            stale.unlink(missing_ok=True)
        summary = predict_file(self.model, shard, partial, progress=False, **options)
        os.replace(source_path(partial), source_path(final))
        os.replace(partial, final)  # last: the shard counts as done only when whole
        return {"shard": shard, "rows": summary["rows"], "seconds": summary["seconds"]}


def predict_shards(
    run_dir: str | Path,
    inputs: str | Path,
    out_dir: str | Path,
    *,
    workers: int = 2,
    address: str | None = None,
    threads_per_worker: int = 1,
    text_column: str | None = None,
    id_column: str | None = None,
    batch_size: int = 64,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Predict every shard of ``inputs`` into ``out_dir`` with ``workers`` Ray actors;
    ``{"shards", "skipped", "rows", "seconds", "rows_per_second"}`` (rows of this run).
    ``progress(rows)`` hears each finished shard."""
    import ray
    from ray.util import ActorPool

    from axonlab import text

    if workers < 1:
        raise InputError(f"workers must be >= 1, got {workers}")
    shards, out_dir = input_shards(inputs), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    fingerprint = text.load(run_dir).fingerprint()
    todo = [s for s in shards if not _finished(output_of(s, out_dir), fingerprint)]
    options = {"text_column": text_column, "id_column": id_column, "batch_size": batch_size}
    start, rows = time.perf_counter(), 0
    if todo:
        started_here = not ray.is_initialized()
        if started_here:
            local = {"num_cpus": workers * threads_per_worker} if address is None else {}
            ray.init(
                address=address,
                include_dashboard=False,
                logging_level="ERROR",
                log_to_driver=False,  # the workers' load reports; errors still come back
                **local,
            )
        try:
            actor = ray.remote(num_cpus=threads_per_worker)(ShardPredictor)
            pool = ActorPool(
                [
                    actor.remote(str(run_dir), threads_per_worker)
                    for _ in range(min(workers, len(todo)))
                ]
            )
            jobs = pool.map_unordered(
                lambda a, s: a.predict.remote(str(s), str(output_of(s, out_dir)), options), todo
            )
            for done in jobs:
                rows += done["rows"]
                if progress is not None:
                    progress(done["rows"])
        finally:
            if started_here:
                ray.shutdown()
    seconds = time.perf_counter() - start
    return {
        "shards": len(shards),
        "skipped": len(shards) - len(todo),
        "rows": rows,
        "seconds": round(seconds, 3),
        "rows_per_second": round(rows / seconds, 1) if rows and seconds > 0 else 0.0,
    }


def _finished(output: Path, fingerprint: dict[str, str]) -> bool:
    """True when ``output`` is a whole shard made by this model; another model's is an error."""
    if not output.exists():
        return False
    record = source_path(output)
    made_by = read_json(record).get("model") if record.exists() else None
    if made_by != fingerprint:
        raise InputError(
            "was made by another model (or has no record of its model); choose another "
            "`output` folder or delete it",
            path=output,
        )
    return True
