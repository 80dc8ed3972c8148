"""Where bf16 is the default (axonlab.text.precision): a CPU that runs it natively."""

from __future__ import annotations

from axonlab.text import precision


def test_the_default_precision_follows_the_cpu(monkeypatch):
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: False)
    assert precision.bf16_by_default() is False and precision.bf16_by_default(True) is True
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: True)
    assert precision.bf16_by_default() is True and precision.bf16_by_default(False) is False
