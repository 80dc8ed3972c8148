"""Run directories: what may start where, atomic files with ordinary permissions, strict JSON."""

from __future__ import annotations

import json
import math
import os
import stat

import numpy as np
import pytest

from axonlab.errors import InputError, RunDirectoryError
from axonlab.runs import RunDirectory, atomic_path, check_writable, to_json, write_json


def _finished(path):
    run = RunDirectory(path)
    run.start({"x": 1}, task="classify")
    (path / "model").mkdir()
    (path / "model" / "weights").write_text("trained")
    run.mark_complete()
    return run


def test_a_fresh_run_starts_in_a_missing_or_empty_folder(tmp_path):
    RunDirectory(tmp_path / "new").start({}, task="classify")
    (tmp_path / "empty").mkdir()
    RunDirectory(tmp_path / "empty").start({}, task="classify")
    assert RunDirectory(tmp_path / "empty").is_incomplete


def test_a_finished_run_is_never_restarted_nor_resumed(tmp_path):
    run = _finished(tmp_path / "done")
    before = {p: p.read_bytes() for p in run.path.rglob("*") if p.is_file()}
    with pytest.raises(RunDirectoryError, match="already holds a finished run"):
        run.start({"x": 2}, task="classify")
    with pytest.raises(RunDirectoryError, match="holds a finished run: nothing to resume"):
        run.start({"x": 2}, task="classify", resume=True)
    assert {p: p.read_bytes() for p in run.path.rglob("*") if p.is_file()} == before


def test_an_interrupted_run_is_only_continued_on_purpose(tmp_path):
    run = RunDirectory(tmp_path / "cut")
    run.start({}, task="classify")
    with pytest.raises(RunDirectoryError, match="holds an interrupted run; resume it"):
        run.check_start(resume=False)
    run.check_start(resume=True)  # allowed


def test_resume_needs_something_to_resume(tmp_path):
    with pytest.raises(RunDirectoryError, match="nothing to resume.*does not exist"):
        RunDirectory(tmp_path / "missing").check_start(resume=True)
    assert not (tmp_path / "missing").exists()


def test_a_folder_of_the_users_is_never_used(tmp_path):
    mine = tmp_path / "mydir"
    (mine / "model").mkdir(parents=True)
    (mine / "model" / "README.md").write_text("mine")
    (mine / "metrics.json").write_text('{"mine": 1}')
    with pytest.raises(RunDirectoryError, match="not empty and is not an axonlab run"):
        RunDirectory(mine).start({}, task="classify")
    assert (mine / "model" / "README.md").read_text() == "mine"
    assert (mine / "metrics.json").read_text() == '{"mine": 1}'
    assert sorted(p.name for p in mine.rglob("*")) == ["README.md", "metrics.json", "model"]


def test_a_file_is_not_a_run_folder(tmp_path):
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(RunDirectoryError, match="is a file"):
        RunDirectory(tmp_path / "f.txt").check_start(resume=False)


def test_a_hugging_face_model_folder_is_not_a_run(tmp_path):
    run = _finished(tmp_path / "run")
    hf = run.path / "model"
    (hf / "config.json").write_text('{"model_type": "bert"}')
    assert not RunDirectory(hf).is_run
    with pytest.raises(RunDirectoryError, match=f"give its run directory, {run.path}"):
        RunDirectory(hf).require_complete()


def test_atomic_files_get_ordinary_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        with atomic_path(tmp_path / "a.txt") as tmp:
            tmp.write_text("x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == 0o644


def test_atomic_path_leaves_the_old_file_on_failure(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["a.txt"]


def test_json_never_holds_nan(tmp_path):
    obj = {"a": math.nan, "b": [1.0, math.inf, np.float32("nan")], "c": np.array([1.5, -np.inf])}
    text = to_json(obj)
    assert json.loads(text) == {"a": None, "b": [1.0, None, None], "c": [1.5, None]}
    write_json(tmp_path / "m.json", obj)
    assert "NaN" not in (tmp_path / "m.json").read_text()


def test_check_writable(tmp_path):
    check_writable(tmp_path / "new" / "deeper" / "out.jsonl")
    check_writable(tmp_path / "folder", folder=True)
    with pytest.raises(InputError, match="is a folder; expected a file"):
        check_writable(tmp_path)
    (tmp_path / "f").write_text("x")
    with pytest.raises(InputError, match="is a file; expected a folder"):
        check_writable(tmp_path / "f", folder=True)
    with pytest.raises(InputError, match="is a file, not a folder"):
        check_writable(tmp_path / "f" / "out.jsonl")
