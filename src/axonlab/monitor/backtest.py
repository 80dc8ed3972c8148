"""Back-testing: the monitor's pipeline over a historical file, as fast as the machine allows."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from axonlab.monitor.config import MonitorConfig
from axonlab.monitor.items import Item
from axonlab.monitor.pipeline import Monitor
from axonlab.monitor.store import Store

CHUNK = 512  # items per stored transaction


def replay(
    items: Sequence[Item],
    config: MonitorConfig,
    *,
    sentiment: Any,
    topic: Any = None,
    store: str | Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Run ``items`` through a :class:`Monitor` in time order (ties in file order): ``{"items",
    "stored", "alerts", "seconds", "items_per_second"}``. ``store`` keeps the result in a
    database file; by default it lives in memory."""
    ordered = sorted(items, key=lambda it: it.ts)
    monitor = Monitor(config, Store(store or ":memory:"), sentiment=sentiment, topic=topic)
    start = time.perf_counter()
    stored, alerts = 0, []
    for begin in range(0, len(ordered), CHUNK):
        chunk = ordered[begin : begin + CHUNK]
        n, raised = monitor.process(chunk)
        stored += n
        alerts += raised
        if progress is not None:
            progress(len(chunk))
    seconds = time.perf_counter() - start
    monitor.store.close()
    return {
        "items": len(items),
        "stored": stored,
        "alerts": alerts,
        "seconds": seconds,
        "items_per_second": len(items) / seconds if seconds > 0 else None,
    }
