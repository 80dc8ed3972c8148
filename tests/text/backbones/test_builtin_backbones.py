"""Built-in backbones: converted into the cache once, atomically, under a lock; listed by the
CLI; resolved by name for every text task."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from axonlab.errors import InputError
from axonlab.text.backbones import builtin as bb
from axonlab.text.backbones.resolve import resolve_backbone
from tests.text.backbones.e5_reference import write_packed
from tests.text.backbones.test_packed_e5 import DIMS, NORM, PIECES, SCORES

FAKE = bb.Builtin(
    "tiny-e5", "a synthetic packed model", "fake-e5", extra="multilingual", packed="tiny.bin"
)


@pytest.fixture()
def fake_builtin(tmp_path, monkeypatch):
    """A built-in backbone whose 'package' is a folder holding a synthetic packed file, with
    the cache in a temporary folder. Returns the cache folder it converts into."""
    package = tmp_path / "package"
    package.mkdir()
    write_packed(package / "tiny.bin", pieces=PIECES, scores=SCORES, norm_map=NORM, dims=DIMS)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setitem(bb.BUILTINS, FAKE.name, FAKE)
    monkeypatch.setattr(bb, "_package_dir", lambda spec: package)
    monkeypatch.setattr(bb, "_source", lambda spec: {"package": "fake-e5", "version": "1"})
    return tmp_path / "cache" / "axonlab" / "backbones"


def _refuse(*args, **kwargs):
    raise AssertionError("converted again")


def test_first_use_converts_then_reuses(fake_builtin, monkeypatch):
    steps: list[str] = []
    folder = bb.prepare("tiny-e5", progress=steps.append)
    assert folder == fake_builtin / "tiny-e5"
    assert {
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        bb.STAMP,
    } <= {p.name for p in folder.iterdir()}
    assert steps and bb.status("tiny-e5").ready
    assert oct(folder.stat().st_mode & 0o777) != "0o700"  # not the temporary folder's mode

    monkeypatch.setattr("axonlab.text.backbones.e5_convert.convert", _refuse)
    assert resolve_backbone("tiny-e5") == str(folder)  # the text tasks' entry point


def test_failed_conversion_leaves_nothing(fake_builtin, monkeypatch):
    def half_then_fail(packed, folder, progress=None):
        (folder / "config.json").write_text("{}")
        raise RuntimeError("disk full")

    fake_builtin.mkdir(parents=True)
    (fake_builtin / ".tiny-e5.partial-killed").mkdir()  # a kill -9'd conversion's leftover
    monkeypatch.setattr("axonlab.text.backbones.e5_convert.convert", half_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        bb.prepare("tiny-e5")
    assert [p.name for p in fake_builtin.iterdir()] == [".tiny-e5.lock"]
    assert not bb.status("tiny-e5").ready


def test_a_second_process_waits_and_reuses(fake_builtin, monkeypatch):
    folder = bb.prepare("tiny-e5")
    (folder / bb.STAMP).unlink()  # make it stale, so a caller has to take the lock
    result: list[Path] = []
    with bb._lock(folder):  # another process is converting
        waiter = threading.Thread(target=lambda: result.append(bb.prepare("tiny-e5")))
        waiter.start()
        time.sleep(0.3)
        assert waiter.is_alive() and not result  # blocked on the lock
        (folder / bb.STAMP).write_text(json.dumps(bb._source(FAKE)))  # the other one finishes
        monkeypatch.setattr("axonlab.text.backbones.e5_convert.convert", _refuse)
    waiter.join(10)
    assert result == [folder]


def test_stale_folder_is_replaced(fake_builtin, monkeypatch):
    folder = bb.prepare("tiny-e5")
    (folder / "leftover.txt").write_text("from an older converter")
    monkeypatch.setattr(bb, "_source", lambda spec: {"package": "fake-e5", "version": "2"})
    assert not bb.status("tiny-e5").ready
    assert bb.prepare("tiny-e5") == folder
    assert not (folder / "leftover.txt").exists() and bb.status("tiny-e5").ready
    assert sorted(p.name for p in fake_builtin.iterdir()) == [".tiny-e5.lock", "tiny-e5"]


def test_missing_package_names_the_install_command(fake_builtin, monkeypatch):
    monkeypatch.setattr(bb, "_package_dir", lambda spec: None)
    with pytest.raises(InputError, match=r"pip install 'axonlab\[multilingual\]'"):
        resolve_backbone("tiny-e5")
    assert "pip install" in bb.status("tiny-e5").detail


def test_unwritable_cache_is_an_input_error(fake_builtin, monkeypatch, tmp_path):
    (tmp_path / "not-a-folder").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "not-a-folder"))
    with pytest.raises(InputError, match="XDG_CACHE_HOME"):
        bb.prepare("tiny-e5")


def test_unknown_builtin_is_an_input_error():
    with pytest.raises(InputError, match="multilingual-e5-small"):
        bb.prepare("no-such-backbone")


def test_cli_lists_and_prepares(fake_builtin, axonlab):
    code, out, _ = axonlab("backbones", "list", "--json")
    assert code == 0
    listed = {b["name"]: b for b in json.loads(out)["backbones"]}
    assert {"all-minilm-l6-v2", "multilingual-e5-small", "tiny-e5"} <= set(listed)
    assert listed["all-minilm-l6-v2"]["ready"] and not listed["tiny-e5"]["ready"]
    assert listed["tiny-e5"]["path"] == str(fake_builtin / "tiny-e5")

    code, out, err = axonlab("backbones", "prepare", "tiny-e5", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["ready"] and report["bytes"] > 0 and "weights" in err  # progress on stderr

    code, out, _ = axonlab("backbones", "list")
    assert code == 0 and "tiny-e5  ready" in out

    code, _, err = axonlab("backbones", "prepare", "nope")
    assert code == 1 and "no built-in backbone 'nope'" in err
