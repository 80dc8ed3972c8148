"""Request-body limits, enforced before the body reaches JSON parsing: size and time.

A ``Content-Length`` over the size limit is refused without buffering; a body sent without one
(chunked) is read up to the limit and refused as soon as it goes over, so no request can make
the server buffer more than ``max_body_bytes``. Before answering 413 the rest of the body is read
and thrown away (up to ``DRAIN_FACTOR`` times the limit): a server that answers and closes while
the client is still sending makes the client's send fail with a reset connection, and the client
(Python's urllib, for one) never reads the 413. A client announcing ``Expect: 100-continue`` has
sent nothing yet and gets its 413 at once.

A body that takes longer than ``body_timeout_s`` to arrive is answered 408: a stalled upload
would otherwise hold its connection and buffer forever.
"""

from __future__ import annotations

import asyncio

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

BODY_METHODS = (b"POST", b"PUT", b"PATCH")
DRAIN_FACTOR = 16  # read (and discard) at most this many times the limit before answering 413


class BodySizeLimit:
    """ASGI middleware: 413 for a body over ``max_body_bytes``, 408 for one slower than
    ``body_timeout_s`` seconds (``None``: no time limit)."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, body_timeout_s: float | None = None):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout_s = body_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"].encode() not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length", b"")
        declared_size = int(declared) if declared.isdigit() else None
        if declared_size is not None and declared_size > self.max_body_bytes:
            waits = headers.get(b"expect", b"").lower() == b"100-continue"
            if not waits and declared_size <= DRAIN_FACTOR * self.max_body_bytes:
                await self._read(receive, None)
            await self._refuse(scope, send, 413, self._too_large())
            return
        chunks: list[bytes] = []
        try:
            within = await self._read(receive, chunks)
        except TimeoutError:
            message = f"the request body took longer than {self.body_timeout_s:g} s to arrive"
            await self._refuse(scope, send, 408, message)
            return
        if within is None:
            return  # the client hung up
        if not within:
            await self._refuse(scope, send, 413, self._too_large())
            return
        await self.app(scope, _replay(b"".join(chunks), receive), send)

    async def _read(self, receive: Receive, keep: list[bytes] | None) -> bool | None:
        """Read the body to its end, keeping its chunks in ``keep`` while it is within the
        limit. Whether it was (True), or not (False: read and dropped up to ``DRAIN_FACTOR``
        times the limit), or None if the client left. Raises TimeoutError when a body within
        the limit takes more than ``body_timeout_s`` (one over it is refused anyway)."""
        size = 0
        drain_limit = DRAIN_FACTOR * self.max_body_bytes
        try:
            async with asyncio.timeout(self.body_timeout_s):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return None
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if keep is not None:
                        if size <= self.max_body_bytes:
                            keep.append(chunk)
                        else:
                            keep.clear()  # refused: hold none of it
                    if not message.get("more_body", False) or size > drain_limit:
                        return size <= self.max_body_bytes
        except TimeoutError:
            if keep is not None and size <= self.max_body_bytes:
                raise
            return False

    def _too_large(self) -> str:
        return f"request body is larger than the limit of {self.max_body_bytes} bytes"

    async def _refuse(self, scope: Scope, send: Send, status: int, message: str) -> None:
        # the connection is closed after the answer: what is left of the body is not read
        response = JSONResponse(
            {"detail": message}, status_code=status, headers={"Connection": "close"}
        )
        await response(scope, _nothing, send)


async def _nothing() -> Message:
    return {"type": "http.disconnect"}


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the app the already-read body, then defers to the client."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
