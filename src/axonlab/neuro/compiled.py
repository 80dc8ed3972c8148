"""numba settings shared by the engine and its kernels.

Compiled code is cached on disk (numba keys each function's cache on its own file: after
editing :mod:`~axonlab.neuro.kernels` or :mod:`~axonlab.neuro.drive`, delete
``src/axonlab/neuro/__pycache__/*.nbi`` and ``*.nbc`` or touch ``engine.py``, whose
``run_steps`` would otherwise keep the old code inlined). Floating point stays strict
(``fastmath`` off) so runs reproduce bit for bit; ``error_model="numpy"`` lets division by zero
give inf/NaN, which the engine's instability check reports, instead of raising.
"""

from __future__ import annotations

import numba as nb

jit = nb.njit(cache=True, nogil=True, error_model="numpy")
# For the helpers of vectorised loops: inlined by numba itself, so LLVM sees one loop body (left
# to LLVM, the LIF loop's inlined helper came out five times slower)
jit_inline = nb.njit(cache=True, nogil=True, error_model="numpy", inline="always")
