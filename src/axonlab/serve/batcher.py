"""Micro-batching: gather concurrent requests to one model into batched forward passes.

A transformer encoder on a CPU costs nearly the same for 16 short texts in one padded batch as for
one text alone, so answering concurrent requests one at a time wastes most of the machine. The
:class:`MicroBatcher` owns one worker thread per model. Request threads :meth:`~MicroBatcher.submit`
their texts and block; the worker takes the first waiting text, keeps collecting for up to
``max_wait_ms`` or until it holds ``max_batch_size`` texts, runs ``predict`` once on the batch and
hands every caller its own results, in the order it gave its texts.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

PredictFn = Callable[[list[str]], list[dict[str, Any]]]


@dataclass
class _Item:
    text: str
    future: Future = field(default_factory=Future)


@dataclass
class BatchStats:
    """What the worker has done so far: ``batches`` forward passes over ``texts`` texts."""

    batches: int = 0
    texts: int = 0
    largest_batch: int = 0
    batch_sizes: list[int] = field(default_factory=list)

    def record(self, size: int) -> None:
        self.batches += 1
        self.texts += size
        self.largest_batch = max(self.largest_batch, size)
        if len(self.batch_sizes) < 10_000:  # bounded: a long-running server keeps a sample
            self.batch_sizes.append(size)


class MicroBatcher:
    """Batch the texts of concurrent callers into calls of ``predict(texts) -> predictions``.

    Args:
        predict: one prediction per text, in order; called from the worker thread only, so the
            model is never run by two threads at once.
        max_batch_size: most texts per ``predict`` call.
        max_wait_ms: longest time (milliseconds) the first text of a batch waits for company.
        name: names the worker thread (shows up in stack dumps).
    """

    def __init__(
        self,
        predict: PredictFn,
        *,
        max_batch_size: int = 32,
        max_wait_ms: float = 5.0,
        name: str = "model",
    ):
        if max_batch_size < 1:
            raise ValueError(f"max_batch_size={max_batch_size} must be >= 1")
        if max_wait_ms < 0:
            raise ValueError(f"max_wait_ms={max_wait_ms} must be >= 0")
        self.predict = predict
        self.max_batch_size = max_batch_size
        self.max_wait_s = max_wait_ms / 1000.0
        self.stats = BatchStats()
        self._queue: queue.Queue[_Item | None] = queue.Queue()
        self._worker = threading.Thread(target=self._run, name=f"batcher-{name}", daemon=True)
        self._worker.start()

    def __repr__(self) -> str:
        return (
            f"MicroBatcher(max_batch_size={self.max_batch_size}, "
            f"max_wait_ms={self.max_wait_s * 1000:g}, batches={self.stats.batches})"
        )

    def submit(self, texts: Sequence[str], timeout: float | None = None) -> list[dict[str, Any]]:
        """Predictions for ``texts`` (blocks until they are done); re-raises a model error."""
        return [item.future.result(timeout=timeout) for item in self._enqueue(texts)]

    async def submit_async(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        """:meth:`submit` for an event loop: awaits the worker without holding a thread."""
        futures = [asyncio.wrap_future(item.future) for item in self._enqueue(texts)]
        return list(await asyncio.gather(*futures))

    def _enqueue(self, texts: Sequence[str]) -> list[_Item]:
        if not self._worker.is_alive():
            raise RuntimeError("the batcher is closed")
        items = [_Item(text) for text in texts]
        for item in items:
            self._queue.put(item)
        return items

    def close(self) -> None:
        """Finish the texts already queued, then stop the worker."""
        if self._worker.is_alive():
            self._queue.put(None)
            self._worker.join()

    def _collect(self, first: _Item) -> tuple[list[_Item], bool]:
        """The first item plus whatever arrives before the deadline; and whether to stop."""
        batch = [first]
        deadline = time.monotonic() + self.max_wait_s
        while len(batch) < self.max_batch_size:
            try:
                # Texts already queued join at once; only an empty queue makes us wait.
                item = self._queue.get_nowait()
            except queue.Empty:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    item = self._queue.get(timeout=remaining)
                except queue.Empty:
                    break
            if item is None:
                return batch, True
            batch.append(item)
        return batch, False

    def _run(self) -> None:
        stop = False
        while not stop:
            first = self._queue.get()
            if first is None:
                break
            batch, stop = self._collect(first)
            self.stats.record(len(batch))
            try:
                results = self.predict([item.text for item in batch])
                if len(results) != len(batch):
                    raise RuntimeError(
                        f"the model returned {len(results)} predictions for {len(batch)} texts"
                    )
            except Exception as err:  # every waiting caller must hear about it
                for item in batch:
                    item.future.set_exception(err)
                continue
            for item, result in zip(batch, results, strict=True):
                item.future.set_result(result)
