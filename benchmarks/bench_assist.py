"""The customer-service assistant's parts, measured against live anchors in one invocation.

- intents on all of BANKING77 (10% of train held out as dev), test accuracy;
- 10-shot BANKING77 (3 seeds): ``--few-shot`` (each loss in ``--few-shot-losses``) against
  SetFit run live on the same backbone and the same examples, accuracy and training time;
- zero-shot BANKING77 from the intents' names;
- BANKING77-OOS: in-scope accuracy, out-of-scope recall at the default threshold (set on dev
  with its in-domain out-of-scope questions), AUROC of in-scope test questions against the
  in-domain out-of-scope test questions and against the out-of-domain dev questions, for each
  scoring method;
- embeddings: texts/s of axonlab (torch, ONNX fp32, ONNX int8) against sentence-transformers'
  ``encode()`` on the same model and texts; int8 vs fp32 top-10 neighbour overlap;
- the index: texts embedded by ``add`` of 1,000 new and 1,000 known texts to a 100k index; HNSW
  recall@10 against exact search; served query latency (p50, p95).

Every run is a child process (its peak memory its own); the anchors run in ``--anchors-python``,
an environment with setfit and sentence-transformers. One JSON line per run goes to ``--log``.

    python benchmarks/bench_assist.py --data ../shared/data \
        --anchors-python ../anchors-venv/bin/python
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
THREADS = 2
SEEDS = (1, 2, 3)

from axonlab.text.defaults import FEW_SHOT_LOSS, FEW_SHOT_LOSSES  # noqa: E402 (light: no torch)


def _rows(path: Path) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return [(r[0], r[1]) for r in list(csv.reader(handle, delimiter="\t"))[1:]]


def _write(path: Path, rows: list[tuple[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["label", "text"])
        writer.writerows(rows)
    return path


def _lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def prepare(data: Path, tmp: Path, shots: int) -> dict[str, Path]:
    """The files every part reads, derived from ``data/intent`` with fixed seeds."""
    bank = data / "intent" / "banking77"
    train = _rows(bank / "train.tsv")
    random.Random(0).shuffle(train)
    held = len(train) // 10
    files = {
        "train": _write(tmp / "train.tsv", train[held:]),
        "dev": _write(tmp / "dev.tsv", train[:held]),
        "test": bank / "test.tsv",
    }
    for seed in SEEDS:
        by_label: dict[str, list[tuple[str, str]]] = {}
        for row in train[held:]:
            by_label.setdefault(row[0], []).append(row)
        rng = random.Random(seed)
        sample = [row for rows in by_label.values() for row in rng.sample(rows, shots)]
        files[f"few-{seed}"] = _write(tmp / f"few-{seed}.tsv", sample)
    labels = sorted({label for label, _ in train})
    files["names"] = _write(tmp / "names.tsv", [(x, x.replace("_", " ")) for x in labels])
    oos = data / "intent" / "banking77-oos"
    oos_rows = lambda name: [("oos", t) for t in _lines(oos / name)]  # noqa: E731
    files["oos-train"] = oos / "train.tsv"
    files["oos-dev"] = _write(
        tmp / "oos-dev.tsv", _rows(oos / "dev.tsv") + oos_rows("dev_id_oos.txt")
    )
    in_scope_test = _rows(oos / "test.tsv")
    files["oos-test-id"] = _write(
        tmp / "oos-test-id.tsv", in_scope_test + oos_rows("test_id_oos.txt")
    )
    files["oos-test-ood"] = _write(
        tmp / "oos-test-ood.tsv", in_scope_test + oos_rows("dev_ood_oos.txt")
    )
    return files


def child(spec: dict) -> None:
    import torch

    torch.set_num_threads(THREADS)
    result = {"train": _train, "embed": _embed, "index": _index}[spec["kind"]](spec)
    result["peak_rss_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(json.dumps(result))


def _train(spec: dict) -> dict:
    from axonlab import text

    model = text.finetune(
        "intent", train=spec["train"], dev=spec["dev"], out=spec["out"], **spec["options"]
    )
    keys = ("accuracy", "intent_accuracy", "in_scope_accuracy", "oos_recall", "oos_precision")
    scores = {}
    for name, path in spec["score"].items():
        metrics = model.evaluate(path).metrics
        scores[name] = {k: metrics[k] for k in keys if metrics.get(k) is not None}
        scores[name]["auroc_by_method"] = metrics["auroc_by_method"]
    training = model.run_metrics()["training"]
    return {"scores": scores, "train_seconds": training["train_seconds"]}


def _encoder(backend: str):
    from axonlab.text.embeddings.encoder import SentenceEncoder

    encoder = SentenceEncoder("all-minilm-l6-v2")
    if backend != "torch":
        from axonlab.text.predict.onnx import use_onnx_encoder

        use_onnx_encoder(encoder, quantize=backend == "onnx-int8")
    return encoder


def _embed(spec: dict) -> dict:
    import numpy as np

    texts = json.loads(Path(spec["texts"]).read_text(encoding="utf-8"))
    encoder = _encoder(spec["backend"])
    encoder.encode(texts[:64])  # warm-up
    start = time.perf_counter()
    vectors = encoder.encode(texts, batch_size=64)
    seconds = time.perf_counter() - start
    np.save(spec["vectors"], vectors)
    return {"texts_per_second": len(texts) / seconds, "seconds": seconds}


def _index(spec: dict) -> dict:
    import numpy as np

    from axonlab.text.embeddings.search_index import SearchIndex

    texts = json.loads(Path(spec["texts"]).read_text(encoding="utf-8"))
    bank, extra = texts[: spec["size"]], texts[spec["size"] : spec["size"] + 1000]
    encoder = _encoder("torch")
    start = time.perf_counter()
    index = SearchIndex.build(spec["folder"], bank, encoder=encoder)
    build_seconds = time.perf_counter() - start
    embedded: list[int] = []
    encode = encoder.encode
    encoder.encode = lambda batch, **kw: embedded.append(len(batch)) or encode(batch, **kw)
    start = time.perf_counter()
    known = bank[:1000]  # ids are row numbers: these are already in the index, unchanged
    ids = [*map(str, range(len(known))), *(f"x{i}" for i in range(len(extra)))]
    counts = index.add([*known, *extra], ids)
    add_seconds = time.perf_counter() - start
    add_embedded = sum(embedded)  # counted now: the searches below embed their queries too
    queries = texts[-200:]
    recall = [
        len({h["id"] for h in a} & {h["id"] for h in e}) / 10
        for a, e in zip(
            index.search(queries, 10), index.search(queries, 10, exact=True), strict=True
        )
    ]
    latencies = _served_latencies(Path(spec["folder"]), queries)
    return {
        "items": len(index),
        "build_seconds": build_seconds,
        "add": counts,
        "add_embedded_texts": add_embedded,
        "add_seconds": add_seconds,
        "hnsw_recall_at_10": float(np.mean(recall)),
        "served_p50_ms": 1000 * statistics.median(latencies),
        "served_p95_ms": 1000 * sorted(latencies)[int(0.95 * len(latencies))],
    }


def _served_latencies(folder: Path, queries: list[str]) -> list[float]:
    """Seconds per sequential search request to a real server (uvicorn, loopback)."""
    import threading

    import httpx
    import uvicorn

    from axonlab.serve import Settings, create_app

    app = create_app(Settings(index_dirs=[folder], threads=THREADS), models={})
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1/indexes/{folder.name}/search"
    latencies = []
    with httpx.Client(timeout=30) as client:
        for i, query in enumerate([*queries[:20], *queries]):
            start = time.perf_counter()
            client.post(url, json={"inputs": query, "k": 5}).raise_for_status()
            if i >= 20:  # the first 20 warm up
                latencies.append(time.perf_counter() - start)
    server.should_exit = True
    thread.join(timeout=10)
    return latencies


def run(spec: dict, python: str = sys.executable, anchor: str | None = None) -> dict:
    command = (
        [python, str(HERE / "assist_anchors.py"), anchor]
        if anchor
        else [python, __file__, "--child"]
    )
    proc = subprocess.run([*command, json.dumps(spec)], capture_output=True, text=True)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(args: argparse.Namespace, files: dict[str, Path], tmp: Path, log) -> None:
    """Every part asked for, one JSON line per run into ``log``."""
    from axonlab.text.backbones.resolve import default_backbone

    def record(part: str, name: str, result: dict) -> None:
        line = {"part": part, "name": name, **result}
        print(json.dumps(line), file=sys.stderr, flush=True)
        log.write(json.dumps(line) + "\n")
        log.flush()

    def train(name: str, train_file: Path, dev: Path, score: dict, **options) -> dict:
        spec = {"kind": "train", "train": str(train_file), "dev": str(dev), "out": str(tmp / name)}
        spec |= {"score": {k: str(v) for k, v in score.items()}, "options": options}
        return run(spec)

    options = {"threads": THREADS, "epochs": args.epochs, "learning_rate": args.lr}
    if "full" in args.parts:
        result = train("full", files["train"], files["dev"], {"test": files["test"]}, **options)
        record("full", "axonlab intent", result)
    if "few-shot" in args.parts:
        for seed in args.seeds:
            for loss in args.few_shot_losses:
                result = train(
                    f"few-{seed}-{loss}",
                    files[f"few-{seed}"],
                    files["dev"],
                    {"test": files["test"]},
                    few_shot=True,
                    few_shot_loss=loss,
                    seed=seed,
                    threads=THREADS,
                )
                record("few-shot", f"axonlab --few-shot seed {seed} ({loss} loss)", result)
        setfit_seeds = args.seeds if args.setfit_seeds is None else args.setfit_seeds
        for seed in [] if args.skip_setfit else setfit_seeds:
            spec = {"train": str(files[f"few-{seed}"]), "test": str(files["test"]), "seed": seed}
            spec["backbone"] = default_backbone()
            record("few-shot", f"setfit seed {seed}", run(spec, args.anchors_python, "setfit"))
    if "zero-shot" in args.parts:
        result = train(
            "zero", files["names"], files["dev"], {"test": files["test"]}, zero_shot=True
        )
        record("zero-shot", "axonlab --zero-shot (intent names)", result)
    if "oos" in args.parts:
        # One model: every method's AUROC is scored on its features (``auroc_by_method``); the
        # threshold, and so recall and in-scope accuracy, are the default method's.
        result = train(
            "oos",
            files["oos-train"],
            files["oos-dev"],
            {"in-domain": files["oos-test-id"], "out-of-domain": files["oos-test-ood"]},
            **options,
        )
        record("oos", "axonlab intent (mahalanobis threshold)", result)
    texts = tmp / "texts.json"
    pool = [t for p in sorted((args.data / "intent").glob("*/*.tsv")) for _, t in _rows(p)]
    pool += [t for _, t in _rows(args.data / "classify" / "sst2" / "train.tsv")]
    random.Random(0).shuffle(pool)
    if "embeddings" in args.parts:
        texts.write_text(json.dumps(pool[: args.embed_texts]), encoding="utf-8")
        for backend in ("torch", "onnx", "onnx-int8"):
            spec = {"kind": "embed", "backend": backend, "texts": str(texts)}
            spec["vectors"] = str(tmp / f"{backend}.npy")
            record("embeddings", f"axonlab {backend}", run(spec))
        spec = {"texts": str(texts), "backbone": default_backbone(), "threads": THREADS}
        record(
            "embeddings", "sentence-transformers encode()", run(spec, args.anchors_python, "encode")
        )
        record("embeddings", "int8 vs fp32", _overlap(tmp / "torch.npy", tmp / "onnx-int8.npy"))
    if "index" in args.parts:
        texts.write_text(json.dumps(pool), encoding="utf-8")
        spec = {"kind": "index", "texts": str(texts), "folder": str(tmp / "index")}
        record(
            "index", "axonlab index", run({**spec, "size": min(args.index_size, len(pool) - 1200)})
        )


def _overlap(fp32: Path, int8: Path) -> dict:
    """Mean share of each text's 10 nearest neighbours (by fp32) that int8 finds too."""
    import numpy as np

    from bench_embed import neighbour_overlap

    a, b = np.load(fp32), np.load(int8)
    cosine = (a * b).sum(axis=1)
    return {"top10_overlap": neighbour_overlap(a, b), "cosine_min": float(cosine.min())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument(
        "--anchors-python", default=str(HERE.parent.parent / "anchors-venv/bin/python")
    )
    parser.add_argument(
        "--parts",
        nargs="*",
        default=["full", "few-shot", "zero-shot", "oos", "embeddings", "index"],
    )
    parser.add_argument("--epochs", type=float, default=6.0)
    parser.add_argument("--lr", type=float, default=2e-4, help="intents on all data")
    parser.add_argument(
        "--few-shot-losses", nargs="*", default=[FEW_SHOT_LOSS], choices=FEW_SHOT_LOSSES
    )
    parser.add_argument("--shots", type=int, default=10)
    parser.add_argument("--seeds", type=int, nargs="*", default=list(SEEDS), choices=SEEDS)
    parser.add_argument("--skip-setfit", action="store_true", help="few-shot: axonlab only")
    parser.add_argument(
        "--setfit-seeds", type=int, nargs="*", choices=SEEDS, help="default: --seeds"
    )
    parser.add_argument("--embed-texts", type=int, default=5000)
    parser.add_argument("--index-size", type=int, default=100_000)
    parser.add_argument("--log", type=Path, default=Path("bench-assist.jsonl"))
    parser.add_argument("--replay", action="store_true", help="tables from --log, no runs")
    parser.add_argument("--note", default="", help="a paragraph under the tables")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(json.loads(args.child))
        return
    if not args.replay:
        with tempfile.TemporaryDirectory(prefix="bench-assist-") as tmp, open(args.log, "a") as log:
            measure(args, prepare(args.data, Path(tmp), args.shots), Path(tmp), log)
    from report import read_log, write_section

    records = read_log(args.log)
    write_section("assist", tables(records) + ("\n" + args.note + "\n" if args.note else ""))


def tables(records: list[dict]) -> str:
    """Tables of the key figures per part."""
    lines = ["## Customer-service assistant (`bench_assist.py`)", ""]

    def f(x) -> str:
        return "-" if x is None else f"{x:.3f}"

    for part in ("full", "few-shot", "zero-shot", "oos", "embeddings", "index"):
        rows = [r for r in records if r["part"] == part]
        if not rows:
            continue
        lines += [f"### {part}", ""]
        if part in ("full", "few-shot", "zero-shot"):
            lines += [
                "| run | test intent accuracy (argmax) | test accuracy (out-of-scope "
                "threshold applied) | train s | peak GiB |",
                "|---|---|---|---|---|",
            ]
            for r in rows:
                if "error" in r:
                    lines.append(f"| {r['name']} | error: {r['error']} | | | |")
                    continue
                t = r.get("scores", {}).get("test")
                if t is None:  # an anchor: argmax accuracy, no out-of-scope threshold
                    t = {"intent_accuracy": r.get("accuracy")}
                lines.append(
                    f"| {r['name']} | {f(t.get('intent_accuracy'))} | "
                    f"{f(t.get('accuracy'))} | {r.get('train_seconds', 0):.0f} | "
                    f"{r.get('peak_rss_gib', 0):.2f} |"
                )
            lines += _seed_means(rows) if part == "few-shot" else []
        elif part == "oos":
            lines += [
                "| run | test set | in-scope accuracy | oos recall | oos precision | "
                "AUROC mahalanobis | AUROC knn | AUROC msp |",
                "|---|---|---|---|---|---|---|---|",
            ]
            for r in rows:
                for name, t in r.get("scores", {}).items():
                    a = t["auroc_by_method"]
                    lines.append(
                        f"| {r['name']} | {name} | {f(t.get('in_scope_accuracy'))} | "
                        f"{f(t.get('oos_recall'))} | {f(t.get('oos_precision'))} | "
                        f"{f(a['mahalanobis'])} | {f(a['knn'])} | {f(a['msp'])} |"
                    )
        elif part == "embeddings":
            lines += _embedding_rows(rows)
        else:
            lines += _index_rows(rows)
        lines.append("")
    return "\n".join(lines)


def _seed_means(rows: list[dict]) -> list[str]:
    """A mean row for each few-shot run measured on more than one seed (latest run per seed)."""
    import re

    by_run: dict[str, dict[str, dict]] = {}
    for r in rows:
        if "error" not in r and (m := re.search(r" seed (\d+)", r["name"])):
            by_run.setdefault(r["name"].replace(m.group(0), ""), {})[m.group(1)] = r
    lines = []
    for run, seeds in by_run.items():
        if len(seeds) < 2:
            continue
        tests = [r.get("scores", {}).get("test", r) for r in seeds.values()]
        accuracy = statistics.mean(t.get("intent_accuracy", t.get("accuracy", 0)) for t in tests)
        seconds = statistics.mean(r.get("train_seconds", 0) for r in seeds.values())
        lines.append(
            f"| **{run}, mean of seeds {', '.join(sorted(seeds))}** | **{accuracy:.3f}** | | "
            f"{seconds:.0f} | |"
        )
    return lines


def _embedding_rows(rows: list[dict]) -> list[str]:
    speed = [r for r in rows if "texts_per_second" in r]
    anchor = next((r for r in speed if "sentence-transformers" in r["name"]), None)
    lines = ["| run | texts/s | vs sentence-transformers | peak GiB |", "|---|---|---|---|"]
    for r in speed:
        ratio = f"{r['texts_per_second'] / anchor['texts_per_second']:.2f}x" if anchor else ""
        lines.append(
            f"| {r['name']} | {r['texts_per_second']:.0f} | {ratio} | {r['peak_rss_gib']:.2f} |"
        )
    for r in rows:
        if "top10_overlap" in r:
            lines += [
                "",
                f"int8 vs fp32: top-10 neighbour overlap {r['top10_overlap']:.3f}, "
                f"lowest cosine {r['cosine_min']:.4f} (target overlap >= 0.99).",
            ]
    return lines


def _index_rows(rows: list[dict]) -> list[str]:
    lines = [
        "| run | items | build s | add: new / unchanged | texts embedded by add | add s | "
        "HNSW recall@10 | served p50 / p95 ms | peak GiB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['name']} | {r['items']} | {r['build_seconds']:.0f} | {r['add']['added']} / "
            f"{r['add']['unchanged']} | {r['add_embedded_texts']} | {r['add_seconds']:.1f} | "
            f"{r['hnsw_recall_at_10']:.3f} | {r['served_p50_ms']:.1f} / "
            f"{r['served_p95_ms']:.1f} | {r['peak_rss_gib']:.2f} |"
        )
    return lines


if __name__ == "__main__":
    main()
