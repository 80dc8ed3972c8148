"""Small stand-in models (deterministic, instant) and tiny real run directories for the serve
tests. The real ones are random-weight 2-layer BERTs: plumbing, never accuracy."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from axonlab.errors import InputError
from tests.live import browser, running  # noqa: F401  (fixtures and helpers shared)


class FakeClassifier:
    """Labels a text ``spam`` when it contains "free", else ``ham``; records its batches."""

    task = "classify"
    labels = ["ham", "spam"]
    backbone = "fake-bert"

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self._lock = threading.Lock()

    def predict(self, texts: list[str]) -> list[dict]:
        with self._lock:
            self.batches.append(list(texts))
        out = []
        for text in texts:
            spam = 0.9 if "free" in text.lower() else 0.2
            label = "spam" if spam > 0.5 else "ham"
            out.append(
                {
                    "label": label,
                    "score": max(spam, 1 - spam),
                    "scores": {"ham": 1 - spam, "spam": spam},
                }
            )
        return out


class FakeTagger:
    """Tags every capitalised word as a LOC entity, with character offsets."""

    task = "ner"
    labels = ["O", "B-LOC", "I-LOC"]
    backbone = "fake-bert"

    def predict(self, texts: list[str]) -> list[dict]:
        return [
            {
                "entities": [
                    {
                        "type": "LOC",
                        "text": m.group(),
                        "start": m.start(),
                        "end": m.end(),
                        "score": 0.8,
                    }
                    for m in re.finditer(r"\b[A-Z]\w+", text)
                ]
            }
            for text in texts
        ]


class FakeLM:
    """Continues any prompt with `` la`` repeated; refuses prompts containing ``~``."""

    task = "lm"

    def stream(self, prompt: str, tokens: int, **sampling) -> Iterator[str]:
        if "~" in prompt:
            raise InputError("prompt has characters outside the vocabulary: '~'")
        for _ in range(tokens):
            yield " la"

    def generate(self, prompt: str, tokens: int, **sampling) -> str:
        return "".join(self.stream(prompt, tokens, **sampling))


@pytest.fixture()
def fake_models() -> dict:
    return {"spam": FakeClassifier(), "places": FakeTagger(), "poet": FakeLM()}


@pytest.fixture(scope="session")
def tiny_lm(tmp_path_factory) -> Path:
    """A finished ``lm`` run: a 1-layer character GPT trained for 2 steps (gibberish, fast)."""
    from axonlab import lm

    root = tmp_path_factory.mktemp("lm")
    corpus = root / "corpus.txt"
    corpus.write_text("to be or not to be, that is the question.\n" * 40)
    run = root / "poet"
    model = {"n_layer": 1, "n_head": 2, "n_embd": 16, "block_size": 32}
    lm.train(corpus, run, arch="gpt", max_steps=2, eval_interval=1, model=model)
    return run


@pytest.fixture()
def live_fakes(fake_models) -> Iterator[str]:
    """Base URL of a real HTTP server (uvicorn, loopback) serving the stand-in models."""
    from axonlab.serve import Settings, create_app

    with running(create_app(Settings(max_text_chars=200), models=fake_models)) as url:
        yield url
