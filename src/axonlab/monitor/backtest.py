"""Back-testing: the monitor's pipeline over a historical file, as fast as the machine allows
(:func:`replay`), and every rule setting scored against a file of marked events
(:func:`backtest`: detection rate, delay, false alerts per 10k items, and the setting that meets
a false-alert budget)."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from axonlab.errors import InputError
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


# --- back-testing the rules against marked events ------------------------------------------------

MATCH = 2 * 3600.0  # an alert on an event's key within this long of its start detects it
# The settings a back-test tries for each rule: the rule's own threshold (the others as configured).
SWEEP: dict[str, tuple[str, tuple[float, ...]]] = {
    # the share's surprise is what tells a surge from a burst of items (docs/benchmarks.md)
    "volume": ("volume_share", (1.3, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0)),
    "zscore": ("zscore", (3.0, 4.0, 5.0, 6.0, 8.0)),
    "share": ("share", (0.5, 0.6, 0.7, 0.8, 0.9)),
    "cusum": ("cusum_limit", (5.0, 8.0, 12.0, 16.0)),
}


@dataclass(frozen=True)
class Event:
    """A marked event: a surge that started at ``ts`` on series ``key`` (``None``: any series)."""

    ts: float
    key: str | None = None


def read_events(path: str | Path) -> list[Event]:
    """Marked events, in time order, from a TSV (header with ``time`` and optionally ``key``)
    or JSON-lines file; raises ``InputError`` naming the file and line of a bad row."""
    from axonlab.monitor.items import json_record, parse_time

    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", path=path)
    lines = path.read_text(encoding="utf-8").splitlines()
    header = None if path.suffix == ".jsonl" else (lines[0].split("\t") if lines else [])
    if header is not None and "time" not in header:
        raise InputError(f"the header must name a time column, got {header}", path=path, line=1)
    events = []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or (header is not None and number == 1):
            continue
        try:
            if header is None:
                record = json_record(line)
            else:
                cells = line.split("\t")
                if len(cells) != len(header):
                    raise ValueError(
                        f"expected {len(header)} tab-separated cells, got {len(cells)}"
                    )
                record = dict(zip(header, cells, strict=True))
            key = record.get("key")
            events.append(Event(parse_time(record.get("time")), str(key) if key else None))
        except ValueError as err:
            raise InputError(str(err), path=path, line=number) from None
    if not events:
        raise InputError("no events in the file: expected rows with a time (and a key)", path=path)
    return sorted(events, key=lambda e: e.ts)


def score(alerts: Sequence[Any], events: Sequence[Event], items: int, *, match: float = MATCH):
    """How ``alerts`` (:class:`~axonlab.monitor.rules.Alert`) meet ``events``: ``{"events",
    "detected", "detection_rate", "median_delay_minutes", "false_alerts",
    "false_alerts_per_10k"}``. An alert detects an event on its key (any key for a keyless
    event) when it fires within ``match`` seconds of its start; an alert that detects no event
    is false."""
    delays, matched = [], set()
    for event in events:
        hits = [
            i
            for i, a in enumerate(alerts)
            if event.ts <= a.ts <= event.ts + match and event.key in (None, a.key)
        ]
        matched.update(hits)
        if hits:
            delays.append(min(alerts[i].ts for i in hits) - event.ts)
    false = len(alerts) - len(matched)
    return {
        "events": len(events),
        "detected": len(delays),
        "detection_rate": len(delays) / len(events) if events else None,
        "median_delay_minutes": statistics.median(delays) / 60 if delays else None,
        "false_alerts": false,
        "false_alerts_per_10k": 1e4 * false / max(items, 1),
    }


def judge_stream(
    stream: Sequence[tuple[float, list[str], bool]], config: MonitorConfig
) -> list[Any]:
    """The alerts the rules in ``config`` raise over ``(ts, keys, negative)`` in time order."""
    from axonlab.monitor.rules import SurgeRules

    rules = SurgeRules(
        list(config.rules),
        config.rule,
        window=config.window,
        baseline=config.baseline,
        alert_on=config.alert_on,
    )
    return [a for ts, keys, negative in stream for a in rules.observe(ts, keys, negative)]


def sweep(
    stream: Sequence[tuple[float, list[str], bool]],
    events: Sequence[Event],
    config: MonitorConfig,
    *,
    match: float = MATCH,
) -> list[dict[str, Any]]:
    """Each rule of :data:`SWEEP` alone at each of its settings, and ``config`` as it is, scored
    against ``events``: one row each (``rule``, ``setting``, and :func:`score`'s figures)."""
    rows = [{"rule": "+".join(config.rules), "setting": "as configured",
             **score(judge_stream(stream, config), events, len(stream), match=match)}]  # fmt: skip
    for rule, (name, values) in SWEEP.items():
        for value in values:
            settings = config.rule.model_copy(update={name: value})
            trial = config.model_copy(update={"rules": [rule], "rule": settings})
            alerts = judge_stream(stream, trial)
            rows.append({"rule": rule, "setting": f"{name} {value:g}",
                         **score(alerts, events, len(stream), match=match)})  # fmt: skip
    return rows


def suggest(rows: Sequence[dict[str, Any]], budget: float) -> dict[str, Any] | None:
    """The row that detects the most events within ``budget`` false alerts per 10k items
    (then the shorter median delay, then fewer false alerts); ``None`` if none is within it."""
    within = [r for r in rows if r["false_alerts_per_10k"] <= budget]
    if not within:
        return None
    return min(
        within,
        key=lambda r: (
            -(r["detection_rate"] or 0.0),
            r["median_delay_minutes"] if r["median_delay_minutes"] is not None else math.inf,
            r["false_alerts_per_10k"],
        ),
    )


def backtest(
    items: Sequence[Item],
    events: Sequence[Event],
    config: MonitorConfig,
    *,
    sentiment: Any,
    topic: Any = None,
    budget: float = 5.0,
    match: float = MATCH,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Replay ``items`` once (classified as the monitor would), then score every rule setting
    against ``events``: ``{"items", "events", "rows", "suggested", "budget"}``."""
    store = Store(":memory:")
    monitor = Monitor(config, store, sentiment=sentiment, topic=topic)
    ordered = sorted(items, key=lambda it: it.ts)
    for begin in range(0, len(ordered), CHUNK):
        chunk = ordered[begin : begin + CHUNK]
        monitor.process(chunk)
        if progress is not None:
            progress(len(chunk))
    stream = store.recent(-math.inf)
    store.close()
    rows = sweep(stream, events, config, match=match)
    return {
        "items": len(stream),
        "events": len(events),
        "budget": budget,
        "rows": rows,
        "suggested": suggest(rows, budget),
    }
