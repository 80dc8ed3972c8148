"""Sentence embeddings: one L2-normalised vector per text, from a backbone or a fine-tuned run.

A text is tokenised, cut into overlapping windows if it is longer than ``max_length`` sub-tokens
(never truncated), run through the encoder, and its token vectors are averaged under the
attention mask (mean pooling: how all-MiniLM-L6-v2 and multilingual-e5-small were trained to be
used). A text's vector is the mean over all its windows' tokens, normalised to length 1, so a dot
product of two vectors is their cosine similarity.

    >>> from axonlab import text
    >>> vectors = text.embed(["where is my card?", "my card has not arrived"])
    >>> float(vectors[0] @ vectors[1])  # cosine similarity
    0.83

``model`` is a built-in backbone name (``axonlab backbones list``; its model card's prefix, e.g.
e5's ``"query: "``, is added), a run directory of ``axonlab text train`` (its fine-tuned encoder,
the task head left out) or any local Hugging Face model folder.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from axonlab.errors import InputError
from axonlab.text.precision import bf16_by_default

if TYPE_CHECKING:
    import torch

MAX_LENGTH = 256  # window of sub-tokens; longer texts are windowed, never truncated
BATCH_SIZE = 64


def locate_encoder(model: str | Path | None) -> tuple[str, str]:
    """``(model folder, text prefix)`` of ``model``: a built-in name, a finished text run
    directory (its ``model`` folder) or a Hugging Face model folder; ``None``: the default."""
    from axonlab.runs import RunDirectory
    from axonlab.text.backbones import builtin as builtin_backbones
    from axonlab.text.backbones.resolve import resolve_backbone
    from axonlab.text.tasks.base import MODEL_DIR

    if model is None or builtin_backbones.is_builtin(str(model)):
        name = str(model) if model is not None else "all-minilm-l6-v2"
        return resolve_backbone(model and str(model)), builtin_backbones.BUILTINS[
            name
        ].embedding_prefix
    path = Path(model).expanduser()
    run = RunDirectory(path)
    if run.is_run:
        run.require_complete()
        if not (path / MODEL_DIR / "config.json").exists():
            raise InputError("this run holds no encoder (is it a language model run?)", path=path)
        return str(path / MODEL_DIR), ""
    return resolve_backbone(str(model)), ""


class SentenceEncoder:
    """Mean-pooled, L2-normalised sentence embeddings (float32, shape ``(n_texts, dim)``).

    ``bf16`` runs the encoder under bfloat16 autocast (default: where the CPU has bf16 matrix
    instructions, :mod:`axonlab.text.precision`); the pooling and the vectors stay float32. On
    10,000 SST-2 sentences its rows kept cosine >= 0.9999 to float32's and 0.99 of each
    text's 10 nearest neighbours, at 1.7-2x float32's speed (docs/benchmarks.md, "Embeddings").
    """

    def __init__(
        self,
        model: str | Path | None = None,
        *,
        max_length: int = MAX_LENGTH,
        threads: int | None = None,
        bf16: bool | None = None,
    ):
        import torch
        import transformers
        from transformers import AutoModel

        from axonlab.text.backbones.resolve import load_tokenizer

        if not 8 <= max_length <= 4096:
            raise InputError(f"`max_length` must be in [8, 4096] tokens, got {max_length}")
        if threads:
            torch.set_num_threads(threads)
        self.folder, self.prefix = locate_encoder(model)
        self.name = str(model) if model is not None else "all-minilm-l6-v2"
        self.max_length = max_length
        self.bf16 = bf16_by_default(bf16)
        self.tokenizer = load_tokenizer(self.folder)
        verbosity = transformers.logging.get_verbosity()
        transformers.logging.set_verbosity_error()  # a run's head weights are left out on purpose
        try:
            self.model = AutoModel.from_pretrained(self.folder).eval()
        finally:
            transformers.logging.set_verbosity(verbosity)

    @classmethod
    def wrap(
        cls, module: Any, tokenizer: Any, *, name: str, max_length: int = MAX_LENGTH
    ) -> SentenceEncoder:
        """An encoder around a transformers base model already in memory (no prefix)."""
        encoder = cls.__new__(cls)
        encoder.model, encoder.tokenizer, encoder.prefix = module.eval(), tokenizer, ""
        encoder.folder, encoder.name, encoder.max_length = name, name, max_length
        encoder.bf16 = False  # a model being trained is embedded as it is
        return encoder

    def __repr__(self) -> str:
        return f"SentenceEncoder({self.name!r}, dim={self.dim})"

    @property
    def dim(self) -> int:
        return int(self.model.config.hidden_size)

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = BATCH_SIZE,
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """Embeddings of ``texts`` in their order; ``progress(n)`` is told as texts finish."""
        return self.encode_counted(texts, batch_size=batch_size, progress=progress)[0]

    def encode_counted(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = BATCH_SIZE,
        progress: Callable[[int], None] | None = None,
    ) -> tuple[np.ndarray, int]:
        """:meth:`encode`, plus how many sub-tokens the model read (special tokens and the
        prefix included, each window of a long text counted)."""
        import torch

        from axonlab.text.training.length_batches import length_batches

        texts = list(texts)
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise InputError(f"input {i + 1} is not a string: {text!r}")
        encoded = self.tokenizer(
            [self.prefix + t for t in texts],
            truncation=True,
            max_length=self.max_length,
            stride=self.max_length // 4,
            return_overflowing_tokens=True,
        )
        owners = np.asarray(encoded["overflow_to_sample_mapping"], dtype=np.int64)
        keys = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in encoded]
        windows = [{k: encoded[k][i] for k in keys} for i in range(len(owners))]
        pooled = WindowMeans(len(texts), self.dim)
        lengths = [len(w["input_ids"]) for w in windows]
        bf16 = torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16)
        with torch.inference_mode(), bf16:
            for chunk in length_batches(lengths, batch_size):
                batch = self.tokenizer.pad([windows[i] for i in chunk], return_tensors="pt")
                hidden = self.model(**batch).last_hidden_state
                pooled.add(owners[chunk], hidden, batch["attention_mask"])
                if progress is not None:
                    progress(len(chunk))
        vectors = pooled.means()
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return (vectors / np.maximum(norms, 1e-12)).astype(np.float32), sum(lengths)


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Mean of the token vectors under the mask: ``(batch, seq, h)`` -> ``(batch, h)``."""
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)


class WindowMeans:
    """Each text's mean token vector when a long text is cut into windows: the windows' token
    sums and counts are added up per text, so every token weighs the same."""

    def __init__(self, n_texts: int, dim: int):
        self.sums = np.zeros((n_texts, dim), dtype=np.float64)
        self.counts = np.zeros(n_texts, dtype=np.float64)

    def add(self, owners: np.ndarray, hidden: torch.Tensor, attention_mask: torch.Tensor) -> None:
        """Windows ``hidden`` ``(batch, seq, h)`` under ``attention_mask`` ``(batch, seq)``,
        window ``i`` belonging to text ``owners[i]``."""
        mask = attention_mask.unsqueeze(-1).float()
        np.add.at(self.sums, owners, (hidden.float() * mask).sum(dim=1).numpy())
        np.add.at(self.counts, owners, mask.sum(dim=(1, 2)).numpy())

    def means(self) -> np.ndarray:
        """``(n_texts, dim)`` float64; a text with no tokens gets zeros."""
        return self.sums / np.maximum(self.counts, 1.0)[:, None]


_ENCODERS: dict[tuple[str, int], SentenceEncoder] = {}


def embed(
    texts: str | Sequence[str],
    model: str | Path | None = None,
    *,
    max_length: int = MAX_LENGTH,
    batch_size: int = BATCH_SIZE,
) -> np.ndarray:
    """L2-normalised embeddings of ``texts``, shape ``(n_texts, dim)`` float32 (one text: a
    string counts as one). The encoder is loaded once per ``model`` and kept."""
    if isinstance(texts, str):
        texts = [texts]
    key = (str(model), max_length)
    if key not in _ENCODERS:
        _ENCODERS[key] = SentenceEncoder(model, max_length=max_length)
    return _ENCODERS[key].encode(texts, batch_size=batch_size)


def encoder_fingerprint(encoder: Any) -> dict[str, str]:
    """What identifies an encoder's vectors: its name and a digest of its weights."""
    from axonlab.text.predict.batch import file_digest

    weights = sorted(Path(encoder.folder).glob("*.safetensors"))
    return {
        "model": encoder.name,
        "weights_sha256": file_digest(weights[0]) if weights else "",
        "max_length": str(encoder.max_length),
    }
