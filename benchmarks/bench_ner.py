"""NER benchmark: axonlab vs a run_ner.py-style Trainer script, same backbone, same epochs.

Both run in one invocation, each in its own child process pinned to the same thread count:

- ``reference``: what transformers' ``run_ner.py`` does by default — truncation at the model
  maximum, first-sub-token labels (others -100), dynamic padding, random batches of 32, lr 5e-5,
  linear decay, no evaluation during training, seqeval on the test split. Its score is given two
  ways: as run_ner.py reports it (words it truncated or could not tokenise are left out of the
  score) and over every word (those words counted as predicted ``O``).
- ``axonlab``: ``axonlab.text.finetune("ner", ...)`` with its defaults (length-grouped batches,
  windowing instead of truncation, best epoch by dev micro-F1), scored on every test word.

Throughput is training sentences per second, evaluation excluded. Subset sizes and epochs are
flags so the run fits the CPU time at hand; the table says which were used.

    python benchmarks/bench_ner.py --data ../shared/data/ner --epochs wikiann-en=1 wnut17=5
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

THREADS = 2
REPO = Path(__file__).resolve().parent.parent


def reference_train(spec: dict) -> dict:
    """Fine-tune and score the way run_ner.py does by default."""
    import numpy as np
    import torch
    from transformers import (
        AutoModelForTokenClassification,
        AutoTokenizer,
        DataCollatorForTokenClassification,
        Trainer,
        TrainingArguments,
    )

    from axonlab.text.backbones.resolve import default_backbone
    from axonlab.text.data.conll import read_ner
    from axonlab.text.data.tags import label_list
    from axonlab.text.tasks.ner_metrics import entity_scores

    torch.set_num_threads(THREADS)
    backbone = default_backbone()
    tokenizer = AutoTokenizer.from_pretrained(backbone)
    train, test = read_ner(spec["train"]), read_ner(spec["test"])
    labels = label_list([s.tags for s in train])
    label2id = {label: i for i, label in enumerate(labels)}

    def dataset(sentences):  # run_ner.py's tokenize_and_align_labels, label_all_tokens=False
        enc = tokenizer([s.tokens for s in sentences], truncation=True, is_split_into_words=True)
        rows = []
        for i, s in enumerate(sentences):
            word_ids, previous, row = enc.word_ids(i), None, []
            for w in word_ids:
                row.append(-100 if w is None or w == previous else label2id[s.tags[w]])
                previous = w
            rows.append({"input_ids": enc["input_ids"][i], "labels": row, "word_ids": word_ids})
        return rows

    train_rows, test_rows = dataset(train), dataset(test)
    model = AutoModelForTokenClassification.from_pretrained(
        backbone, num_labels=len(labels), id2label=dict(enumerate(labels)), label2id=label2id
    )
    strip = [{k: r[k] for k in ("input_ids", "labels")} for r in train_rows]
    with tempfile.TemporaryDirectory() as tmp:
        args = TrainingArguments(
            output_dir=tmp,
            per_device_train_batch_size=32,
            per_device_eval_batch_size=32,
            learning_rate=5e-5,
            num_train_epochs=spec["epochs"],
            save_strategy="no",
            report_to="none",
            use_cpu=True,
            seed=42,
            disable_tqdm=True,
            logging_strategy="no",
        )
        trainer = Trainer(
            model=model,
            args=args,
            train_dataset=strip,
            data_collator=DataCollatorForTokenClassification(tokenizer),
            processing_class=tokenizer,
        )
        output = trainer.train()
        started = time.perf_counter()
        logits = trainer.predict([{k: r[k] for k in ("input_ids", "labels")} for r in test_rows])
        eval_seconds = time.perf_counter() - started
    predicted_ids = np.argmax(logits.predictions, axis=-1)
    kept_gold, kept_pred, all_pred = [], [], []
    for row, ids, sentence in zip(test_rows, predicted_ids, test, strict=True):
        mask = [label != -100 for label in row["labels"]]
        kept_gold.append([labels[i] for i, m in zip(row["labels"], mask, strict=True) if m])
        kept_pred.append([labels[i] for i, m in zip(ids, mask, strict=False) if m])
        words = ["O"] * len(sentence)  # words the reference never predicts count as O
        for position, w in enumerate(row["word_ids"]):
            if w is not None and row["labels"][position] != -100:
                words[w] = labels[int(ids[position])]
        all_pred.append(words)
    as_reported = entity_scores(kept_gold, kept_pred)
    every_word = entity_scores([s.tags for s in test], all_pred)
    return {
        "train_seconds": output.metrics["train_runtime"],
        "sentences_per_second": len(train) * spec["epochs"] / output.metrics["train_runtime"],
        "test_f1_reported": as_reported["micro_f1"],
        "test_f1": every_word["micro_f1"],
        "dropped_words": sum(len(s) for s in test) - sum(len(g) for g in kept_gold),
        "eval_seconds": eval_seconds,
    }


def axonlab_train(spec: dict) -> dict:
    """Fine-tune with axonlab's defaults and score every test word."""
    import torch
    import transformers

    from axonlab import text

    transformers.utils.logging.set_verbosity_error()
    torch.set_num_threads(THREADS)
    with tempfile.TemporaryDirectory() as tmp:
        model = text.finetune(
            "ner",
            train=spec["train"],
            dev=spec["dev"],
            out=Path(tmp) / "run",
            epochs=spec["epochs"],
            threads=THREADS,
            **spec.get("options", {}),
        )
        training = model.run_metrics()["training"]
        started = time.perf_counter()
        report = model.evaluate(spec["test"])
        eval_seconds = time.perf_counter() - started
    seconds = training["train_seconds"] - training["eval_seconds"]
    n_train = sum(1 for _ in _sentences(Path(spec["train"])))
    return {
        "train_seconds": seconds,
        "dev_eval_seconds": training["eval_seconds"],
        "sentences_per_second": n_train * spec["epochs"] / seconds,
        "test_f1": report.metrics["micro_f1"],
        "test_strict_f1": report.metrics["strict"]["micro_f1"],
        "test_macro_f1": report.metrics["macro_f1"],
        "eval_seconds": eval_seconds,
    }


def _sentences(path: Path) -> list[str]:
    """Sentence blocks of a CoNLL file, as raw text (so subsets keep the file's own format)."""
    blocks, current = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            current.append(line)
        elif current:
            blocks.append("\n".join(current))
            current = []
    if current:
        blocks.append("\n".join(current))
    return blocks


def subset(source: Path, target: Path, limit: int | None, seed: int = 7) -> int:
    """Write a random subset of ``limit`` sentences (all when ``None``); returns the count."""
    blocks = _sentences(source)
    if limit and limit < len(blocks):
        blocks = random.Random(seed).sample(blocks, limit)
    target.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    return len(blocks)


def run_child(kind: str, spec: dict) -> dict:
    """Run one configuration in a fresh interpreter; returns its JSON result."""
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps({"kind": kind, **spec})],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    if out.returncode != 0:
        sys.stderr.write(out.stderr[-4000:])
        raise SystemExit(f"{kind} run failed")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = time.perf_counter() - started
    return result


def bench_dataset(name: str, folder: Path, args: argparse.Namespace, tmp: Path) -> dict:
    files, sizes = {}, {}
    limits = {"train": args.train_limit, "dev": args.dev_limit, "test": args.test_limit}
    for split, limit in limits.items():
        files[split] = tmp / f"{name}-{split}.conll"
        sizes[split] = subset(folder / f"{split}.conll", files[split], limit)
    spec = {k: str(v) for k, v in files.items()} | {"epochs": args.epochs[name]}
    if args.lr:
        spec["options"] = {"learning_rate": args.lr}
    print(f"[{name}] sizes {sizes}, epochs {spec['epochs']}", flush=True)
    results = {"sizes": sizes, "epochs": spec["epochs"], "speed": speed_runs(name, spec, args, tmp)}
    for kind in ("reference", "axonlab"):
        results[kind] = run_child(kind, spec)
        print(f"[{name}] {kind}: {json.dumps(results[kind])}", flush=True)
    return results


def speed_runs(name: str, spec: dict, args: argparse.Namespace, tmp: Path) -> dict:
    """Training throughput on a small subset, the two runs alternating, ``repeats`` times each:
    the machine is shared, so alternation and medians keep a busy neighbour from favouring one."""
    if not args.speed_repeats:
        return {}
    small = dict(spec, epochs=1)
    small["train"] = str(tmp / f"{name}-speed.conll")
    subset(Path(spec["train"]), Path(small["train"]), args.speed_subset, seed=11)
    small["test"] = small["dev"] = str(tmp / f"{name}-speed-eval.conll")
    subset(Path(spec["dev"]), Path(small["dev"]), 64, seed=11)
    rates: dict[str, list[float]] = {"reference": [], "axonlab": []}
    for _ in range(args.speed_repeats):
        for kind in rates:
            rates[kind].append(run_child(kind, small)["sentences_per_second"])
    print(f"[{name}] speed: {rates}", flush=True)
    return {kind: statistics.median(r) for kind, r in rates.items()} | {"runs": rates}


def table(all_results: dict, args: argparse.Namespace) -> str:
    lines = [
        "Named-entity recognition, all-MiniLM-L6-v2, "
        f"{THREADS} threads; test F1 is entity micro-F1 (seqeval default / conlleval mode).",
        "",
        "| data | train / dev / test sentences | epochs | run | train sent/s | train s | "
        "test F1 (every word) | test F1 as run_ner reports it | words dropped |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in all_results.items():
        sizes = f"{r['sizes']['train']} / {r['sizes']['dev']} / {r['sizes']['test']}"
        ref, ax = r["reference"], r["axonlab"]
        lines.append(
            f"| {name} | {sizes} | {r['epochs']} | reference (run_ner.py) | "
            f"{ref['sentences_per_second']:.1f} | {ref['train_seconds']:.0f} | "
            f"{ref['test_f1']:.4f} | {ref['test_f1_reported']:.4f} | {ref['dropped_words']} |"
        )
        lines.append(
            f"| {name} | {sizes} | {r['epochs']} | axonlab | {ax['sentences_per_second']:.1f} | "
            f"{ax['train_seconds']:.0f} | {ax['test_f1']:.4f} | – | 0 |"
        )
    lines += [
        "",
        "| data | speed ratio, full runs | speed ratio, short alternating runs (median) | "
        "target >= 1.3 | F1 axonlab − reference | quality target (axonlab) | axonlab training |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in all_results.items():
        ref, ax = r["reference"], r["axonlab"]
        full = ax["sentences_per_second"] / ref["sentences_per_second"]
        short = r["speed"]["axonlab"] / r["speed"]["reference"] if r["speed"] else float("nan")
        floor = {"wikiann-en": 0.80, "wnut17": 0.40}.get(name)
        quality = "–" if floor is None else f"F1 >= {floor:.2f}: {_yes(ax['test_f1'] >= floor)}"
        if floor is not None and args.train_limit and name == "wikiann-en":
            quality = "– (training subset; judged on all of WikiANN-en, next section)"
        minutes = (ax["train_seconds"] + ax["dev_eval_seconds"]) / 60
        lines.append(
            f"| {name} | {full:.2f} | {short:.2f} | {_yes(full >= 1.3)} | "
            f"{ax['test_f1'] - ref['test_f1']:+.4f} ({_yes(ax['test_f1'] >= ref['test_f1'])}) | "
            f"{quality} | {minutes:.1f} min incl. dev evals |"
        )
    lines += [
        "",
        f"Short speed runs: 1 epoch on {args.speed_subset} training sentences, "
        f"{args.speed_repeats} alternating runs per side (sentences/s):",
    ]
    for name, r in all_results.items():
        if r["speed"]:
            runs = {k: ", ".join(f"{v:.1f}" for v in vs) for k, vs in r["speed"]["runs"].items()}
            lines.append(f"- {name}: reference {runs['reference']}; axonlab {runs['axonlab']}")
    lines += [
        "",
        f"Learning rate: axonlab {args.lr or 'default (1e-4)'}, reference 5e-5; axonlab uses "
        "bf16 autocast on this CPU (its default where the CPU has native bf16), the reference "
        "fp32. 'Test F1 (every word)' counts the words run_ner.py truncates or cannot tokenise "
        "(WNUT-17's U+FE0F/U+FEFF tokens) as predicted O; axonlab predicts every word.",
    ]
    return "\n".join(lines)


def _yes(flag: bool) -> str:
    return "met" if flag else "**missed**"


def replay(log: Path) -> dict:
    """Results from the progress lines a previous run printed (re-render its table)."""
    results: dict[str, dict] = {}
    for line in log.read_text().splitlines():
        match = re.match(r"\[(\S+)\] (sizes|speed:|reference:|axonlab:) (.*)", line)
        if not match:
            continue
        name, key, rest = match.groups()
        entry = results.setdefault(name, {"speed": {}})
        if key == "sizes":
            sizes, epochs = rest.rsplit(", epochs ", 1)
            entry.update(sizes=ast.literal_eval(sizes), epochs=float(epochs))
        elif key == "speed:":
            rates = ast.literal_eval(rest)
            entry["speed"] = {k: statistics.median(v) for k, v in rates.items()} | {"runs": rates}
        else:
            entry[key.rstrip(":")] = json.loads(rest)
    return results


def parse_epochs(items: list[str]) -> dict[str, float]:
    return {k: float(v) for k, v in (item.split("=") for item in items)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "ner")
    parser.add_argument("--datasets", nargs="+", default=["wikiann-en", "wnut17"])
    parser.add_argument(
        "--epochs",
        nargs="+",
        default=["wikiann-en=1", "wnut17=5"],
        help="NAME=EPOCHS per data set (both runs use the same)",
    )
    parser.add_argument("--train-limit", type=int, help="random training subset (sentences)")
    parser.add_argument("--dev-limit", type=int, default=1000, help="axonlab dev subset")
    parser.add_argument("--test-limit", type=int, help="random test subset (sentences)")
    parser.add_argument("--speed-subset", type=int, default=1000, help="sentences per speed run")
    parser.add_argument("--speed-repeats", type=int, default=3, help="speed runs per side (0: off)")
    parser.add_argument("--lr", type=float, help="axonlab learning rate [default: axonlab's]")
    parser.add_argument("--replay", type=Path, help="re-render the table from a run's output")
    parser.add_argument("--note", help="a sentence on the conditions, added under the table")
    parser.add_argument("--no-report", action="store_true", help="do not write docs/benchmarks.md")
    args = parser.parse_args()
    if args.child:
        spec = json.loads(args.child)
        runner = reference_train if spec["kind"] == "reference" else axonlab_train
        print(json.dumps(runner(spec)))
        return
    args.epochs = parse_epochs(args.epochs)
    results = replay(args.replay) if args.replay else {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in [] if args.replay else args.datasets:
            results[name] = bench_dataset(name, args.data / name, args, Path(tmp))
    markdown = table(results, args)
    if args.replay:
        markdown += (
            "\n\nRe-rendered with --replay from the printed output of one earlier invocation "
            "of this script with the flags below (both runs of each data set in that one run)."
        )
    if args.note:
        markdown += "\n\n" + args.note
    print(markdown)
    if not args.no_report:
        from report import write_section

        write_section("ner", markdown)


if __name__ == "__main__":
    main()
