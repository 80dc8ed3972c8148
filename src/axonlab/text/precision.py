"""Where bfloat16 pays: training's autocast and the sentence encoder's inference both ask here.

bf16 keeps float32's range with an 8-bit mantissa. On CPUs with bf16 matrix instructions
(AVX512-BF16, AMX) oneDNN runs the matrix products natively, about twice as fast as float32;
elsewhere they are emulated and slower, so the default stays float32 there.
"""

from __future__ import annotations

from pathlib import Path


def cpu_has_native_bf16() -> bool:
    """True on CPUs with bfloat16 matrix instructions (AVX512-BF16 or AMX)."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def bf16_by_default(asked: bool | None = None) -> bool:
    """``asked`` where given; else bf16 on a CPU-only machine whose CPU runs it natively."""
    if asked is not None:
        return asked
    import torch

    return not torch.cuda.is_available() and cpu_has_native_bf16()
