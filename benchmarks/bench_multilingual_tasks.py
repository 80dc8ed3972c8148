"""Chinese tasks on the multilingual backbone, with all-MiniLM-L6-v2 beside it in the same run.

Each training run is a child process (``text.finetune`` with the defaults of ``axonlab text
train``, 2 threads), so its peak memory is its own; the parent logs one JSON line per run to
``--log`` as it goes (an interrupted invocation keeps what it measured; ``--replay`` rebuilds the
table from the log) and writes the ``multilingual-tasks`` section of docs/benchmarks.md.

Runs, in order:

- every data set with ``multilingual-e5-small`` (its embedding table frozen, the default for a
  250k-piece vocabulary), then with ``all-minilm-l6-v2``, same epochs;
- ``--embeddings``: one data set again with the embedding table trained too, for speed, memory
  and score at equal epochs;
- ``--lora``: one data set with LoRA adapters on the multilingual backbone.

Scores: accuracy / macro-F1 for classification, entity-level micro-F1 (seqeval's default mode,
characters as tokens) for NER, on the split the issue names (test where labels are public).

    python benchmarks/bench_multilingual.py --part tasks --data ../shared/data
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
THREADS = 2
E5, MINILM = "multilingual-e5-small", "all-minilm-l6-v2"

# name: task, files under --data, the split scored, target, epochs and training subset (random
# sentences, seed 7) sized to the CPU time at hand: about 10-20 minutes a run on 2 cores
DATASETS = {
    "chnsenticorp": dict(
        task="classify", folder="zh/chnsenticorp", ext="tsv", score="test", target=0.92, epochs=2
    ),
    "tnews": dict(
        task="classify", folder="zh/tnews", ext="tsv", score="dev", target=0.53, epochs=3
    ),
    "msra-ner": dict(
        task="ner",
        folder="zh/msra-ner",
        ext="conll",
        score="test",
        target=0.90,
        epochs=1,
    ),
    "cluener": dict(
        task="ner", folder="zh/cluener", ext="conll", score="dev", target=0.75, epochs=2
    ),
    "cic-zh": dict(task="classify", folder="intent/cic-zh", ext="tsv", score="test", epochs=2),
    "finfe-zh": dict(task="classify", folder="finance/finfe-zh", ext="tsv", score="dev", epochs=1),
}
HEADLINE = {"classify": "accuracy", "ner": "micro_f1"}


def child(spec: dict) -> None:
    """One training run, then the score; prints one JSON object."""
    import torch

    from axonlab import text

    torch.set_num_threads(THREADS)
    options = dict(spec["options"])
    epochs = options.pop("epochs", spec["epochs"])
    if options.pop("lora", False):
        options["lora"] = text.LoraSettings()
    start = time.perf_counter()
    model = text.finetune(
        spec["task"],
        train=spec["train"],
        dev=spec["dev"],
        out=spec["out"],
        backbone=spec["backbone"],
        epochs=epochs,
        threads=THREADS,
        **options,
    )
    wall = time.perf_counter() - start
    scored = {split: model.evaluate(path).metrics for split, path in spec["score_files"].items()}
    training = model.run_metrics()["training"]
    result = {
        "wall_seconds": wall,
        "train_seconds": training["train_seconds"] - training["eval_seconds"],
        "train_examples_per_second": training["train_examples_per_second"],
        "trainable_parameters": training["trainable_parameters"],
        "total_parameters": training["total_parameters"],
        "peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
        "scores": {
            split: {k: v for k, v in m.items() if k in ("accuracy", "macro_f1", "micro_f1")}
            for split, m in scored.items()
        },
    }
    print(json.dumps(result))


def run(name: str, backbone: str, variant: str, data: Path, tmp: Path, options: dict) -> dict:
    spec = DATASETS[name]
    folder, ext = data / spec["folder"], spec["ext"]
    score_files = {spec["score"]: str(folder / f"{spec['score']}.{ext}")}
    if spec["score"] == "dev" and (folder / f"test.{ext}").exists():
        score_files["test"] = str(folder / f"test.{ext}")
    train = folder / f"train.{ext}"
    if spec.get("limit"):
        train = subset(train, tmp / f"{name}-train-{spec['limit']}.{ext}", spec["limit"])
    job = {
        "task": spec["task"],
        "train": str(train),
        "dev": str(folder / f"dev.{ext}"),
        "out": str(tmp / f"{name}-{backbone}-{variant}"),
        "backbone": backbone,
        "epochs": spec["epochs"],
        "options": options,
        "score_files": score_files,
    }
    proc = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(job)],
        capture_output=True,
        text=True,
    )
    epochs = options.get("epochs", spec["epochs"])
    record = {"dataset": name, "backbone": backbone, "variant": variant, "epochs": epochs}
    record["train_examples"] = spec.get("limit") or "all"
    if proc.returncode != 0:
        return {**record, "error": proc.stderr.strip().splitlines()[-1:]}
    return {**record, **json.loads(proc.stdout.strip().splitlines()[-1])}


def subset(source: Path, target: Path, limit: int, seed: int = 7) -> Path:
    """``limit`` random examples of ``source`` (rows of a table, sentences of a CoNLL file)."""
    text = source.read_text(encoding="utf-8")
    if source.suffix == ".conll":
        head, items, sep = "", [b for b in text.split("\n\n") if b.strip()], "\n\n"
    else:
        lines = text.splitlines()
        head, items, sep = lines[0] + "\n", lines[1:], "\n"
    chosen = sorted(random.Random(seed).sample(range(len(items)), min(limit, len(items))))
    target.write_text(head + sep.join(items[i].strip("\n") for i in chosen) + "\n", "utf-8")
    return target


def plan(args: argparse.Namespace) -> list[tuple[str, str, str, dict]]:
    """e5 on every data set, then MiniLM on the ones with a target, the two variants, then
    MiniLM on the rest (the order of importance, should the CPU time run out)."""
    names = args.only or list(DATASETS)
    targeted = [n for n in names if "target" in DATASETS[n]]
    jobs = [] if args.tuned_only else [(name, E5, "default", {}) for name in names]
    if not args.skip_minilm and not args.tuned_only:
        jobs += [(name, MINILM, "default", {}) for name in targeted]
    if args.embeddings:
        jobs.append((args.embeddings, E5, "embeddings trained", {"freeze_embeddings": False}))
    if args.lora:
        jobs.append((args.lora, E5, "LoRA", {"lora": True}))
    if args.tuned:
        lr, epochs = float(args.tuned[0]), int(args.tuned[1])
        variant, options = f"lr {lr:g}, {epochs} epochs", {"learning_rate": lr, "epochs": epochs}
        if args.max_length:
            variant += f", windows of {args.max_length}"
            options["max_length"] = args.max_length
        jobs += [(name, E5, variant, options) for name in names]
    if not args.skip_minilm and not args.tuned_only:
        jobs += [(name, MINILM, "default", {}) for name in names if name not in targeted]
    if args.tag:  # what changed in the code since the log's earlier rows of the same variant
        jobs = [(name, b, f"{variant}, {args.tag}", options) for name, b, variant, options in jobs]
    return jobs


def _score(record: dict) -> str:
    if "error" in record:
        return "failed: " + " ".join(record["error"])
    split = DATASETS[record["dataset"]]["score"]
    metric = HEADLINE[DATASETS[record["dataset"]]["task"]]
    return f"{record['scores'][split][metric]:.4f}"


def table(records: list[dict]) -> str:
    lines = [
        "## Multilingual tasks: Chinese data sets on multilingual-e5-small, MiniLM beside it",
        "",
        "Each data set trained with `axonlab text train`'s defaults (lr 1e-4, batch 32, "
        "classification windows of 128 sub-tokens, NER windows of 512), 2 threads, the epochs "
        "given; the best epoch by dev macro-F1 (classify) or micro-F1 (ner). Score: accuracy "
        "(classify) or entity micro-F1 (ner) on the split named. Throughput: training examples "
        "(windows for classification, sentences for NER) per second, evaluation excluded. "
        "Scores stand; timings do not compare across rows when the runs shared the 2 cores "
        "with other work (the note under the table says where it is known).",
        "",
        "| data set | split | backbone | variant | epochs x training set | score | target | met "
        "| macro-F1 | test (when dev is the headline) | train minutes | examples/s | peak RSS GiB "
        "| trainable / total params |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        spec = DATASETS[r["dataset"]]
        target = spec.get("target")
        ok = "error" not in r
        split = spec["score"]
        headline = r["scores"][split][HEADLINE[spec["task"]]] if ok else None
        met = (
            ""
            if target is None or r["backbone"] != E5
            else ("yes" if ok and headline >= target else "no")
        )
        macro = (
            f"{r['scores'][split]['macro_f1']:.4f}"
            if ok and "macro_f1" in r["scores"][split]
            else ""
        )
        test = r["scores"].get("test") if ok and split == "dev" else None
        test_cell = ", ".join(f"{k} {v:.4f}" for k, v in test.items()) if test else ""
        figures = (
            f"{r['train_seconds'] / 60:.1f} | {r['train_examples_per_second']:.1f} | "
            f"{r['peak_rss_gib']:.2f} | {r['trainable_parameters'] / 1e6:.1f}M / "
            f"{r['total_parameters'] / 1e6:.1f}M"
            if ok
            else " | | | "
        )
        lines.append(
            f"| {r['dataset']} | {split} | {r['backbone']} | {r['variant']} | "
            f"{r['epochs']:g} x {r.get('train_examples', 'all')} | "
            f"{_score(r)} | {'' if target is None else f'>= {target}'} | {met} | {macro} | "
            f"{test_cell} | {figures} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--only", nargs="*", choices=list(DATASETS), help="data sets to run")
    parser.add_argument("--skip-minilm", action="store_true")
    parser.add_argument("--embeddings", choices=list(DATASETS), help="also train the table")
    parser.add_argument("--lora", choices=list(DATASETS), help="also LoRA on this data set")
    parser.add_argument(
        "--tuned", nargs=2, metavar=("LR", "EPOCHS"), help="also e5 at this lr and epochs"
    )
    parser.add_argument("--tuned-only", action="store_true", help="only the --tuned runs")
    parser.add_argument("--max-length", type=int, help="--tuned runs: window in sub-tokens")
    parser.add_argument(
        "--tag", help="appended to each run's variant (a code change since earlier rows)"
    )
    parser.add_argument("--log", type=Path, default=Path("bench-multilingual-tasks.jsonl"))
    parser.add_argument("--replay", action="store_true", help="table from --log, no training")
    parser.add_argument("--note", default="", help="a paragraph printed under the table")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(json.loads(args.child))
        return
    from report import read_log, write_section

    done = set()
    if args.log.exists():
        for line in args.log.read_text().splitlines():
            r = json.loads(line)
            if "error" not in r:
                done.add((r["dataset"], r["backbone"], r["variant"], r.get("train_examples")))
    if not args.replay:
        with tempfile.TemporaryDirectory(prefix="bench-ml-") as tmp:
            for name, backbone, variant, options in plan(args):
                size = DATASETS[name].get("limit") or "all"
                if (name, backbone, variant, size) in done:  # measured by an earlier invocation
                    continue
                print(f"{name} / {backbone} / {variant} ...", file=sys.stderr, flush=True)
                record = run(name, backbone, variant, args.data, Path(tmp), options)
                print(json.dumps(record), file=sys.stderr, flush=True)
                with open(args.log, "a") as log:
                    log.write(json.dumps(record) + "\n")
    records = read_log(args.log)
    order = {job[:3]: i for i, job in enumerate(plan(args))}
    records.sort(key=lambda r: order.get((r["dataset"], r["backbone"], r["variant"]), len(order)))
    write_section("multilingual-tasks", table(records) + ("\n\n" + args.note if args.note else ""))


if __name__ == "__main__":
    main()
