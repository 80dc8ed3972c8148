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

``--parts deletion`` measures what the explained output does on a confident model (issue 27):
unseen spam messages (the SMS dev split) explained twice in the same run, attributing the
predicted label's raw logit (the old output) and its log-odds (the default); for each, deleting
the 3 top-attributed words against 3 random words (``--draws`` seeded draws per message), the
share of (message, draw) pairs where the top-3 deletion lowers the label's probability more, and
where it lowers the label's log-odds more. It explains ``--run`` (a classification run trained
beforehand), or trains the issue's run: the first 1,500 training messages, 2 epochs, defaults.

    head -1501 ../shared/data/classify/sms-spam/train.tsv > /tmp/sms-1500.tsv
    axonlab text train classify --train /tmp/sms-1500.tsv \
        --dev ../shared/data/classify/sms-spam/dev.tsv --out /tmp/sms-run --epochs 2
    python benchmarks/bench_explain.py --data ../shared/data --parts deletion --run /tmp/sms-run
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
DRAWS = 10  # random 3-word deletions per message
DELETION_TRAIN = 1500  # the run: the first 1,500 SMS training messages, 2 epochs


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


def _label_outputs(model, texts: list[str], label: int) -> tuple[np.ndarray, np.ndarray]:
    """Per text, ``label``'s probability and log-odds, from the logits (the mean over a long
    text's windows, as the explainer takes them; in float64, so that p near 1 still moves)."""
    import torch

    from axonlab.text.explain.attribution import _windows, log_odds

    enc = _windows(model.tokenizer, texts, model.max_length)
    owners = enc["overflow_to_sample_mapping"].numpy()
    inputs = {k: enc[k] for k in ("input_ids", "attention_mask", "token_type_ids") if k in enc}
    with torch.no_grad():
        logits = model.model(**inputs).logits.double().numpy()
    mean = np.zeros((len(texts), logits.shape[1]))
    np.add.at(mean, owners, logits / np.bincount(owners)[owners, None])
    z = torch.from_numpy(mean)
    return z.softmax(-1)[:, label].numpy(), log_odds(z)[:, label].numpy()


def _occlusion_top(model, source: str, words: list[dict], label: int) -> list[int]:
    """The K words whose deletion, one at a time, lowers the label's log-odds most."""
    alone = [_delete(source, words, [j]) for j in range(len(words))]
    _, lo = _label_outputs(model, [source] + [v if v.strip() else "." for v in alone], label)
    return list(np.argsort(lo[1:] - lo[0], kind="stable")[:K])


def _explain_all(model, texts: list[str]) -> tuple[dict, dict]:
    """Each text explained once per output (the logit, the log-odds), and the seconds taken."""
    from axonlab.text.explain.attribution import OUTPUTS, explain_texts

    explained, seconds = {}, {}
    for output in OUTPUTS:
        start = time.perf_counter()
        explained[output] = explain_texts(
            model.model, model.tokenizer, texts, max_length=model.max_length, output=output
        )
        seconds[output] = time.perf_counter() - start
    return explained, seconds


def deletion(model, texts: list[str], draws: int = DRAWS, seed: int = 0) -> list[dict]:
    """Top-3 against random 3-word deletions, for attributions of the logit and the log-odds,
    and (a reference that optimises deletion itself) leave-one-out occlusion."""
    rng = random.Random(seed)
    explained, seconds = _explain_all(model, texts)
    methods = (*explained, "occlusion")
    wins = {m: {"p": [], "log_odds": []} for m in methods}
    drops = {m: {"p": [], "log_odds": []} for m in (*methods, "random")}
    same_top, occlusion_seconds = [], 0.0
    for i, source in enumerate(texts):
        words, label = explained["log_odds"][i]["words"], explained["log_odds"][i]["target"]
        if len(words) <= K:
            continue
        picks = [rng.sample(range(len(words)), K) for _ in range(draws)]
        tops = {
            o: list(np.argsort([-w["attribution"] for w in e[i]["words"]], kind="stable")[:K])
            for o, e in explained.items()
        }
        start = time.perf_counter()
        tops["occlusion"] = _occlusion_top(model, source, words, label)
        occlusion_seconds += time.perf_counter() - start
        same_top.append(set(tops["logit"]) == set(tops["log_odds"]))
        variants = [source] + [_delete(source, words, c) for c in [*tops.values(), *picks]]
        p, lo = _label_outputs(model, [v if v.strip() else "." for v in variants], label)
        for measure, values in (("p", p[0] - p[1:]), ("log_odds", lo[0] - lo[1:])):
            at_random = values[len(methods) :]  # (draws,)
            drops["random"][measure].append(float(at_random.mean()))
            for j, m in enumerate(methods):
                wins[m][measure].append(float(np.mean(values[j] > at_random)))
                drops[m][measure].append(float(values[j]))
    spam = model.labels.index("spam") if "spam" in model.labels else None
    common = {
        "examples": len(same_top),
        "draws": draws,
        "predicted_spam": sum(e["target"] == spam for e in explained["log_odds"]),
        "same_top_logit_log_odds": float(np.mean(same_top)),
        "random_drop_p": float(np.mean(drops["random"]["p"])),
        "random_drop_log_odds": float(np.mean(drops["random"]["log_odds"])),
    }
    records = []
    for m in methods:
        errors = [e["completeness_error"] for e in explained.get(m, [])]
        records.append(
            {
                "output": m,
                **common,
                "beats_random_p": float(np.mean(wins[m]["p"])),
                "beats_random_log_odds": float(np.mean(wins[m]["log_odds"])),
                "drop_p": float(np.mean(drops[m]["p"])),
                "drop_log_odds": float(np.mean(drops[m]["log_odds"])),
                "completeness_within_5pct": float(np.mean(np.asarray(errors) <= 0.05))
                if errors
                else None,
                "completeness_error_median": float(np.median(errors)) if errors else None,
                "explanations_per_second": len(texts) / seconds[m]
                if m in seconds
                else len(same_top) / occlusion_seconds,
            }
        )
    return records


def _deletion_run(args, tmp: Path, log) -> None:
    from axonlab import text

    if args.run is not None:
        model = text.load(args.run)
    else:
        model = _train(args.data, tmp, "sms-spam", DELETION_TRAIN, 2.0)
    _, *rows = _rows(args.data / "classify" / "sms-spam" / "dev.tsv")
    spam = [r[1] for r in rows if r[0] == "spam"]
    texts = random.Random(0).sample(spam, min(args.spam, len(spam)))
    for record in deletion(model, texts, draws=args.draws):
        record = {"part": "deletion", "data": "sms-spam dev (spam)", **record}
        log.write(json.dumps(record) + "\n")
        log.flush()
        print(json.dumps(record), file=sys.stderr)


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
    light_seconds, light = _light_speed(model, texts)
    return {
        "texts": len(texts),
        "axonlab_per_second": len(texts) / ours_seconds,
        "captum_tutorial_per_second": len(texts) / captum_seconds,
        "ratio": captum_seconds / ours_seconds,
        "axonlab_steps_median": statistics.median(o["steps"] for o in ours),
        "light_per_second": len(texts) / light_seconds,
        "light_ratio": captum_seconds / light_seconds,
        "light_steps_median": statistics.median(o["steps"] for o in light),
        "light_completeness_within_5pct": float(
            np.mean([o["completeness_error"] <= 0.05 for o in light])
        ),
        "light_top3_agrees": float(
            np.mean([_top3(a) == _top3(b) for a, b in zip(ours, light, strict=True)])
        ),
    }


def _light_speed(model, texts: list[str]) -> tuple[float, list[dict]]:
    """Seconds for the light path (ONNX Runtime, :mod:`axonlab.text.explain.light`) to explain
    ``texts``, and its explanations; the integrand's export (once per run) is not counted."""
    from axonlab.text.explain.gradient_graph import gradients_file
    from axonlab.text.explain.light import open_light_explainer

    gradients_file(model)
    light = open_light_explainer(model.run_dir)
    start = time.perf_counter()
    out = light.explain(texts)
    return time.perf_counter() - start, out


def _top3(explanation: dict) -> list[int]:
    attributions = [w["attribution"] for w in explanation["words"]]
    return sorted(np.argsort(attributions)[::-1][:K].tolist())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--log", type=Path, default=Path("bench-explain.jsonl"))
    parser.add_argument("--replay", action="store_true", help="tables from --log, no runs")
    parser.add_argument(
        "--parts",
        nargs="+",
        choices=("faithfulness", "speed", "deletion"),
        default=["faithfulness", "speed"],
    )
    parser.add_argument(
        "--run", type=Path, help="deletion, speed: explain this SMS classification run"
    )
    parser.add_argument("--spam", type=int, default=60, help="deletion: spam messages")
    parser.add_argument("--draws", type=int, default=DRAWS, help="deletion: random draws each")
    args = parser.parse_args()
    if not args.replay:
        import torch

        torch.set_num_threads(THREADS)
        with (
            tempfile.TemporaryDirectory(prefix="bench-explain-") as tmp,
            open(args.log, "a") as log,
        ):
            tmp = Path(tmp)
            if "deletion" in args.parts:
                _deletion_run(args, tmp, log)
            runs = {}
            if "speed" in args.parts and args.run is not None:
                from axonlab import text

                runs["sms-spam"] = text.load(args.run)
            elif {"faithfulness", "speed"} & set(args.parts):
                runs["sms-spam"] = _train(args.data, tmp, "sms-spam", None, 2.0)
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
    if any(r["part"] == "faithfulness" for r in records):
        write_section("explain", tables(records))
    if any(r["part"] == "speed" and "light_per_second" in r for r in records):
        write_section("explain-speed", speed_table(records))
    if any(r["part"] == "deletion" for r in records):
        write_section("explain-deletion", deletion_table(records))


def tables(records: list[dict]) -> str:
    faith = {r["data"]: r for r in records if r["part"] == "faithfulness"}
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
    return "\n".join([*lines, ""])


def speed_table(records: list[dict]) -> str:
    r = [r for r in records if r["part"] == "speed"][-1]
    return "\n".join(
        [
            "### Explanation speed (SMS messages, 2 threads; `--parts speed`)",
            "",
            f"{r['texts']} SMS dev messages explained in one process, in the same run: axonlab's "
            "defaults (the predicted label's log-odds, completeness error <= 5% per text) on "
            "torch and on the light path, against captum's LayerIntegratedGradients as its "
            "BERT tutorial uses it (one text at a time, 50 steps, no bound on the error). "
            "Issue 30's target: 3x captum.",
            "",
            "| engine | explanations/s | ratio |",
            "|---|---|---|",
            f"| axonlab on torch (median {r['axonlab_steps_median']:.0f} evaluations) | "
            f"{r['axonlab_per_second']:.2f} | {r['ratio']:.2f}x |",
            f"| axonlab light path (ONNX Runtime; median {r['light_steps_median']:.0f} "
            f"evaluations; completeness <= 5% for {r['light_completeness_within_5pct']:.2f}; "
            f"same top-3 words as torch for {r['light_top3_agrees']:.2f}) | "
            f"{r['light_per_second']:.2f} | {r['light_ratio']:.2f}x |",
            f"| captum LayerIntegratedGradients, one text, 50 steps | "
            f"{r['captum_tutorial_per_second']:.2f} | 1.00x |",
            "",
        ]
    )


def deletion_table(records: list[dict]) -> str:
    rows = {r["output"]: r for r in records if r["part"] == "deletion"}  # the latest of each
    first = rows["log_odds"]
    lines = [
        "### Deletion on a confident model: the logit or the log-odds explained "
        "(`--parts deletion`)",
        "",
        f"{first['examples']} unseen spam messages (SMS dev split; {first['predicted_spam']} "
        "predicted spam), the predicted label explained, by a run trained on the first "
        f"{DELETION_TRAIN:,} SMS training messages (`--epochs 2`, defaults). A share is over "
        f"(message, random draw) pairs, {first['draws']} seeded draws of {K} random words a "
        f"message: how often deleting the {K} top-attributed words lowers the label's "
        f"probability (its log-odds) more than deleting {K} random words. Mean drops beside "
        "it (random: the mean over the draws). Occlusion, for reference, is no Integrated "
        f"Gradients: its top {K} are the words whose deletion one at a time lowers the "
        "log-odds most.",
        "",
        "| attributed | top-3 drop p > random | top-3 drop log-odds > random | "
        "mean p drop top-3 / random | mean log-odds drop top-3 / random | "
        "completeness <= 5% | median error | explanations/s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    names = {
        "logit": "IG, logit of the label (before)",
        "log_odds": "IG, log-odds of the label (now)",
        "occlusion": "leave-one-out occlusion (reference)",
    }
    for output, r in rows.items():
        done = r["completeness_within_5pct"] is not None
        lines.append(
            f"| {names.get(output, output)} | {r['beats_random_p']:.2f} | "
            f"{r['beats_random_log_odds']:.2f} | {r['drop_p']:.4f} / {r['random_drop_p']:.4f} | "
            f"{r['drop_log_odds']:.2f} / {r['random_drop_log_odds']:.2f} | "
            + (
                f"{r['completeness_within_5pct']:.2f} | {r['completeness_error_median']:.4f} | "
                if done
                else "- | - | "
            )
            + f"{r['explanations_per_second']:.2f} |"
        )
    lines += [
        "",
        f"The logit's and the log-odds' top {K} words are the same set for "
        f"{first['same_top_logit_log_odds']:.0%} of the messages.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
