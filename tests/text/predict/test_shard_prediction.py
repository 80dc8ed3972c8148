"""Batch prediction over shards on a local Ray cluster (the tiny classifier run)."""

from __future__ import annotations

import json

import pytest

from axonlab.errors import InputError
from axonlab.text.predict.shards import input_shards
from tests.text.conftest import DATA


@pytest.fixture()
def shards(tmp_path):
    header, *rows = (DATA / "spam_dev.tsv").read_text().splitlines()
    folder = tmp_path / "in"
    folder.mkdir()
    for i, part in enumerate((rows[:10], rows[10:25], rows[25:])):
        (folder / f"part{i}.tsv").write_text("\n".join([header, *part]) + "\n")
    return folder


def test_shards_from_a_folder_or_a_glob(shards, tmp_path):
    assert [p.name for p in input_shards(shards)] == ["part0.tsv", "part1.tsv", "part2.tsv"]
    assert [p.name for p in input_shards(str(shards / "part[12].tsv"))] == [
        "part1.tsv",
        "part2.tsv",
    ]
    with pytest.raises(InputError, match="no input shards"):
        input_shards(str(tmp_path / "nothing*.tsv"))
    (shards / "part0.jsonl").write_text('{"text": "hi"}\n')
    with pytest.raises(InputError, match="share a name"):
        input_shards(shards)


@pytest.mark.slow
def test_ray_predicts_every_row_once_and_resumes_by_shard(axonlab, tiny_runs, shards, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    # a crash left part1 half-written (as the partial file) ...
    (out / "part1.jsonl.partial").write_text('{"row": 0, "line": 2, "label": "ham"}\n{"row": 1')
    code, stdout, err = axonlab(
        "text", "predict", tiny_runs["spam"], "--input", str(shards / "*.tsv"), "--output", out,
        "--engine", "ray", "--workers", "2", "--json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(stdout) | {"seconds": 0, "rows_per_second": 0} == {
        "shards": 3, "skipped": 0, "rows": 32, "seconds": 0, "rows_per_second": 0
    }  # fmt: skip
    for shard in sorted(shards.iterdir()):
        lines = [json.loads(x) for x in (out / f"{shard.stem}.jsonl").read_text().splitlines()]
        assert [x["row"] for x in lines] == list(range(len(shard.read_text().splitlines()) - 1))
    assert not list(out.glob("*.partial"))
    # ... and a rerun after part2 was lost redoes part2 alone
    finished = (out / "part0.jsonl").stat().st_mtime_ns
    (out / "part2.jsonl").unlink()
    code, stdout, err = axonlab(
        "text", "predict", tiny_runs["spam"], "--input", shards, "--output", out,
        "--engine", "ray", "--json",
    )  # fmt: skip
    assert code == 0, err
    summary = json.loads(stdout)
    assert (summary["skipped"], summary["rows"]) == (2, 7)
    assert (out / "part0.jsonl").stat().st_mtime_ns == finished


def test_ray_needs_files(axonlab, tiny_runs):
    code, _, err = axonlab("text", "predict", tiny_runs["spam"], "hello", "--engine", "ray")
    assert code == 1 and "--engine ray predicts files" in err
