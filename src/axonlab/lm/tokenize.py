"""Tokenisers for language models: characters, or byte-level BPE from the ``tokenizers`` library.

Both are saved beside the model as ``tokenizer.json`` and map text to integer ids and back.

- :class:`CharTokenizer` has one id per character seen in the corpus plus id 0, the unknown
  symbol ``UNKNOWN`` (U+FFFD), which stands for every character outside that vocabulary.
  ``encode(text, strict=True)`` refuses such characters instead (used for prompts).
- :class:`BPETokenizer` is byte-level BPE (Sennrich et al. 2016; GPT-2's byte alphabet), so every
  string encodes and nothing is unknown.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol

from axonlab.errors import InputError

UNKNOWN = "\ufffd"
TOKENIZER_FILE = "tokenizer.json"


class Tokenizer(Protocol):
    kind: str

    @property
    def vocab_size(self) -> int: ...

    def encode(self, text: str, *, strict: bool = False) -> list[int]: ...

    def decode(self, ids: list[int]) -> str: ...

    def save(self, path: str | Path) -> None: ...


class CharTokenizer:
    """One id per character; id 0 is the unknown symbol."""

    kind = "char"

    def __init__(self, chars: list[str]):
        self.chars = [UNKNOWN] + [c for c in chars if c != UNKNOWN]
        self.index = {c: i for i, c in enumerate(self.chars)}

    @classmethod
    def train(cls, text: str) -> CharTokenizer:
        return cls(sorted(set(text)))

    def __repr__(self) -> str:
        return f"CharTokenizer({self.vocab_size} symbols incl. unknown)"

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str, *, strict: bool = False) -> list[int]:
        """Ids of ``text``; unknown characters become id 0, or raise InputError if ``strict``."""
        if strict:
            missing = sorted({c for c in text if c not in self.index})
            if missing:
                raise InputError(
                    f"characters {''.join(missing)!r} are not in the model's vocabulary of "
                    f"{self.vocab_size - 1} characters; remove them from the prompt"
                )
        return [self.index.get(c, 0) for c in text]

    def decode(self, ids: list[int]) -> str:
        return "".join(self.chars[i] for i in ids)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps({"kind": "char", "chars": self.chars[1:]}) + "\n")


class BPETokenizer:
    """Byte-level BPE trained on the corpus with Hugging Face ``tokenizers``."""

    kind = "bpe"

    def __init__(self, tokenizer):  # a tokenizers.Tokenizer
        self.tokenizer = tokenizer

    @classmethod
    def train(cls, text: str, vocab_size: int = 1024) -> BPETokenizer:
        from tokenizers import Tokenizer as HFTokenizer
        from tokenizers import decoders, models, pre_tokenizers, trainers

        tok = HFTokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tok.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(
            vocab_size=vocab_size,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
            show_progress=False,
        )
        lines = text.splitlines(keepends=True)
        tok.train_from_iterator(lines, trainer=trainer)
        return cls(tok)

    def __repr__(self) -> str:
        return f"BPETokenizer({self.vocab_size} tokens, byte-level)"

    @property
    def vocab_size(self) -> int:
        return self.tokenizer.get_vocab_size()

    def encode(self, text: str, *, strict: bool = False) -> list[int]:
        """Ids of ``text``. Byte-level: every string encodes, so ``strict`` changes nothing."""
        return self.tokenizer.encode(text).ids

    def decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids)

    def save(self, path: str | Path) -> None:
        wrapped = {"kind": "bpe", "tokenizer": json.loads(self.tokenizer.to_str())}
        Path(path).write_text(json.dumps(wrapped) + "\n")


def train_tokenizer(kind: str, text: str, vocab_size: int = 1024) -> Tokenizer:
    """Build a ``"char"`` or ``"bpe"`` tokeniser from ``text`` (``vocab_size`` is BPE's)."""
    if kind == "char":
        return CharTokenizer.train(text)
    if kind == "bpe":
        return BPETokenizer.train(text, vocab_size)
    raise InputError(f"unknown tokenizer {kind!r}; expected 'char' or 'bpe'")


def load_tokenizer(path: str | Path) -> Tokenizer:
    """Read a tokeniser written by ``save``."""
    data = json.loads(Path(path).read_text())
    if data["kind"] == "char":
        return CharTokenizer(data["chars"])
    from tokenizers import Tokenizer as HFTokenizer

    return BPETokenizer(HFTokenizer.from_str(json.dumps(data["tokenizer"])))
