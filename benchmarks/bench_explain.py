"""Explanations, measured: faithfulness, completeness and speed against captum used the way its
BERT tutorial does.

Runs trained here with the defaults (all-MiniLM-L6-v2): SMS spam (all of train, 2 epochs) and
SST-2 (8,000 training sentences, 1 epoch). On dev examples of each:

- faithfulness: the predicted class's probability drop when 3 words are deleted, for the 3 words
  with the highest attribution, 3 random words, and the 3 words the last layer's [CLS] attention
  weighs most; share of examples where the attributed words beat the random ones (and the
  attention ones), and the area over the perturbation curve (mean drop over k = 1..5 words);
- completeness: share of examples whose completeness error is at most 5%;
- speed: explanations/s for SMS messages, axonlab (batched texts and steps, steps chosen by the
  error) against captum's LayerIntegratedGradients one text at a time with 50 steps (its
  tutorial's use), in the same run.

    python benchmarks/bench_explain.py --data ../shared/data
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
THREADS = 2
K = 3
CURVE = 5


def _rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def _train(data: Path, tmp: Path, name: str, n_train: int | None, epochs: float):
    from axonlab import text

    folder = data / "classify" / name
    header, *rows = _rows(folder / "train.tsv")
    train = tmp / f"{name}-train.tsv"
    with open(train, "w", encoding="utf-8") as handle:
        for row in [header, *rows[:n_train]]:
            handle.write("\t".join(row) + "\n")
    return text.finetune(
        "classify",
        train=train,
        dev=folder / "dev.tsv",
        out=tmp / name,
        epochs=epochs,
        threads=THREADS,
    )


def _delete(source: str, words: list[dict], chosen: list[int]) -> str:
    out, at = [], 0
    for i in sorted(chosen):
        out.append(source[at : words[i]["start"]])
        at = words[i]["end"]
    return "".join(out) + source[at:]


def _attention_words(model, source: str, words: list[dict]) -> np.ndarray:
    """Per word: the last layer's [CLS] attention (mean over heads) summed over its pieces."""
    import torch

    enc = model.tokenizer(
        source,
        return_offsets_mapping=True,
        return_tensors="pt",
        truncation=True,
        max_length=model.max_length,
    )
    offsets = enc.pop("offset_mapping")[0]
    if getattr(model.model.config, "_attn_implementation", "eager") != "eager":
        model.model.set_attn_implementation("eager")  # SDPA returns no attention weights
    with torch.no_grad():
        out = model.model(**enc, output_attentions=True)
    cls = out.attentions[-1][0].mean(0)[0]  # (seq,)
    scores = np.zeros(len(words))
    for t, (s, e) in enumerate(offsets.tolist()):
        for i, w in enumerate(words):
            if e > s and w["start"] <= s and e <= w["end"]:
                scores[i] += float(cls[t])
    return scores


def faithfulness(model, texts: list[str], seed: int = 0) -> dict:
    rng = random.Random(seed)
    explanations = model.explain(texts)
    beat_random, beat_attention, curve, errors = [], [], [], []
    for source, item in zip(texts, explanations, strict=True):
        words = item["words"]
        errors.append(item["completeness_error"])
        if len(words) <= K:
            continue
        label = item["label"]
        base = item["score"]
        by_ig = list(np.argsort([-w["attribution"] for w in words]))
        by_attention = list(np.argsort(-_attention_words(model, source, words)))
        random_pick = rng.sample(range(len(words)), K)
        variants = [
            _delete(source, words, by_ig[:K]),
            _delete(source, words, random_pick),
            _delete(source, words, by_attention[:K]),
        ]
        variants += [_delete(source, words, by_ig[:k]) for k in range(1, CURVE + 1)]
        variants = [v if v.strip() else "." for v in variants]
        scores = [p["scores"][label] for p in model.predict(variants)]
        drop_ig, drop_random, drop_attention = (base - s for s in scores[:3])
        beat_random.append(drop_ig > drop_random)
        beat_attention.append(drop_ig > drop_attention)
        curve.append(statistics.mean(base - s for s in scores[3:]))
    return {
        "examples": len(beat_random),
        "ig_beats_random": float(np.mean(beat_random)),
        "ig_beats_attention": float(np.mean(beat_attention)),
        "aopc_1_to_5": float(np.mean(curve)),
        "completeness_within_5pct": float(np.mean(np.asarray(errors) <= 0.05)),
        "completeness_error_median": float(np.median(errors)),
    }


def speed(model, texts: list[str]) -> dict:
    """Explanations/s: axonlab against captum's tutorial use (one text, 50 steps)."""
    import torch
    from captum.attr import LayerIntegratedGradients

    start = time.perf_counter()
    ours = model.explain(texts)
    ours_seconds = time.perf_counter() - start
    net, tok = model.model, model.tokenizer

    def forward(input_ids, attention_mask):
        return net(input_ids=input_ids, attention_mask=attention_mask).logits

    lig = LayerIntegratedGradients(forward, net.get_input_embeddings())
    start = time.perf_counter()
    deltas = []
    for source in texts:
        enc = tok(source, return_tensors="pt", truncation=True, max_length=model.max_length)
        ids, mask = enc["input_ids"], enc["attention_mask"]
        ref = torch.full_like(ids, tok.pad_token_id)
        ref[0, 0], ref[0, -1] = ids[0, 0], ids[0, -1]
        with torch.no_grad():
            target = int(net(input_ids=ids, attention_mask=mask).logits.argmax())
        _, delta = lig.attribute(
            ids,
            baselines=ref,
            target=target,
            additional_forward_args=(mask,),
            n_steps=50,
            return_convergence_delta=True,
        )
        deltas.append(float(delta.abs()))
    captum_seconds = time.perf_counter() - start
    return {
        "texts": len(texts),
        "axonlab_per_second": len(texts) / ours_seconds,
        "captum_tutorial_per_second": len(texts) / captum_seconds,
        "ratio": captum_seconds / ours_seconds,
        "axonlab_steps_median": statistics.median(o["steps"] for o in ours),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--log", type=Path, default=Path("bench-explain.jsonl"))
    parser.add_argument("--replay", action="store_true", help="tables from --log, no runs")
    parser.add_argument(
        "--parts", nargs="+", choices=("faithfulness", "speed"), default=["faithfulness", "speed"]
    )
    args = parser.parse_args()
    if not args.replay:
        import torch

        torch.set_num_threads(THREADS)
        with (
            tempfile.TemporaryDirectory(prefix="bench-explain-") as tmp,
            open(args.log, "a") as log,
        ):
            tmp = Path(tmp)
            runs = {"sms-spam": _train(args.data, tmp, "sms-spam", None, 2.0)}
            if "faithfulness" in args.parts:
                runs["sst2"] = _train(args.data, tmp, "sst2", 8000, 1.0)
            for name, model in runs.items() if "faithfulness" in args.parts else ():
                _, *rows = _rows(args.data / "classify" / name / "dev.tsv")
                texts = [r[1] for r in random.Random(0).sample(rows, args.examples)]
                record = {"part": "faithfulness", "data": name, **faithfulness(model, texts)}
                log.write(json.dumps(record) + "\n")
                log.flush()
                print(json.dumps(record), file=sys.stderr)
            if "speed" in args.parts:
                _, *rows = _rows(args.data / "classify" / "sms-spam" / "dev.tsv")
                texts = [r[1] for r in random.Random(1).sample(rows, 100)]
                record = {"part": "speed", "data": "sms-spam", **speed(runs["sms-spam"], texts)}
                log.write(json.dumps(record) + "\n")
                print(json.dumps(record), file=sys.stderr)
    from report import read_log, write_section

    records = read_log(args.log)
    write_section("explain", tables(records))


def tables(records: list[dict]) -> str:
    faith = {r["data"]: r for r in records if r["part"] == "faithfulness"}
    speed_rows = [r for r in records if r["part"] == "speed"]
    lines = [
        "## Explanations (`bench_explain.py`)",
        "",
        f"### Faithfulness and completeness ({K} words deleted; dev examples)",
        "",
        "| data | examples | IG drop > random | IG drop > attention | AOPC (1-5 words) | "
        "completeness <= 5% | median error |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in faith.items():
        lines.append(
            f"| {name} | {r['examples']} | {r['ig_beats_random']:.2f} | "
            f"{r['ig_beats_attention']:.2f} | {r['aopc_1_to_5']:.3f} | "
            f"{r['completeness_within_5pct']:.2f} | {r['completeness_error_median']:.4f} |"
        )
    if speed_rows:
        r = speed_rows[-1]
        lines += [
            "",
            "### Speed (SMS messages, 2 threads)",
            "",
            "| engine | explanations/s | ratio |",
            "|---|---|---|",
            f"| axonlab (batched; median {r['axonlab_steps_median']:.0f} steps) | "
            f"{r['axonlab_per_second']:.2f} | {r['ratio']:.2f}x |",
            f"| captum LayerIntegratedGradients, one text, 50 steps | "
            f"{r['captum_tutorial_per_second']:.2f} | 1.00x |",
            "",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
