"""The Python example in docs/recommend.md runs as written (on the synthetic catalogue)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.paths import ROOT
from tests.recommend.conftest import DATA

PAGE = (ROOT / "docs" / "recommend.md").read_text()


@pytest.mark.slow
def test_in_python_example(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(DATA / "items.tsv", "items.tsv")
    shutil.copy(DATA / "ratings.csv", "ratings.csv")
    code = PAGE.split("### In Python", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(compile(code, "docs/recommend.md", "exec"), namespace)
    rec = namespace["rec"]
    assert len(rec.for_user("7", k=10)) == 10
    assert Path("runs/movies/model.npz").is_file()
