"""Resuming from the last complete checkpoint when a kill left the newest one half-written."""

from __future__ import annotations

import json
import warnings

import pytest

from axonlab import text
from axonlab.errors import IncompleteCheckpointWarning, RunDirectoryError
from axonlab.text.training.checkpoints import last_complete_checkpoint


def _checkpoint(folder, step, *, state=True, weights=True):
    path = folder / f"checkpoint-{step}"
    path.mkdir(parents=True)
    if weights:
        (path / "model.safetensors").write_bytes(b"weights")
    if state:
        (path / "trainer_state.json").write_text(json.dumps({"global_step": step}))
    return path


def test_the_newest_complete_checkpoint_is_chosen(tmp_path):
    _checkpoint(tmp_path, 5)
    newest = _checkpoint(tmp_path, 10)
    _checkpoint(tmp_path, 9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing skipped: no warning
        assert last_complete_checkpoint(tmp_path) == newest


@pytest.mark.parametrize("damage", ["no state", "torn state", "no weights"])
def test_a_half_written_checkpoint_is_skipped_with_a_warning(tmp_path, damage):
    complete = _checkpoint(tmp_path, 5)
    torn = _checkpoint(tmp_path, 10, state=damage != "no state", weights=damage != "no weights")
    if damage == "torn state":
        (torn / "trainer_state.json").write_text('{"global_st')
    with pytest.warns(IncompleteCheckpointWarning, match="checkpoint-10 .* checkpoint-5"):
        assert last_complete_checkpoint(tmp_path) == complete


def test_no_complete_checkpoint_is_a_clear_error(tmp_path):
    with pytest.raises(RunDirectoryError, match="holds no checkpoint"):
        last_complete_checkpoint(tmp_path / "checkpoints")
    _checkpoint(tmp_path, 3, state=False)
    with pytest.raises(RunDirectoryError, match="holds only incomplete checkpoints"):
        last_complete_checkpoint(tmp_path)


@pytest.mark.slow
def test_resume_falls_back_past_a_checkpoint_killed_while_saving(
    tiny_backbone, spam_files, tmp_path
):
    train, dev = spam_files
    out = tmp_path / "run"
    options = {"batch_size": 16, "max_length": 32, "keep_checkpoints": True}
    text.finetune(
        "classify", train=train, dev=dev, out=out, backbone=tiny_backbone, epochs=2, **options
    )
    (out / "INCOMPLETE").write_text("pretend a kill during the epoch-2 save\n")
    checkpoints = sorted((out / "checkpoints").iterdir(), key=lambda p: int(p.name.split("-")[1]))
    assert len(checkpoints) == 2
    (checkpoints[-1] / "trainer_state.json").write_text('{"global_step": ')  # torn by the kill
    with pytest.warns(IncompleteCheckpointWarning, match=checkpoints[0].name):
        resumed = text.finetune(
            "classify",
            train=train,
            dev=dev,
            out=out,
            backbone=tiny_backbone,
            resume=True,
            epochs=2,
            **options,
        )
    history = resumed.run_metrics()["training"]["history"]
    assert [h["epoch"] for h in history if "eval_accuracy" in h] == [1.0, 2.0]
