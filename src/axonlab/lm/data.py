"""Corpora for language models: read a text file or folder, split off held-out text, batch it.

The held-out split is the *last* ``val_fraction`` of the text (default 10%), the convention of
published character-level results on Tiny Shakespeare and enwik8.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from axonlab.errors import InputError


def read_text(path: str | Path) -> str:
    """UTF-8 text of a file, or of every file in a folder (sorted by path, hidden files skipped,
    joined with a newline). Empty, binary or non-UTF-8 input raises InputError."""
    path = Path(path)
    if path.is_dir():
        files = sorted(
            p
            for p in path.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
        )
        if not files:
            raise InputError("folder holds no files", path=path)
        return "\n".join(_read_file(p) for p in files)
    if not path.is_file():
        raise InputError("no such file or folder", path=path)
    return _read_file(path)


def _read_file(path: Path) -> str:
    data = path.read_bytes()
    if not data.strip():
        raise InputError("file is empty; expected UTF-8 text", path=path)
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise InputError(
            "holds a NUL byte, so it looks binary; expected UTF-8 text", path=path, line=line
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise InputError(
            f"is not UTF-8 text ({err.reason} at byte {err.start})", path=path, line=line
        ) from err


def split_text(text: str, val_fraction: float = 0.1) -> tuple[str, str]:
    """``(train, val)``: the first ``1 - val_fraction`` of the characters and the rest."""
    if not 0.0 < val_fraction < 1.0:
        raise InputError(f"val_fraction={val_fraction} must be in (0, 1)")
    cut = int(len(text) * (1.0 - val_fraction))
    return text[:cut], text[cut:]


@dataclass
class TokenStream:
    """One split of the corpus as token ids, read in random windows (:meth:`batch`) or in
    parallel lanes for a recurrent model (:meth:`sequential_batch`)."""

    ids: torch.Tensor  # (N,) int64
    name: str = "train"

    def check_window(self, block_size: int, source: str | Path | None = None) -> None:
        """Raise InputError unless the stream holds at least one window plus its target."""
        if len(self.ids) < block_size + 1:
            raise InputError(
                f"the {self.name} split has {len(self.ids)} tokens, fewer than one training "
                f"window of {block_size} + 1; use a longer text or a smaller `block_size`",
                path=source,
            )

    def batch(
        self, batch_size: int, block_size: int, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Random windows ``x`` (B, T) and their next-token targets ``y`` (B, T)."""
        starts = torch.randint(len(self.ids) - block_size, (batch_size,), generator=generator)
        return self._windows(starts, block_size)

    def check_lanes(
        self, batch_size: int, block_size: int, source: str | Path | None = None
    ) -> None:
        """Raise InputError unless ``batch_size`` lanes each hold one window plus its target."""
        if (len(self.ids) - 1) // batch_size < block_size:
            raise InputError(
                f"the {self.name} split has {len(self.ids)} tokens, too few for {batch_size} "
                f"lanes of one {block_size}-token window; lower the batch size or block size",
                path=source,
            )

    def sequential_batch(
        self, batch_size: int, block_size: int, step: int
    ) -> tuple[torch.Tensor, torch.Tensor, bool]:
        """Window ``step`` of ``batch_size`` parallel lanes, for training a recurrent model with
        its state carried from one step to the next (truncated backpropagation through time).

        The text is cut into ``batch_size`` equal lanes; step k reads tokens [k*T, (k+1)*T) of
        every lane (wrapping round at the end of a lane). Returns ``x`` (B, T), the targets
        ``y`` (B, T) and whether this window starts the lanes afresh (the state must be reset).
        """
        self.check_lanes(batch_size, block_size)
        lane = (len(self.ids) - 1) // batch_size
        windows_per_lane = lane // block_size
        position = (step % windows_per_lane) * block_size
        starts = torch.arange(batch_size) * lane + position
        return (*self._windows(starts, block_size), position == 0)

    def _windows(self, starts: torch.Tensor, block_size: int) -> tuple[torch.Tensor, torch.Tensor]:
        index = starts[:, None] + torch.arange(block_size)
        return self.ids[index], self.ids[index + 1]
