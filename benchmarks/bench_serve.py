"""Serving benchmark: the axonlab server against a naive reference server, same model, loopback.

1. **HTTP under load.** ``axonlab serve RUN`` (micro-batching) and a reference FastAPI app whose
   ``def`` endpoint calls a transformers ``pipeline`` once per request (model loaded once at
   start-up) each serve the same run directory on 127.0.0.1, one after the other, in child
   processes, at each ``--threads`` torch thread count. A load generator keeps
   ``--concurrency`` requests in flight until ``--requests`` have been answered (one SMS message
   per request, bounded by ``--time-limit`` seconds per server) and records every latency and
   failure.
2. **Batch prediction backends.** ``axonlab.text.predict.batch.predict_file`` over the SMS dev
   texts with PyTorch fp32, ONNX Runtime fp32, ONNX Runtime int8 with per-row activation scales (the
   serve default) and, for comparison, ONNX Runtime's ``quantize_dynamic`` (the int8 scheme
   before issue 12: one activation scale per batch), in alternating rounds (medians); each
   backend's dev accuracy, and how far a text's probabilities move between being run alone and
   being run in one padded batch with the 7 longest dev texts.

    python benchmarks/bench_serve.py --run /tmp/runs/spam \
        --dev ../shared/data/classify/sms-spam/dev.tsv
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pydantic import BaseModel

from axonlab.text import iter_rows

sys.path.insert(0, str(Path(__file__).resolve().parent))

AXONLAB = [sys.executable, "-c", "from axonlab.cli import main; main()"]
TORCH = "axonlab serve --backend torch"
DEFAULT = "axonlab serve (default: --backend onnx, int8 per-row)"
INT8 = "ONNX Runtime int8, per-row scales (serve default)"


# --- the reference server ------------------------------------------------------------------


class ReferenceRequest(BaseModel):
    inputs: str


def reference_app(run_dir: Path):
    """FastAPI + a transformers pipeline called once per request: the common naive deployment."""
    from fastapi import FastAPI
    from transformers import pipeline

    classifier = pipeline("text-classification", model=str(run_dir / "model"), device=-1)
    app = FastAPI()

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok"}

    @app.post("/v1/models/{name}/predict")
    def predict(name: str, body: ReferenceRequest) -> dict:
        scores = classifier(body.inputs, top_k=None)
        best = max(scores, key=lambda s: s["score"])
        return {"predictions": [{"label": best["label"], "score": best["score"]}]}

    return app


def serve_reference(run_dir: Path, port: int, threads: int) -> None:
    import torch
    import uvicorn

    torch.set_num_threads(threads)
    uvicorn.run(reference_app(run_dir), host="127.0.0.1", port=port, log_level="warning")


# --- load generation -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 180.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"server at {url} did not come up in {timeout:.0f} s")


async def load(url: str, texts: list[str], *, requests: int, concurrency: int, limit_s: float):
    """Keep ``concurrency`` requests in flight until ``requests`` are done or time runs out."""
    import httpx

    latencies: list[float] = []
    failures = 0
    issued = 0
    deadline = time.perf_counter() + limit_s
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal issued, failures
        while issued < requests and time.perf_counter() < deadline:
            text = texts[issued % len(texts)]
            issued += 1
            start = time.perf_counter()
            try:
                response = await client.post(url, json={"inputs": text})
                ok = response.status_code == 200 and "predictions" in response.json()
            except httpx.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - start)
            failures += not ok

    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        start = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        wall = time.perf_counter() - start
    return latencies, failures, wall


def measure_server(command: list[str], port: int, texts: list[str], args) -> dict:
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_until_up(base, process)
        url = f"{base}/v1/models/{args.run.name}/predict"
        asyncio.run(load(url, texts, requests=32, concurrency=4, limit_s=60))  # warm-up
        latencies, failures, wall = asyncio.run(
            load(
                url,
                texts,
                requests=args.requests,
                concurrency=args.concurrency,
                limit_s=args.time_limit,
            )
        )
    finally:
        process.terminate()
        process.communicate(timeout=30)
    ordered = sorted(latencies)
    return {
        "completed": len(latencies),
        "failures": failures,
        "throughput": len(latencies) / wall,
        "p50_ms": 1000 * ordered[len(ordered) // 2],
        "p99_ms": 1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
        "wall_s": wall,
    }


def http_section(args, texts: list[str], threads: int) -> str:
    """Both servers with ``threads`` torch threads; a table and the verdicts on the targets."""
    port = free_port()
    reference = [sys.executable, __file__, "--serve-reference", str(args.run)]
    axonlab = [*AXONLAB, "serve", str(args.run), "--threads", str(threads)]
    runs = {
        "reference (pipeline per request)": [*reference, "--threads", str(threads)],
        TORCH: [*axonlab, "--backend", "torch"],
        DEFAULT: axonlab,
    }
    results = {}
    for name, command in runs.items():
        print(f"[serve] {name}, {threads} thread(s) ...", flush=True)
        results[name] = measure_server([*command, "--port", str(port)], port, texts, args)
        print(f"[serve] {name}: {results[name]}", flush=True)
    ref = results["reference (pipeline per request)"]
    rows = [
        "| server | requests answered | failures | requests/s | vs reference | p50 ms | p99 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        rows.append(
            f"| {name} | {r['completed']} | {r['failures']} | {r['throughput']:.1f} | "
            f"{r['throughput'] / ref['throughput']:.2f}x | {r['p50_ms']:.0f} | {r['p99_ms']:.0f} |"
        )
    verdicts = []
    for name in (TORCH, DEFAULT):
        ours = results[name]
        speedup = ours["throughput"] / ref["throughput"]
        all_answered = ours["failures"] == 0 and ours["completed"] == args.requests
        verdicts.append(
            f"`{name}`: throughput >= 3x the reference **{'met' if speedup >= 3 else 'MISSED'}** "
            f"({speedup:.2f}x); p99 below the reference's "
            f"**{'met' if ours['p99_ms'] < ref['p99_ms'] else 'MISSED'}** "
            f"({ours['p99_ms']:.0f} vs {ref['p99_ms']:.0f} ms); zero failures over "
            f"{args.requests} **{'met' if all_answered else 'MISSED'}** "
            f"({ours['failures']} failed, {ours['completed']} answered)"
        )
    return (
        f"### HTTP, torch threads {threads}: concurrency {args.concurrency}, {args.requests} "
        f"requests (at most {args.time_limit:.0f} s per server), one SMS message per request, "
        "127.0.0.1\n\n" + "\n".join(rows) + "\n\n" + "\n".join(f"- {v}" for v in verdicts)
    )


# --- batch prediction backends -------------------------------------------------------------


def batch_dependence(model, texts: list[str], companions: list[str]) -> float:
    """Largest change in any class probability of ``texts`` between being run alone and in one
    padded batch with ``companions`` (the model's forward pass itself, no grouping by length)."""
    import torch

    def probabilities(batch_texts: list[str]):
        batch = model.tokenizer(
            batch_texts, padding=True, truncation=True, max_length=128, return_tensors="pt"
        )
        with torch.inference_mode():
            return torch.softmax(model.model(**batch).logits.float(), dim=-1).numpy()

    return max(
        float(abs(probabilities([t])[0] - probabilities([t, *companions])[0]).max()) for t in texts
    )


def backend_section(args) -> str:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from axonlab import text
    from axonlab.text.predict.batch import predict_file
    from axonlab.text.predict.onnx import OnnxModule, onnx_files, use_onnx

    work = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    run = work / args.run.name
    shutil.copytree(args.run, run, ignore=shutil.ignore_patterns("onnx", "checkpoints"))
    before = text.load(run)  # issue 12's int8: quantize_dynamic, one activation scale per batch
    fp32_file = onnx_files(run, before.model, before.tokenizer, int8=False)
    quantize_dynamic(str(fp32_file), str(work / "dynamic.onnx"), weight_type=QuantType.QInt8)
    before.model = OnnxModule(work / "dynamic.onnx", before.model.config)
    models = {
        "PyTorch fp32": text.load(run),
        "ONNX Runtime fp32": use_onnx(text.load(run)),
        INT8: use_onnx(text.load(run), quantize=True),
        "ONNX Runtime int8, quantize_dynamic (before)": before,
    }
    seconds: dict[str, list[float]] = {name: [] for name in models}
    for round_ in range(args.rounds):
        for i, (name, model) in enumerate(models.items()):  # alternating: machine drift shared
            out = work / f"{round_}-{i}.jsonl"
            summary = predict_file(model, args.dev, out, batch_size=32, progress=False)
            seconds[name].append(summary["seconds"])
    rows_n = summary["rows"]
    accuracy = {
        name: model.evaluate(args.dev).metrics["accuracy"] for name, model in models.items()
    }
    dev_texts = [row.text for row in iter_rows(args.dev, require_labels=False)]
    longest = sorted(dev_texts, key=len)[-7:]
    probes = dev_texts[: args.probes]
    moved = {name: batch_dependence(model, probes, longest) for name, model in models.items()}
    shutil.rmtree(work)
    base = statistics.median(seconds["PyTorch fp32"])
    table = [
        f"| backend | texts/s (median of {args.rounds}) | vs PyTorch fp32 | dev accuracy | "
        f"accuracy change (points) | max probability change, alone vs beside 7 long texts "
        f"({len(probes)} texts) |",
        "|---|---|---|---|---|---|",
    ]
    for name in models:
        median = statistics.median(seconds[name])
        table.append(
            f"| {name} | {rows_n / median:.1f} | {base / median:.2f}x | {accuracy[name]:.4f} | "
            f"{100 * (accuracy[name] - accuracy['PyTorch fp32']):+.2f} | {moved[name]:.1e} |"
        )
    int8 = INT8
    speedup = base / statistics.median(seconds[int8])
    drop = 100 * abs(accuracy[int8] - accuracy["PyTorch fp32"])
    verdicts = [
        f"int8 >= 2x fp32 throughput: **{'met' if speedup >= 2 else 'MISSED'}** ({speedup:.2f}x)",
        f"int8 accuracy within 0.5 points: **{'met' if drop <= 0.5 else 'MISSED'}** "
        f"({drop:.2f} points)",
        f"int8 answer independent of its batch (within 1e-4): "
        f"**{'met' if moved[int8] <= 1e-4 else 'MISSED'}** ({moved[int8]:.1e})",
    ]
    return (
        f"### Batch prediction (`predict_file`, batch 32) over the SMS dev set ({rows_n} texts)"
        "\n\n" + "\n".join(table) + "\n\n" + "\n".join(f"- {v}" for v in verdicts)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, help="A trained classify run directory (SMS spam).")
    parser.add_argument("--dev", type=Path, help="The SMS spam dev file (TSV).")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--time-limit", type=float, default=150.0, help="Seconds per server.")
    parser.add_argument(
        "--threads", type=int, nargs="+", default=[1, 2], help="torch thread counts to compare."
    )
    parser.add_argument("--rounds", type=int, default=3, help="Batch-prediction rounds.")
    parser.add_argument("--probes", type=int, default=100, help="Texts checked alone vs batched.")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument(
        "--no-write", action="store_true", help="Print the tables; leave docs/benchmarks.md."
    )
    parser.add_argument("--skip-backends", action="store_true")
    parser.add_argument("--serve-reference", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=8000, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_reference:
        serve_reference(args.serve_reference, args.port, args.threads[0])
        return
    if args.run is None or args.dev is None:
        parser.error("--run and --dev are required")
    from report import machine_line, write_section

    texts = [row.text for row in iter_rows(args.dev, require_labels=False)]
    model = f"`{args.run.name}` (all-MiniLM-L6-v2 fine-tuned on SMS spam)"
    parts = [
        f"## Serving (`axonlab serve`, `predict_file`, `--backend onnx`)\n\nModel: {model}; "
        f"{machine_line()}; the load generator runs on the same cores.\n"
    ]
    if not args.skip_http:
        parts.extend(http_section(args, texts, threads) for threads in args.threads)
    if not args.skip_backends:
        parts.append(backend_section(args))
    body = "\n\n".join(parts)
    print(body)
    if not args.no_write:
        write_section("serve", body)


if __name__ == "__main__":
    main()
