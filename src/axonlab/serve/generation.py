"""Language models take turns: one generation at a time per model, and none left running for a
client that is gone.

A generation is one long sequential loop, so requests to one language model wait in line for an
:class:`asyncio.Lock` (a waiting request is a coroutine, not a parked thread, so hundreds waiting
do not starve the server's thread pool, and the web page still loads). The line is bounded
(``max_waiting``; more raise :class:`~axonlab.serve.batcher.QueueFullError`), a request that
cannot start within ``timeout_s`` gets :class:`~axonlab.serve.batcher.DeadlineExceededError`,
and the model's pieces are pulled one at a time from the model's own worker thread by an async
generator whose ``finally`` closes the model's generator and releases the turn however it ends:
finished, failed, or cancelled because the client hung up or the server is stopping (then
once the piece being computed is done, so the model never runs in two threads at once).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from axonlab.serve.batcher import DeadlineExceededError, QueueFullError

_DONE = object()  # what next() returns once the model's generator is exhausted


class GenerationQueue:
    """The line of generations waiting for one language model, and the one thread that runs
    the model (so it is never run by two threads at once, even for a moment)."""

    def __init__(self, model: Any, *, max_waiting: int | None = None, timeout_s: float | None):
        self.model = model
        self.max_waiting = max_waiting
        self.timeout_s = timeout_s
        self.waiting = 0  # requests waiting for their turn (touched by the event loop only)
        self._lock = asyncio.Lock()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="generate")

    @property
    def busy(self) -> bool:
        return self._lock.locked()

    def close(self) -> None:
        self._worker.shutdown(wait=False, cancel_futures=True)

    async def _wait_for_turn(self) -> None:
        """Take the model; refuse at once when the line is full, or after ``timeout_s``."""
        if self.max_waiting is not None and self.busy and self.waiting >= self.max_waiting:
            raise QueueFullError(
                f"{self.waiting} generations are waiting for this model (the limit is "
                f"{self.max_waiting}); try again shortly",
                retry_after_s=5,
            )
        self.waiting += 1
        try:
            # asyncio.Lock.acquire gives the lock up again when cancelled after being handed
            # it, so a timeout or a client leaving here never leaks the lock
            async with asyncio.timeout(self.timeout_s):
                await self._lock.acquire()
        except TimeoutError as err:
            raise DeadlineExceededError(
                f"the request waited more than {self.timeout_s:g} s for the model; "
                "try again shortly"
            ) from err
        finally:
            self.waiting -= 1

    async def pieces(self, prompt: str, tokens: int, **sampling: Any) -> AsyncIterator[str]:
        """The model's ``stream`` as an async iterator, holding the model's turn meanwhile."""
        await self._wait_for_turn()
        loop = asyncio.get_running_loop()
        stream: Iterator[str] | None = None
        pending: Future | None = None
        try:
            stream = self.model.stream(prompt, tokens, **sampling)
            while True:
                pending = self._worker.submit(next, stream, _DONE)
                # a cancelled await leaves the piece being computed running in the worker
                piece = await asyncio.wrap_future(pending)
                if piece is _DONE:
                    return
                yield piece
        finally:
            if pending is not None and not pending.done():
                # the model is still computing a piece: close the stream and hand the turn on
                # once it is done, or the next generation would run beside it
                pending.add_done_callback(lambda _: _call_soon(loop, self._finish, stream))
            else:
                self._finish(stream)

    def _finish(self, stream: Iterator[str] | None) -> None:
        try:
            close = getattr(stream, "close", None)  # a generator; other iterators need nothing
            if close is not None:
                close()
        finally:
            self._lock.release()


def _call_soon(loop: asyncio.AbstractEventLoop, fn: Any, *args: Any) -> None:
    try:
        loop.call_soon_threadsafe(fn, *args)
    except RuntimeError:  # the loop is closed: the server has stopped, nobody waits any more
        pass


async def generate_text(queue: GenerationQueue, prompt: str, tokens: int, **sampling: Any) -> str:
    """The whole continuation, generated piece by piece (same text as the model's ``generate``:
    one is the other's pieces joined). Cancelling the task stops the generation."""
    pieces = queue.pieces(prompt, tokens, **sampling)
    try:
        return "".join([piece async for piece in pieces])
    finally:
        await pieces.aclose()


class GenerationStream(StreamingResponse):
    """A streamed generation that always closes its pieces when the response ends, however it
    ends: Starlette stops iterating when the client hangs up but leaves an async generator
    suspended until garbage collection, which would keep the model's turn."""

    def __init__(self, first: str, pieces: AsyncIterator[str]):
        self.pieces = pieces

        async def body() -> AsyncIterator[str]:
            yield first
            async for piece in pieces:
                yield piece

        super().__init__(body(), media_type="text/plain; charset=utf-8")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await _close(self.body_iterator)
            await _close(self.pieces)


async def _close(iterator: Any) -> None:
    aclose = getattr(iterator, "aclose", None)
    if aclose is not None:
        # shielded: this runs while the response's task is being cancelled
        await asyncio.shield(aclose())
