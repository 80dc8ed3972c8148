"""Text-classification benchmark: axonlab vs a run_glue.py-style Trainer script, same backbone.

Every configuration runs in its own child process (so peak memory is its own) pinned to the same
thread count, in one invocation:

- ``reference-padded``: what ``run_glue.py`` does by default — pad every input to 128 tokens,
  batch 32, lr 2e-5, random batches;
- ``reference-dynamic``: the same with per-batch (dynamic) padding;
- ``axonlab`` and variants (bf16, LoRA): ``axonlab.text.finetune`` with its defaults.

Speed is training examples per second over one epoch of an SST-2 subset (evaluation excluded);
quality runs train on full SMS spam and on SST-2 within a time budget and score the dev split.

    python benchmarks/bench_classify.py --data ../shared/data/classify
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

THREADS = 2


def reference_train(train: Path, dev: Path, epochs: float, padded: bool, limit: int | None) -> dict:
    """Fine-tune as run_glue.py does by default; returns throughput and dev scores."""
    import numpy as np
    import torch
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        DataCollatorWithPadding,
        Trainer,
        TrainingArguments,
        default_data_collator,
    )

    from axonlab.text.backbones.resolve import default_backbone
    from axonlab.text.data.labelled import LabelMap, read_labelled
    from axonlab.text.tasks.metrics import classification_metrics

    torch.set_num_threads(THREADS)
    backbone = default_backbone()
    tokenizer = AutoTokenizer.from_pretrained(backbone)
    train_data, dev_data = read_labelled(train), read_labelled(dev)
    if limit:
        for field in ("texts", "labels", "lines"):
            setattr(train_data, field, getattr(train_data, field)[:limit])
    label_map = LabelMap.from_training(train_data)

    def dataset(data):
        enc = tokenizer(
            data.texts, truncation=True, max_length=128, padding="max_length" if padded else False
        )
        ids = label_map.encode(data)
        return [{**{k: enc[k][i] for k in enc}, "labels": ids[i]} for i in range(len(ids))]

    model = AutoModelForSequenceClassification.from_pretrained(
        backbone, num_labels=len(label_map.labels)
    )
    with tempfile.TemporaryDirectory() as tmp:
        args = TrainingArguments(
            output_dir=tmp,
            per_device_train_batch_size=32,
            per_device_eval_batch_size=8,
            learning_rate=2e-5,
            num_train_epochs=epochs,
            save_strategy="no",
            report_to="none",
            use_cpu=True,
            seed=42,
            disable_tqdm=True,
        )
        collator = default_data_collator if padded else DataCollatorWithPadding(tokenizer)
        trainer = Trainer(
            model=model, args=args, train_dataset=dataset(train_data), data_collator=collator
        )
        output = trainer.train()
        predictions = trainer.predict(dataset(dev_data)).predictions
    metrics = classification_metrics(
        label_map.encode(dev_data), np.argmax(predictions, -1), label_map.labels
    )
    return {
        "examples_per_second": output.metrics["train_samples_per_second"],
        "train_seconds": output.metrics["train_runtime"],
        "dev": _dev_summary(metrics),
    }


def axonlab_train(train: Path, dev: Path, epochs: float, limit: int | None, **options) -> dict:
    from axonlab import text

    if limit:
        train = _head(train, limit)
    with tempfile.TemporaryDirectory() as tmp:
        model = text.finetune(
            "classify",
            train=train,
            dev=dev,
            out=Path(tmp) / "run",
            epochs=epochs,
            threads=THREADS,
            **options,
        )
        summary = model.run_metrics()["training"]
        metrics = model.evaluate(dev).metrics
    return {
        "examples_per_second": summary["train_examples_per_second"],
        "train_seconds": summary["train_seconds"] - summary["eval_seconds"],
        "trainable_parameters": summary["trainable_parameters"],
        "total_parameters": summary["total_parameters"],
        "dev": _dev_summary(metrics),
    }


def _head(path: Path, limit: int) -> Path:
    lines = path.read_text().splitlines(keepends=True)[: limit + 1]
    out = Path(tempfile.mkdtemp()) / path.name
    out.write_text("".join(lines))
    return out


def _dev_summary(metrics: dict) -> dict:
    summary = {"accuracy": metrics["accuracy"], "macro_f1": metrics["macro_f1"]}
    if "spam" in metrics["per_class"]:
        summary["spam_f1"] = metrics["per_class"]["spam"]["f1"]
    return summary


def run_child(spec: dict) -> dict:
    """Run one configuration in a fresh process; adds its peak resident memory (GiB)."""
    env = {**os.environ, "OMP_NUM_THREADS": str(THREADS), "TOKENIZERS_PARALLELISM": "false"}
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(spec)],
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{spec['name']} failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = time.perf_counter() - start
    print(spec["name"], json.dumps(result), flush=True)
    return result


def child(spec: dict) -> None:
    import transformers

    transformers.utils.logging.set_verbosity_error()
    kind = spec.pop("kind")
    name = spec.pop("name")
    train, dev = Path(spec.pop("train")), Path(spec.pop("dev"))
    if kind == "reference":
        result = reference_train(train, dev, **spec)
    else:
        result = axonlab_train(train, dev, **spec)
    result["peak_rss_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    result["name"] = name
    print(json.dumps(result))


def speed_table(data: Path, limit: int, repeats: int) -> tuple[str, dict]:
    sst_train, sst_dev = data / "sst2" / "train.tsv", data / "sst2" / "dev.tsv"
    configs = [
        ("reference-padded (run_glue default)", {"kind": "reference", "padded": True}),
        ("reference-dynamic padding", {"kind": "reference", "padded": False}),
        ("axonlab (defaults)", {"kind": "axonlab"}),
        ("axonlab --no-bf16 (fp32)", {"kind": "axonlab", "bf16": False}),
        ("axonlab --lora", {"kind": "axonlab", "lora": True}),
    ]
    rows, results = [], {}
    for name, spec in configs:
        runs = [
            run_child(
                {
                    "name": name,
                    "train": str(sst_train),
                    "dev": str(sst_dev),
                    "epochs": 1,
                    "limit": limit,
                    **spec,
                }
            )
            for _ in range(repeats)
        ]
        speed = statistics.median(r["examples_per_second"] for r in runs)
        results[name] = {**runs[0], "examples_per_second": speed}
    base_padded = results[configs[0][0]]["examples_per_second"]
    base_dynamic = results[configs[1][0]]["examples_per_second"]
    for name, r in results.items():
        trainable = r.get("trainable_parameters")
        speed = r["examples_per_second"]
        rows.append(
            f"| {name} | {speed:.1f} | {speed / base_padded:.2f}x "
            f"| {speed / base_dynamic:.2f}x | {r['dev']['accuracy']:.3f} "
            f"| {r['peak_rss_gib']:.2f} | {f'{trainable:,}' if trainable else 'all'} |"
        )
    table = (
        f"### Training speed: 1 epoch on the first {limit:,} SST-2 training sentences, "
        f"{THREADS} threads (median of {repeats})\n\n"
        "| configuration | train examples/s | vs run_glue-style | vs dynamic padding "
        "| dev accuracy (after this 1 short epoch) | peak RSS GiB | trainable params |\n"
        "|---|---|---|---|---|---|---|\n" + "\n".join(rows)
    )
    return table, results


def quality_table(data: Path, sst_limit: int | None, sst_epochs: float) -> tuple[str, dict]:
    sms = {"train": str(data / "sms-spam" / "train.tsv"), "dev": str(data / "sms-spam" / "dev.tsv")}
    sst = {"train": str(data / "sst2" / "train.tsv"), "dev": str(data / "sst2" / "dev.tsv")}
    sst_size = "all 67,349" if sst_limit is None else f"{sst_limit:,}"
    configs = {
        "SMS spam, reference (dynamic padding, lr 2e-5, 2 epochs)": {
            "kind": "reference",
            "padded": False,
            "epochs": 2,
            **sms,
        },
        "SMS spam, axonlab defaults (3 epochs)": {"kind": "axonlab", "epochs": 3, **sms},
        "SMS spam, axonlab --no-bf16 (3 epochs)": {
            "kind": "axonlab",
            "epochs": 3,
            "bf16": False,
            **sms,
        },
        "SMS spam, axonlab --lora (3 epochs)": {
            "kind": "axonlab",
            "epochs": 3,
            "lora": True,
            **sms,
        },
        f"SST-2, axonlab defaults ({sst_epochs:g} epoch on {sst_size} sentences)": {
            "kind": "axonlab",
            "epochs": sst_epochs,
            "limit": sst_limit,
            **sst,
        },
    }
    runs = {
        name: run_child({"name": name, "limit": None, **spec}) for name, spec in configs.items()
    }
    rows = []
    for name, r in runs.items():
        spam_f1 = r["dev"].get("spam_f1")
        rows.append(
            f"| {name} | {r['dev']['accuracy']:.4f} | {r['dev']['macro_f1']:.4f} | "
            f"{'' if spam_f1 is None else f'{spam_f1:.4f}'} | {r['train_seconds'] / 60:.1f} "
            f"| {r['examples_per_second']:.1f} | {r['peak_rss_gib']:.2f} "
            f"| {r.get('trainable_parameters', 0):,} |"
        )
    table = (
        "### Dev-set quality\n\n"
        "| run | dev accuracy | dev macro-F1 | spam F1 | training minutes (eval excluded) "
        "| train examples/s | peak RSS GiB | trainable params |\n"
        "|---|---|---|---|---|---|---|---|\n" + "\n".join(rows)
    )
    return table, runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/classify"))
    parser.add_argument("--speed-limit", type=int, default=2000, help="SST-2 sentences timed")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--sst-limit", type=int, default=None, help="SST-2 sentences (all)")
    parser.add_argument("--sst-epochs", type=float, default=1.0)
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(json.loads(args.child))
        return
    from report import write_section

    title = "## Text classification (`axonlab text train classify`)\n\n"
    if not args.skip_speed:
        speed, _ = speed_table(args.data, args.speed_limit, args.repeats)
        write_section("classify-speed", title + speed)
    if not args.skip_quality:
        quality, _ = quality_table(args.data, args.sst_limit, args.sst_epochs)
        write_section("classify-quality", quality)


if __name__ == "__main__":
    main()
