"""Which training checkpoint a resumed text run continues from.

transformers' Trainer writes ``checkpoints/checkpoint-<step>/`` one file after another: the weights,
the optimizer and scheduler, the RNG states, and ``trainer_state.json`` last. A run killed while
saving leaves a checkpoint without that last file (or with a torn one); resuming from it fails deep
inside the Trainer. The newest checkpoint whose ``trainer_state.json`` reads back is the last
complete one: every file before it was written in full.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

from axonlab.errors import IncompleteCheckpointWarning, RunDirectoryError

TRAINER_STATE = "trainer_state.json"
WEIGHT_FILES = ("model.safetensors", "adapter_model.safetensors", "pytorch_model.bin")
_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")


def is_complete_checkpoint(folder: Path) -> bool:
    """True if ``folder`` holds a checkpoint the Trainer finished writing."""
    try:
        state = json.loads((folder / TRAINER_STATE).read_text())
    except (OSError, ValueError):
        return False
    has_weights = any(
        (folder / name).is_file() and (folder / name).stat().st_size > 0 for name in WEIGHT_FILES
    )
    return isinstance(state, dict) and "global_step" in state and has_weights


def last_complete_checkpoint(folder: Path) -> Path:
    """The newest complete ``checkpoint-<step>`` in ``folder``.

    Skipped (half-written) checkpoints are named in an :class:`IncompleteCheckpointWarning`.
    Raises :class:`RunDirectoryError` if there is none to resume from.
    """
    found = sorted(
        (int(m.group(1)), path)
        for path in (folder.iterdir() if folder.is_dir() else ())
        if (m := _CHECKPOINT.match(path.name)) and path.is_dir()
    )
    skipped = []
    for _, path in reversed(found):
        if is_complete_checkpoint(path):
            if skipped:
                warnings.warn(
                    f"{', '.join(skipped)} in {folder} was interrupted while being saved; "
                    f"resuming from the last complete checkpoint, {path.name}",
                    IncompleteCheckpointWarning,
                    stacklevel=2,
                )
            return path
        skipped.append(path.name)
    what = "only incomplete checkpoints" if skipped else "no checkpoint"
    raise RunDirectoryError(
        f"cannot resume: {folder} holds {what} (the run was interrupted before its first "
        "checkpoint was saved); delete the run folder and train again"
    )
