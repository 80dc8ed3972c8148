"""Sentence embeddings beside sentence-transformers, speed and quality in one process.

Texts: SST-2 training sentences (never used to tune the encoder's settings), shuffled with
seed 0. Speed: the first ``--speed-texts`` of them, embedded by axonlab with its defaults
(bf16 autocast where the CPU runs it natively), by axonlab in float32, and by
``SentenceTransformer(folder).encode(texts, batch_size=32)`` on the same weights, in turn,
``--repeats`` times after a warm-up; the table gives median texts/s and the ratio to
sentence-transformers. Quality: ``--index-texts`` embedded both ways; each row's cosine to the
float32 row, and the share of each text's 10 nearest neighbours (by float32) that the defaults
find too.

    flock /tmp/cpu.lock python benchmarks/bench_embed.py --data ../shared/data
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import machine_line, write_section  # noqa: E402

THREADS = 2


def neighbour_overlap(reference: np.ndarray, other: np.ndarray, k: int = 10) -> float:
    """Mean share of each row's ``k`` nearest rows (by ``reference``) that ``other`` finds."""
    shared = []
    for start in range(0, len(reference), 1000):
        sa = reference[start : start + 1000] @ reference.T
        sb = other[start : start + 1000] @ other.T
        for row, (x, y) in enumerate(zip(sa, sb, strict=True)):
            x[start + row] = y[start + row] = -9  # not its own neighbour
            top_a, top_b = np.argpartition(-x, k)[:k], np.argpartition(-y, k)[:k]
            shared.append(len(set(top_a) & set(top_b)) / k)
    return float(np.mean(shared))


def measure(texts: list[str], speed_texts: int, index_texts: int, repeats: int) -> dict:
    import torch
    from sentence_transformers import SentenceTransformer

    from axonlab.text.embeddings.encoder import SentenceEncoder

    torch.set_num_threads(THREADS)
    default = SentenceEncoder(threads=THREADS)
    fp32 = SentenceEncoder(threads=THREADS, bf16=False)
    anchor = SentenceTransformer(default.folder, device="cpu")
    sample = texts[:speed_texts]
    runs = {
        f"axonlab defaults ({'bf16' if default.bf16 else 'float32'})": default.encode,
        "axonlab --no-bf16 (float32)": fp32.encode,
        "sentence-transformers encode(batch_size=32)": lambda t: anchor.encode(t, batch_size=32),
    }
    for encode in runs.values():
        encode(sample[:64])  # warm-up
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, encode in runs.items():
            start = time.perf_counter()
            encode(sample)
            seconds[name].append(time.perf_counter() - start)
    index = texts[:index_texts]
    a, b = fp32.encode(index), default.encode(index)
    cosine = (a * b).sum(axis=1)
    return {
        "speed": {name: len(sample) / statistics.median(s) for name, s in seconds.items()},
        "cosine_min": float(cosine.min()),
        "cosine_mean": float(cosine.mean()),
        "overlap": neighbour_overlap(a, b),
        "bf16": default.bf16,
    }


def table(result: dict, speed_texts: int, index_texts: int, repeats: int) -> str:
    anchor = result["speed"]["sentence-transformers encode(batch_size=32)"]
    lines = [
        "## Embeddings (`bench_embed.py`)",
        "",
        f"all-MiniLM-L6-v2, {THREADS} threads, {speed_texts:,} SST-2 training sentences, median "
        f"of {repeats} interleaved runs. Issue 30's target: >= 2.0x sentence-transformers with "
        "row cosine >= 0.999 and top-10 overlap >= 0.99 on a 10k-text index.",
        "",
        "| run | texts/s | vs sentence-transformers |",
        "|---|---|---|",
    ]
    for name, rate in result["speed"].items():
        lines.append(f"| {name} | {rate:.0f} | {rate / anchor:.2f}x |")
    lines += [
        "",
        f"The defaults against float32 on {index_texts:,} sentences: row cosine min "
        f"{result['cosine_min']:.5f}, mean {result['cosine_mean']:.6f}; top-10 neighbour "
        f"overlap {result['overlap']:.4f}.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--speed-texts", type=int, default=2000)
    parser.add_argument("--index-texts", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rows = (args.data / "classify" / "sst2" / "train.tsv").read_text().splitlines()[1:]
    texts = [row.split("\t", 1)[1] for row in rows]
    random.Random(0).shuffle(texts)
    result = measure(texts, args.speed_texts, args.index_texts, args.repeats)
    print(result, machine_line())
    write_section("embed", table(result, args.speed_texts, args.index_texts, args.repeats))


if __name__ == "__main__":
    main()
