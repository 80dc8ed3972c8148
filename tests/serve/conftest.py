"""Small stand-in models (deterministic, instant) and tiny real run directories for the serve
tests. The real ones are random-weight 2-layer BERTs: plumbing, never accuracy."""

from __future__ import annotations

import re
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from axonlab.errors import InputError


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


def _tiny_run(folder: Path, task: str, labels: list[str]) -> Path:
    """A finished run directory holding a random tiny BERT for ``task`` with ``labels``."""
    from transformers import BertForSequenceClassification, BertForTokenClassification

    from axonlab.runs import RunDirectory
    from tests.tiny_bert import tiny_bert

    tokenizer, config = tiny_bert(
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )
    model_class = (
        BertForSequenceClassification if task == "classify" else BertForTokenClassification
    )
    run = RunDirectory(folder)
    run.start({"backbone": "tiny-bert", "labels": labels, "train": {"max_length": 64}}, task=task)
    model_class(config).save_pretrained(folder / "model")
    tokenizer.save_pretrained(folder / "model")
    run.mark_complete()
    return folder


@pytest.fixture(scope="session")
def tiny_runs(tmp_path_factory) -> dict[str, Path]:
    """``{"spam": classify run, "ner": ner run}``, built once per session."""
    root = tmp_path_factory.mktemp("runs")
    return {
        "spam": _tiny_run(root / "spam", "classify", ["ham", "spam"]),
        "ner": _tiny_run(root / "ner", "ner", ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]),
    }


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


@contextmanager
def running(app) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in a thread; yields its base URL."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture()
def live_fakes(fake_models) -> Iterator[str]:
    """Base URL of a real HTTP server (uvicorn, loopback) serving the stand-in models."""
    from axonlab.serve import Settings, create_app

    with running(create_app(Settings(max_text_chars=200), models=fake_models)) as url:
        yield url


CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium driven by Playwright; the test is skipped, saying why, where either
    is missing (CI installs both with .ci/install-browser)."""
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.skip("no Chromium at /usr/bin/chromium (install it with .ci/install-browser)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is not installed"
    )
    executable = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=FLAGS)
        yield browser
        browser.close()
