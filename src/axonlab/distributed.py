"""Data-parallel training under ``torchrun``: which process this is, and where processes meet.

``torchrun --nproc-per-node N -m axonlab text train ...`` starts N copies of the command; each
reads its rank from the environment (``RANK``, ``WORLD_SIZE``). transformers' Trainer shards the
training batches across them and all-reduces the gradients (gloo on CPUs, NCCL on GPUs); axonlab
makes only rank 0 write the run directory, logs and reports, and keeps the global batch size the
one asked for (each process takes ``batch_size / N``). :func:`launch` is ``--workers N``: it runs
torchrun for the user on this machine.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Sequence

from axonlab.errors import InputError

_LAUNCHER_LOG = re.compile(r"^[WEI]\d{4} ")  # torchrun's log lines (W1201 21:11:26 ...)


def world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def rank() -> int:
    return int(os.environ.get("RANK", "0"))


def is_main() -> bool:
    """True on rank 0, the one process that writes (and the only one outside torchrun)."""
    return rank() == 0


def setup() -> None:
    """Join the process group torchrun set up the environment for (once; a no-op alone)."""
    import torch
    import torch.distributed as dist

    if world_size() > 1 and not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        if backend == "nccl":
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        dist.init_process_group(backend=backend)


def barrier() -> None:
    """Wait here until every process arrives (a no-op alone)."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.barrier()


def per_process_batch(batch_size: int) -> int:
    """Each process's share of the global ``batch_size``; it must divide evenly."""
    n = world_size()
    if batch_size % n:
        raise InputError(
            f"the batch size {batch_size} does not divide among {n} processes; the global batch "
            f"is kept as asked, so choose a multiple of {n}"
        )
    return batch_size // n


def launch(workers: int, argv: Sequence[str], threads: int | None = None) -> int:
    """Run ``axonlab <argv>`` as ``workers`` processes on this machine through torchrun; the
    exit code. Each process gets ``threads`` torch threads (default: the cores shared out)."""
    if workers < 1:
        raise InputError(f"workers must be >= 1, got {workers}")
    per_worker = threads or max(1, (os.cpu_count() or 1) // workers)
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone",
        f"--nproc-per-node={workers}", "-m", "axonlab", *argv,
    ]  # fmt: skip
    env = os.environ | {"OMP_NUM_THREADS": str(per_worker)}
    proc = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True, bufsize=1)
    held: list[str] = []  # torchrun's own report of a failed worker: a traceback of its own
    for line in proc.stderr or ():
        if held or line.startswith("Traceback (most recent call last)"):
            held.append(line)
        elif not _LAUNCHER_LOG.match(line):
            sys.stderr.write(line)
    code = proc.wait()
    if code == 0:
        sys.stderr.writelines(held)
    return code
