"""Where a run's figure and data go: checked before a simulation starts, so that a typo in an
output path costs an error message, not the run."""

from __future__ import annotations

from pathlib import Path

from axonlab.errors import InputError
from axonlab.runs import check_writable

# formats matplotlib writes without extra software (pgf needs LaTeX, avif a Pillow plugin)
FIGURE_FORMATS = ("png", "pdf", "svg", "svgz", "eps", "ps", "jpg", "jpeg", "tif", "tiff", "webp")
DATA_FORMATS = ("npz", "nwb")  # nwb: with the `nwb` extra (pynwb)


def check_figure_path(path: str | Path) -> Path:
    """``path`` as a :class:`Path` if a figure can be written there; else :class:`InputError`.

    The extension picks the format (one of :data:`FIGURE_FORMATS`).
    """
    return _check(Path(path), FIGURE_FORMATS, "figure")


def check_data_path(path: str | Path) -> Path:
    """``path`` as a :class:`Path` if spikes and traces can be saved there (``.npz``, ``.nwb``)."""
    return _check(Path(path), DATA_FORMATS, "data file")


def _check(path: Path, formats: tuple[str, ...], what: str) -> Path:
    if path.is_dir():
        raise InputError(
            f"is a folder; give a {what} name such as "
            f"{path / ('figure.png' if what == 'figure' else 'run.npz')}",
            path=path,
        )
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in formats:
        have = f"extension .{suffix}" if suffix else "no extension"
        raise InputError(
            f"{have}; a {what} is written as one of {', '.join('.' + f for f in formats)}",
            path=path,
        )
    check_writable(path)
    return path
