"""A trained language model loaded from its run directory: generate, stream and evaluate.

>>> model = lm.load("runs/lm")
>>> model.generate("ROMEO:", tokens=200, temperature=0.8, top_k=40, seed=1)
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch.nn as nn

from axonlab.errors import InputError
from axonlab.lm.checkpoint import MODEL_FILE, load_model
from axonlab.lm.data import read_text
from axonlab.lm.evaluate import evaluate_ids
from axonlab.lm.generate import sample_ids
from axonlab.lm.tokenize import TOKENIZER_FILE, Tokenizer, load_tokenizer
from axonlab.runs import RunDirectory


class LanguageModel:
    """A model (GPT or LSTMLM) with its tokenizer."""

    def __init__(self, model: nn.Module, tokenizer: Tokenizer, arch: str):
        self.model, self.tokenizer, self.arch = model.eval(), tokenizer, arch

    @classmethod
    def load(cls, run_dir: str | Path) -> LanguageModel:
        """Load the best weights of a finished ``lm train`` run directory (on CPU)."""
        run = RunDirectory(run_dir)
        run.require_complete()
        model, arch = load_model(run.path / MODEL_FILE)
        return cls(model, load_tokenizer(run.path / TOKENIZER_FILE), arch)

    def __repr__(self) -> str:
        return f"LanguageModel({self.model!r}, {self.tokenizer!r})"

    @property
    def block_size(self) -> int:
        return self.model.block_size

    def stream(
        self,
        prompt: str,
        tokens: int,
        *,
        temperature: float = 1.0,
        top_k: int | None = None,
        top_p: float | None = None,
        seed: int | None = None,
        use_cache: bool = True,
    ) -> Iterator[str]:
        """Yield the continuation of ``prompt`` piece by piece, ``tokens`` tokens in all
        (characters, for a char model). A prompt character outside a char vocabulary raises
        InputError. Same seed, same text."""
        ids = self.tokenizer.encode(prompt, strict=True)
        sampled = sample_ids(
            self.model,
            ids,
            tokens,
            temperature=temperature,
            top_k=top_k,
            top_p=top_p,
            seed=seed,
            use_cache=use_cache,
        )
        if self.tokenizer.kind == "char":
            for token in sampled:
                yield self.tokenizer.decode([token])
            return
        done, sent = [], ""  # byte-level BPE: hold back pieces that end mid-character
        for token in sampled:
            done.append(token)
            text = self.tokenizer.decode(done)
            if not text.endswith("\ufffd") and len(text) > len(sent):
                yield text[len(sent) :]
                sent = text
        text = self.tokenizer.decode(done)
        if len(text) > len(sent):
            yield text[len(sent) :]

    def generate(
        self,
        prompt: str,
        tokens: int,
        *,
        temperature: float = 1.0,
        top_k: int | None = None,
        top_p: float | None = None,
        seed: int | None = None,
        use_cache: bool = True,
    ) -> str:
        """The continuation of ``prompt`` (without the prompt): ``tokens`` sampled tokens."""
        return "".join(
            self.stream(
                prompt,
                tokens,
                temperature=temperature,
                top_k=top_k,
                top_p=top_p,
                seed=seed,
                use_cache=use_cache,
            )
        )

    def evaluate(
        self, path_or_text: str | Path, window: int | None = None, stride: int | None = None
    ) -> dict[str, Any]:
        """Score a text file (a Path, or a str naming an existing file) or a text string.

        Returns ``loss`` (nats/token; nats/character for a char model), ``perplexity``
        (exp(loss)), ``bits_per_char``, and the ``tokens``/``characters`` scored. Default:
        every token scored once with full context (the LSTM in one pass with its state carried,
        the GPT in sliding windows of its block); ``window=N``: consecutive N-token windows
        each from an empty context. Characters outside a char
        vocabulary are read as the unknown symbol.
        """
        is_file = isinstance(path_or_text, Path) or os.path.isfile(path_or_text)
        text = read_text(path_or_text) if is_file else str(path_or_text)
        if not text:
            raise InputError("nothing to evaluate: the text is empty")
        ids = self.tokenizer.encode(text)
        first_chars = len(self.tokenizer.decode(ids[:1]))
        return evaluate_ids(self.model, ids, len(text), first_chars, window, stride)
