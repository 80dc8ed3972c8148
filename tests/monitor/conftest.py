"""A stand-in sentiment model (instant, deterministic) and helpers for the monitor tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from axonlab.monitor import Item, MonitorConfig


class KeywordSentiment:
    """``negative`` for texts with "falls", ``positive`` with "rises", else ``neutral``."""

    task = "classify"
    labels = ["negative", "neutral", "positive"]

    def __init__(self) -> None:
        self.seen = 0

    def predict(self, texts: list[str], batch_size: int = 64) -> list[dict]:
        self.seen += len(texts)
        out = []
        for text in texts:
            label = "negative" if "falls" in text else "positive" if "rises" in text else "neutral"
            out.append({"label": label, "score": 0.9})
        return out


def stream(minutes: int, *, negative_every: int = 10, start: float = 0.0, key: str = "ACME"):
    """One item a minute for ``minutes``; every ``negative_every``-th is negative."""
    return [
        Item(
            id=f"{key}-{start + 60 * i}",
            ts=start + 60.0 * i,
            text=f"{key} falls" if i % negative_every == 0 else f"{key} holds steady",
            key=key,
        )
        for i in range(minutes)
    ]


@pytest.fixture()
def sentiment() -> KeywordSentiment:
    return KeywordSentiment()


@pytest.fixture()
def config(tmp_path: Path) -> MonitorConfig:
    return MonitorConfig(
        store=tmp_path / "monitor.db",
        sentiment=tmp_path / "run",
        window="30m",
        baseline="6h",
        rules=["zscore", "share", "cusum"],
        rule={"min_count": 10, "min_baseline": 30, "cooldown": "2h"},
    )
