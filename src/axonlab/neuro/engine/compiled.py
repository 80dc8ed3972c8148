"""numba settings shared by the engine, the drive and the model kernels.

Compiled code is cached on disk. numba keys each function's cache on its own source file, but a
compiled function carries the code of the jitted functions it calls and the constants it reads
from other modules (the engine's loop holds every model's kernel, the layout's row numbers):
editing a kernel, or registering a model, would leave the loop's cached code stale. So every
function compiled here is cached against the sources of all of :data:`COMPILED_SOURCES`
together: any edit there recompiles them all on the next run (a few tens of seconds, once).

Floating point stays strict (``fastmath`` off) so runs reproduce bit for bit;
``error_model="numpy"`` lets division by zero give inf/NaN, which the engine's instability check
reports, instead of raising.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numba as nb
from numba.core import caching

PACKAGE = Path(__file__).resolve().parent.parent  # axonlab/neuro
# the modules whose code or constants end up in compiled functions (layout: row numbers)
COMPILED_SOURCES = (
    "engine/*.py",
    "arrays/layout.py",
    "models/*.py",
)


def source_stamp() -> bytes:
    """sha256 of :data:`COMPILED_SOURCES` (names and contents): the cache's freshness key."""
    digest = hashlib.sha256()
    for path in sorted(p for pattern in COMPILED_SOURCES for p in PACKAGE.glob(pattern)):
        digest.update(str(path.relative_to(PACKAGE)).encode() + b"\0" + path.read_bytes())
    return digest.digest()


class _PackageCacheLocator(caching.InTreeCacheLocator):
    """numba's in-tree cache (``__pycache__`` beside the source) for this package's functions,
    fresh only while :func:`source_stamp` is unchanged."""

    @classmethod
    def from_function(cls, py_func, py_file):  # noqa: ANN001, ANN206 (numba's interface)
        if not Path(py_file).resolve().is_relative_to(PACKAGE):
            return None
        return super().from_function(py_func, py_file)

    def get_source_stamp(self):  # noqa: ANN201
        return _STAMP


_STAMP = source_stamp()
# numba looks for a locator in this list, first match wins; should its internals move, the
# functions fall back to numba's own per-file caching (stale after cross-file edits, as numba is
# for everyone)
if isinstance(getattr(caching.CacheImpl, "_locator_classes", None), list):
    if _PackageCacheLocator not in caching.CacheImpl._locator_classes:
        caching.CacheImpl._locator_classes.insert(0, _PackageCacheLocator)

jit = nb.njit(cache=True, nogil=True, error_model="numpy")
# For the helpers of vectorised loops: inlined by numba itself, so LLVM sees one loop body (left
# to LLVM, the LIF loop's inlined helper came out five times slower)
jit_inline = nb.njit(cache=True, nogil=True, error_model="numpy", inline="always")

__all__ = ["COMPILED_SOURCES", "PACKAGE", "jit", "jit_inline", "source_stamp"]
