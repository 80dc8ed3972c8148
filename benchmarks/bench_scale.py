"""Past one process: data-parallel fine-tuning under torchrun and batch prediction on Ray.

On this 2-core machine, one thread per worker:

- fine-tuning 1,500 SST-2 sentences for one epoch (all-MiniLM-L6-v2, global batch 32): one
  process against ``torchrun`` with two, training examples/s and dev accuracy;
- batch prediction over 8 shards of SMS messages: texts/s with 1 and with 2 Ray workers; then
  ``kill -9`` of the driver half-way and a rerun: output rows against input rows;
- on paper, from the measured step time and the gradient all-reduce volume: 4 and 16 nodes.

    python benchmarks/bench_scale.py --data ../shared/data
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
GLOBAL_BATCH = 32
BANDWIDTHS_GBIT = (1, 10, 100)  # node-to-node links the extrapolation considers


def _rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def _write(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(
            handle, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar="\\"
        ).writerows(rows)
    return path


# what is trained: every weight, or all but the word-embedding table (half of MiniLM's 22.7M
# parameters, and so half of the gradient all-reduced per step)
VARIANTS = {"full": [], "frozen embeddings": ["--freeze-embeddings"]}


def training(data: Path, tmp: Path, variant: str = "full") -> list[dict]:
    header, *rows = _rows(data / "classify" / "sst2" / "train.tsv")
    train = _write(tmp / "sst2-1500.tsv", [header, *rows[:1500]])
    dev = data / "classify" / "sst2" / "dev.tsv"
    results = []
    for workers in (1, 2):
        out = tmp / f"sst2-{workers}" if variant == "full" else tmp / f"sst2-{variant}-{workers}"
        command = [
            sys.executable,
            "-m",
            "axonlab",
            "text",
            "train",
            "classify",
            "--train",
            str(train),
            "--dev",
            str(dev),
            "--out",
            str(out),
            "--epochs",
            "1",
            "--batch-size",
            str(GLOBAL_BATCH),
            "--json",
            *VARIANTS[variant],
        ]
        if workers > 1:
            command += ["--workers", str(workers), "--threads", "1"]
        else:
            command += ["--threads", "1"]
        start = time.perf_counter()
        proc = subprocess.run(
            command, capture_output=True, text=True, env=os.environ | {"OMP_NUM_THREADS": "1"}
        )
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            results.append({"workers": workers, "variant": variant, "error": proc.stderr[-2000:]})
            continue
        metrics = json.loads((out / "metrics.json").read_text())
        history = metrics["training"]["history"]
        steps = max(h.get("step", 0) for h in history)
        results.append(
            {
                "workers": workers,
                "variant": variant,
                "train_examples_per_second": metrics["training"]["train_examples_per_second"],
                "train_seconds": metrics["training"]["train_seconds"],
                "steps": steps,
                "dev_accuracy": metrics["dev"]["accuracy"],
                "wall_seconds": wall,
                "parameters": metrics["training"]["trainable_parameters"],
            }
        )
    return results


def prediction(data: Path, tmp: Path, run: Path) -> list[dict]:
    header, *rows = _rows(data / "classify" / "sms-spam" / "train.tsv")
    shards = tmp / "sms-shards"
    shards.mkdir()
    size = len(rows) // 8
    for i in range(8):
        _write(shards / f"part{i}.tsv", [header, *rows[i * size : (i + 1) * size]])
    n_rows = 8 * size

    def command(out: Path, workers: int) -> list[str]:
        return [sys.executable, "-m", "axonlab", "text", "predict", str(run), "--input",
                str(shards), "--output", str(out), "--engine", "ray", "--workers", str(workers),
                "--json"]  # fmt: skip

    results = []
    for workers in (1, 2):
        proc = subprocess.run(command(tmp / f"preds-{workers}", workers), capture_output=True,
                              text=True)  # fmt: skip
        if proc.returncode != 0:
            results.append({"workers": workers, "error": proc.stderr[-2000:]})
            continue
        summary = json.loads(proc.stdout)
        results.append({"workers": workers, "texts": summary["rows"],
                        "seconds": summary["seconds"],
                        "texts_per_second": summary["rows_per_second"]})  # fmt: skip
    # kill -9 the driver once half the shards are done, then run again
    out = tmp / "preds-killed"
    killed = command(out, 2)
    proc = subprocess.Popen(
        killed, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    while len(list(out.glob("*.jsonl"))) < 4 and proc.poll() is None:
        time.sleep(0.05)
    finished_at_kill = len(list(out.glob("*.jsonl")))
    os.killpg(proc.pid, signal.SIGKILL)  # the driver and the Ray processes it started
    proc.wait()
    rerun = subprocess.run(killed, capture_output=True, text=True)
    lines = [json.loads(x) for f in sorted(out.glob("*.jsonl")) for x in f.read_text().splitlines()]
    keys = [
        (f.name, json.loads(x)["row"])
        for f in sorted(out.glob("*.jsonl"))
        for x in f.read_text().splitlines()
    ]
    results.append(
        {
            "kill": "driver killed with SIGKILL, then rerun",
            "shards_finished_at_kill": finished_at_kill,
            "rerun_ok": rerun.returncode == 0,
            "rerun": json.loads(rerun.stdout) if rerun.returncode == 0 else rerun.stderr[-500:],
            "input_rows": n_rows,
            "output_rows": len(lines),
            "duplicated": len(keys) - len(set(keys)),
        }
    )
    return results


def extrapolate(train: list[dict]) -> list[dict]:
    """Ring all-reduce moves 2 (N-1)/N of the gradient per process per step; with the global
    batch fixed, each node computes 1/N of the step."""
    one = next(r for r in train if r["workers"] == 1 and "error" not in r and _variant(r) == "full")
    step = one["train_seconds"] / max(one["steps"], 1)  # one process, whole global batch
    grad_bytes = 4 * one["parameters"]  # fp32 gradients
    rows = []
    for nodes in (2, 4, 16):
        for gbit in BANDWIDTHS_GBIT:
            comm = 2 * (nodes - 1) / nodes * grad_bytes / (gbit * 1e9 / 8)
            step_n = step / nodes + comm
            rows.append(
                {
                    "nodes": nodes,
                    "link_gbit": gbit,
                    "compute_s": step / nodes,
                    "allreduce_s": comm,
                    "speed_up": step / step_n,
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--log", type=Path, default=Path("bench-scale.jsonl"))
    parser.add_argument("--replay", action="store_true", help="tables from --log, no runs")
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    parser.add_argument(
        "--parts", nargs="+", choices=("training", "prediction"), default=["training", "prediction"]
    )
    args = parser.parse_args()
    if "prediction" in args.parts and "full" not in args.variants:
        parser.error("prediction uses the 'full' training run: add it to --variants")
    if not args.replay:
        with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp, open(args.log, "a") as log:
            tmp = Path(tmp)
            for variant in args.variants:
                train = training(args.data, tmp, variant)
                log.write(json.dumps({"part": "training", "result": train}) + "\n")
                log.flush()
            if "prediction" in args.parts:
                predict = prediction(args.data, tmp, tmp / "sst2-1")
                log.write(json.dumps({"part": "prediction", "result": predict}) + "\n")
    from report import read_log, write_section

    records = read_log(args.log)
    write_section("scale", tables(records))


def _variant(record: dict) -> str:
    return record.get("variant", "full")


def tables(records: list[dict]) -> str:
    latest = {r["part"]: r["result"] for r in records}
    lines = ["## Past one process (`bench_scale.py`)", ""]
    # the latest training of each variant (a run may measure one variant only)
    by_variant = {_variant(r["result"][0]): r["result"] for r in records
                  if r["part"] == "training" and r["result"]}  # fmt: skip
    train = [row for rows in by_variant.values() for row in rows]
    if train:
        lines += [
            "### Fine-tuning 1,500 SST-2 sentences, 1 epoch, global batch 32, 1 thread per process",
            "",
            "| trained | processes | examples/s | ratio | dev accuracy | train s |",
            "|---|---|---|---|---|---|",
        ]
        for variant, rows in by_variant.items():
            base = next((r for r in rows if r["workers"] == 1 and "error" not in r), None)
            for r in rows:
                if "error" in r:
                    lines.append(f"| {variant} | {r['workers']} | error | | | |")
                    continue
                one = base["train_examples_per_second"] if base else 0
                ratio = r["train_examples_per_second"] / one if one else 0
                lines.append(
                    f"| {variant} | {r['workers']} | {r['train_examples_per_second']:.1f} | "
                    f"{ratio:.2f}x | {r['dev_accuracy']:.3f} | {r['train_seconds']:.0f} |"
                )
        lines += [
            "",
            "Frozen embeddings: the word-embedding table (11.7M of 22.7M parameters) is not "
            "trained (`--freeze-embeddings`), in both the 1- and the 2-process run, so each step "
            "all-reduces half the gradient.",
            "",
        ]
    predict = latest.get("prediction", [])
    if predict:
        runs = [r for r in predict if "workers" in r and "error" not in r]
        lines += [
            "### Batch prediction, 8 shards of SMS messages, Ray",
            "",
            "| workers | texts | texts/s | ratio |",
            "|---|---|---|---|",
        ]
        for r in runs:
            lines.append(
                f"| {r['workers']} | {r['texts']} | {r['texts_per_second']:.1f} | "
                f"{r['texts_per_second'] / runs[0]['texts_per_second']:.2f}x |"
            )
        kill = next((r for r in predict if "kill" in r), None)
        if kill:
            lines += [
                "",
                f"Driver killed (SIGKILL) with {kill['shards_finished_at_kill']} of 8 "
                f"shards finished, then rerun: {kill['output_rows']} output rows for "
                f"{kill['input_rows']} input rows, {kill['duplicated']} duplicated.",
                "",
            ]
    if train and any("error" not in r for r in train):
        lines += [
            "### On paper: N nodes, global batch fixed, ring all-reduce of fp32 gradients",
            "",
            "| nodes | link Gbit/s | compute s/step | all-reduce s/step | speed-up |",
            "|---|---|---|---|---|",
        ]
        for r in extrapolate(train):
            lines.append(
                f"| {r['nodes']} | {r['link_gbit']} | {r['compute_s']:.3f} | "
                f"{r['allreduce_s']:.3f} | {r['speed_up']:.2f}x |"
            )
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
