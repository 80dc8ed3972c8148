"""The Python example of docs/lm.md runs as written."""

from __future__ import annotations

import re

from tests.paths import ROOT

DOC = ROOT / "docs" / "lm.md"


def test_python_example_runs(tmp_path, monkeypatch):
    repo = DOC.parent.parent
    code = re.search(r"```python\n(.*?)```", DOC.read_text(), re.S).group(1)
    code = code.replace('"tests/data', f'"{repo}/tests/data')
    monkeypatch.chdir(tmp_path)  # the example writes runs/doc-lm here
    namespace: dict = {}
    exec(compile(code, str(DOC), "exec"), namespace)
    assert set(namespace["scores"]) >= {"loss", "perplexity", "bits_per_char"}
    assert len(namespace["text"]) == 40 and "".join(namespace["pieces"])
