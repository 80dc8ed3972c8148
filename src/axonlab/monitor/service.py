"""``axonlab monitor run``: tail the sources, take posted items, serve the dashboard.

One process: a thread polls the source files (reading each from its stored offset, so a
restart neither skips nor repeats a line), the web app takes ``POST /v1/ingest`` and serves the
dashboard and its data, and the webhook thread delivers alerts. A lock lets one batch at a time
through the pipeline; an ingest request is answered after its batch is committed.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse

from axonlab.errors import InputError
from axonlab.monitor.config import MonitorConfig
from axonlab.monitor.items import (
    ALL,
    FileCursor,
    Item,
    item_from,
    json_record,
    read_new,
    source_files,
)
from axonlab.monitor.pipeline import Monitor

log = logging.getLogger("axonlab.monitor")
PAGE = Path(__file__).resolve().parent / "static" / "dashboard.html"
MAX_INGEST_LINES = 10_000


class MonitorService:
    """The pipeline behind a lock, fed by the source files and by posted items."""

    def __init__(self, monitor: Monitor):
        self.monitor, self.config = monitor, monitor.config
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.rejected = 0  # bad lines skipped in the source files
        self._poller = threading.Thread(target=self._poll_loop, name="sources", daemon=True)

    def start(self) -> MonitorService:
        self._poller.start()
        return self

    def close(self) -> None:
        self.stop.set()
        self._poller.join(timeout=10)

    def ingest(self, items: list[Item]) -> dict[str, Any]:
        with self.lock:
            stored, alerts = self.monitor.process(items)
        return {"received": len(items), "stored": stored, "alerts": alerts}

    def _poll_loop(self) -> None:
        while not self.stop.is_set():
            try:
                busy = self.poll()
            except Exception:  # a source that cannot be read now may be readable later
                log.exception("reading the sources failed")
                busy = False
            if not busy:
                self.stop.wait(self.config.poll_seconds)

    def poll(self) -> bool:
        """Read one batch from each source file with new lines; True if any had some."""
        busy = False
        for source in self.config.sources:
            for path in source_files(source.path):
                busy |= self._read(path, source.name or str(source.path))
        return busy

    def _read(self, path: Path, source: str) -> bool:
        store = self.monitor.store
        cursor = store.cursor(str(path))
        if path.stat().st_size < cursor.offset:
            log.warning("%s shrank: reading it again from the start", path)
            cursor = FileCursor()
        items, offset = [], cursor.offset
        for got, end, _ in read_new(path, cursor, f"{source}/{path.name}"):
            offset = end
            if isinstance(got, Item):
                items.append(got)
            elif got:
                self.rejected += 1
                log.warning("%s: skipped a bad line (%s)", path, got)
            if len(items) >= self.config.batch_size:
                break
        if offset == cursor.offset:
            return False
        moved = FileCursor(offset, cursor.header)
        with self.lock:
            self.monitor.process(items, {str(path): moved})
        return True


def parse_ingest(body: bytes) -> list[Item]:
    """Items in a JSON-lines body (one object per line with ``time`` and ``text``). An item
    without an ``id`` gets a digest of its line, so a client's retry stores nothing twice.
    Raises ``InputError`` naming the line."""
    lines = body.decode("utf-8", errors="replace").splitlines()
    if len(lines) > MAX_INGEST_LINES:
        raise InputError(f"at most {MAX_INGEST_LINES} lines per request, got {len(lines)}")
    items = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json_record(line)
            digest = hashlib.sha256(line.strip().encode()).hexdigest()[:24]
            items.append(item_from(record, default_id=f"ingest:{digest}", source="ingest"))
        except ValueError as err:
            raise InputError(f"line {number}: {err}") from None
    return items


def create_monitor_app(service: MonitorService) -> FastAPI:
    """The dashboard and the JSON API over ``service``."""
    store = service.monitor.store
    app = FastAPI(title="axonlab monitor")

    @app.exception_handler(InputError)
    async def bad_input(request: Request, exc: InputError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.get("/", response_class=HTMLResponse)
    def dashboard() -> str:
        return PAGE.read_text(encoding="utf-8")

    @app.post("/v1/ingest")
    async def ingest(request: Request) -> dict[str, Any]:
        """JSON lines, one item each: ``{"time", "text", "key"?, "id"?, ...}``."""
        import anyio

        items = parse_ingest(await request.body())
        return await anyio.to_thread.run_sync(service.ingest, items)

    @app.get("/v1/status")
    def status() -> dict[str, Any]:
        return {**store.counts(), "rejected_lines": service.rejected}

    @app.get("/v1/keys")
    def keys(limit: int = 50) -> list[dict[str, Any]]:
        return store.keys(limit)

    @app.get("/v1/series")
    def series(key: str = ALL, bucket: str = "1h") -> dict[str, Any]:
        from axonlab.monitor.config import parse_duration

        now = service.monitor.rules.snapshot(key)
        return {"key": key, "series": store.series(key, parse_duration(bucket)), "now": now}

    @app.get("/v1/alerts")
    def alerts(limit: int = 100) -> list[dict[str, Any]]:
        return store.alerts(limit)

    @app.get("/v1/items")
    def items(limit: int = 50, key: str | None = None) -> list[dict[str, Any]]:
        return store.items(min(limit, 1000), key)

    return app


def run_service(config: MonitorConfig) -> None:
    """Serve until Ctrl-C or SIGTERM."""
    import uvicorn

    from axonlab.monitor.webhook import WebhookNotifier

    notifier = None
    monitor = Monitor.from_config(config)
    if config.webhook is not None:
        notifier = WebhookNotifier(monitor.store, config.webhook).start()
        monitor.on_alert = notifier.notify
    service = MonitorService(monitor).start()
    try:
        uvicorn.run(
            create_monitor_app(service),
            host=config.server.host,
            port=config.server.port,
            log_level="warning",
        )
    finally:
        service.close()
        if notifier is not None:
            notifier.close()
        monitor.store.close()
