"""Micro-batching: gather concurrent requests to one model into batched forward passes.

A transformer encoder on a CPU costs nearly the same for 16 short texts in one padded batch as for
one text alone, so answering concurrent requests one at a time wastes most of the machine. The
:class:`MicroBatcher` owns one worker thread per model. Request threads :meth:`~MicroBatcher.submit`
their texts and block; the worker takes the first waiting text, keeps collecting for up to
``max_wait_ms`` or until it holds ``max_batch_size`` texts, runs ``predict`` once on the batch and
hands every caller its own results, in the order it gave its texts.

A server under attack or overload must stay fair, so the queue is bounded (``max_queued`` texts;
a request that would go over is refused with :class:`QueueFullError` at once), a text that waited
longer than ``timeout_s`` is failed with :class:`DeadlineExceededError` instead of computed, and a
text whose caller cancelled its future (the client hung up) is skipped. A batch that fails is
re-run one text at a time, so one bad text fails alone instead of failing its neighbours.
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

from axonlab.errors import AxonlabError

PredictFn = Callable[[list[str]], list[dict[str, Any]]]


class QueueFullError(AxonlabError):
    """The model's queue holds as much work as it may; try again in ``retry_after_s`` seconds."""

    def __init__(self, message: str, retry_after_s: int = 1):
        super().__init__(message)
        self.retry_after_s = retry_after_s


class DeadlineExceededError(AxonlabError):
    """Work waited in a model's queue longer than its deadline and was dropped uncomputed."""


@dataclass
class _Item:
    text: str
    deadline: float = float("inf")  # time.monotonic() after which the text is not worth computing
    future: Future = field(default_factory=Future)


@dataclass
class BatchStats:
    """What the worker has done so far: ``batches`` forward passes over ``texts`` texts."""

    batches: int = 0
    texts: int = 0
    dropped: int = 0  # texts never computed: their caller left, or their deadline passed
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
        max_queued: most texts waiting at once (``None``: no bound); more raise
            :class:`QueueFullError`.
        timeout_s: longest time (seconds) a text may wait before the worker takes it (``None``:
            no deadline); later it fails with :class:`DeadlineExceededError`.
        name: names the worker thread (shows up in stack dumps).
    """

    def __init__(
        self,
        predict: PredictFn,
        *,
        max_batch_size: int = 32,
        max_wait_ms: float = 5.0,
        max_queued: int | None = None,
        timeout_s: float | None = None,
        name: str = "model",
    ):
        if max_batch_size < 1:
            raise ValueError(f"max_batch_size={max_batch_size} must be >= 1")
        if max_wait_ms < 0:
            raise ValueError(f"max_wait_ms={max_wait_ms} must be >= 0")
        self.predict = predict
        self.max_batch_size = max_batch_size
        self.max_wait_s = max_wait_ms / 1000.0
        self.max_queued = max_queued
        self.timeout_s = timeout_s
        self.stats = BatchStats()
        self._queue: queue.Queue[_Item | None] = queue.Queue()
        self._queued = 0  # texts put in the queue and not yet taken by the worker
        self._queued_lock = threading.Lock()
        self._worker = threading.Thread(target=self._run, name=f"batcher-{name}", daemon=True)
        self._worker.start()

    def __repr__(self) -> str:
        return (
            f"MicroBatcher(max_batch_size={self.max_batch_size}, "
            f"max_wait_ms={self.max_wait_s * 1000:g}, batches={self.stats.batches})"
        )

    @property
    def queued(self) -> int:
        """Texts waiting for the worker to take them."""
        return self._queued

    def submit(self, texts: Sequence[str], timeout: float | None = None) -> list[dict[str, Any]]:
        """Predictions for ``texts`` (blocks until they are done); re-raises a model error."""
        items = self._enqueue(texts)
        try:
            return [item.future.result(timeout=timeout) for item in items]
        finally:
            _cancel(items)

    async def submit_async(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        """:meth:`submit` for an event loop: awaits the worker without holding a thread.

        Cancelling the awaiting task (a client that hung up) withdraws the texts not yet taken.
        """
        items = self._enqueue(texts)
        try:
            return list(await asyncio.gather(*(asyncio.wrap_future(i.future) for i in items)))
        finally:  # one text failed or the caller left: the request's other texts are not needed
            _cancel(items)

    def _enqueue(self, texts: Sequence[str]) -> list[_Item]:
        if not self._worker.is_alive():
            raise RuntimeError("the batcher is closed")
        deadline = float("inf") if self.timeout_s is None else time.monotonic() + self.timeout_s
        items = [_Item(text, deadline) for text in texts]
        with self._queued_lock:
            # an empty queue takes any request, so a request larger than the bound is not
            # refused forever
            if (
                self.max_queued is not None
                and self._queued
                and (self._queued + len(items) > self.max_queued)
            ):
                raise QueueFullError(
                    f"the model has {self._queued} texts waiting (the limit is "
                    f"{self.max_queued}); try again shortly"
                )
            self._queued += len(items)
            for item in items:
                self._queue.put(item)
        return items

    def _take(self, item: _Item) -> bool:
        """Whether the worker should compute ``item`` (it has left the queue either way)."""
        with self._queued_lock:
            self._queued -= 1
        if not item.future.set_running_or_notify_cancel():  # the caller cancelled it
            self.stats.dropped += 1
            return False
        if time.monotonic() > item.deadline:
            self.stats.dropped += 1
            item.future.set_exception(
                DeadlineExceededError(
                    f"the request waited more than {self.timeout_s:g} s for the model; "
                    "try again shortly"
                )
            )
            return False
        return True

    def close(self) -> None:
        """Finish the texts already queued, then stop the worker."""
        if self._worker.is_alive():
            self._queue.put(None)
            self._worker.join()

    def _collect(self, first: _Item) -> tuple[list[_Item], bool]:
        """The first item plus whatever arrives before the deadline; and whether to stop."""
        batch = [first] if self._take(first) else []
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
            if self._take(item):
                batch.append(item)
        return batch, False

    def _run(self) -> None:
        stop = False
        while not stop:
            first = self._queue.get()
            if first is None:
                break
            batch, stop = self._collect(first)
            if not batch:
                continue
            self.stats.record(len(batch))
            try:
                self._answer(batch)
            except Exception as err:
                if len(batch) == 1:  # the caller must hear about it
                    batch[0].future.set_exception(err)
                    continue
                # one text may have broken the batch: alone, each text fails or succeeds on
                # its own, and the innocent ones are answered (failures are rare: no cost)
                for item in batch:
                    try:
                        self._answer([item])
                    except Exception as alone:
                        item.future.set_exception(alone)

    def _answer(self, batch: list[_Item]) -> None:
        results = self.predict([item.text for item in batch])
        if len(results) != len(batch):
            raise RuntimeError(
                f"the model returned {len(results)} predictions for {len(batch)} texts"
            )
        for item, result in zip(batch, results, strict=True):
            item.future.set_result(result)


def _cancel(items: list[_Item]) -> None:
    for item in items:
        item.future.cancel()  # a no-op for a text taken or answered
