"""The Python examples in docs/serve.md run as written."""

from __future__ import annotations

from pathlib import Path

from tests.paths import ROOT

PAGE = (ROOT / "docs" / "serve.md").read_text()


def example(heading: str) -> str:
    return PAGE.split(f"## {heading}", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]


def test_in_python_example(tiny_runs):
    namespace: dict = {"run_dir": tiny_runs["spam"]}
    exec(compile(example("In Python"), "docs/serve.md", "exec"), namespace)
    assert namespace["name"] == "spam"
    assert namespace["predictions"][0]["label"] in ("ham", "spam")


def test_batch_prediction_example(tiny_runs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("messages.csv").write_text("id,text\n1,Free entry! Txt WIN\n2,see you at 6\n")
    namespace: dict = {"run_dir": tiny_runs["spam"]}
    exec(compile(example("Batch prediction over a file"), "docs/serve.md", "exec"), namespace)
    assert namespace["summary"]["rows"] == 2
    assert len(Path("predictions.jsonl").read_text().splitlines()) == 2
