"""Every item, its predictions and every alert, in one SQLite file (WAL mode).

What makes a crash lose nothing and a restart count nothing twice: a batch of items, the alerts
they set off and the new read offsets of their files are written in one transaction; an item
whose id is stored already is skipped before it is counted; and an ingest request is answered
only after its transaction is committed (``synchronous=FULL``: on disk, not only in the cache).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from axonlab.errors import InputError
from axonlab.monitor.items import FileCursor, Item, iso
from axonlab.monitor.rules import Alert

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, ts REAL NOT NULL, key TEXT,
    source TEXT NOT NULL, text TEXT NOT NULL, label TEXT NOT NULL, score REAL NOT NULL,
    negative INTEGER NOT NULL, positive INTEGER NOT NULL, topic TEXT, fields TEXT);
CREATE TABLE IF NOT EXISTS item_keys (
    seq INTEGER NOT NULL, key TEXT NOT NULL, ts REAL NOT NULL, negative INTEGER NOT NULL,
    positive INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS item_keys_by_key ON item_keys (key, ts);
CREATE INDEX IF NOT EXISTS items_by_ts ON items (ts);
CREATE TABLE IF NOT EXISTS alerts (
    id INTEGER PRIMARY KEY, ts REAL NOT NULL, key TEXT NOT NULL, rule TEXT NOT NULL,
    negative_share REAL NOT NULL, count INTEGER NOT NULL, baseline_share REAL,
    detail TEXT NOT NULL, delivered INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS cursors (file TEXT PRIMARY KEY, offset INTEGER NOT NULL, header TEXT);
"""


@dataclass
class Judged:
    """An item with its predictions and the series it counts in."""

    item: Item
    label: str
    score: float
    negative: bool
    positive: bool
    keys: list[str]
    topic: str | None = None


class Store:
    """The monitor's database; safe to share between threads (one connection, one lock)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as err:
            raise InputError(f"cannot open the store: {err}", path=self.path) from None
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _rows(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def known(self, ids: list[str]) -> set[str]:
        """Those of ``ids`` already stored."""
        found: set[str] = set()
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            found |= {
                r[0] for r in self._rows(f"SELECT id FROM items WHERE id IN ({marks})", tuple(part))
            }
        return found

    def write(
        self,
        judged: list[Judged],
        alerts: list[Alert],
        cursors: dict[str, FileCursor] | None = None,
    ) -> list[int]:
        """Store items, alerts and file cursors in one transaction; the alerts' ids."""
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                for j in judged:
                    it = j.item
                    seq = db.execute(
                        "INSERT INTO items (id, ts, key, source, text, label, score, negative,"
                        " positive, topic, fields) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                        (
                            it.id,
                            it.ts,
                            it.key,
                            it.source,
                            it.text,
                            j.label,
                            j.score,
                            j.negative,
                            j.positive,
                            j.topic,
                            json.dumps(it.fields) if it.fields else None,
                        ),
                    ).lastrowid
                    db.executemany(
                        "INSERT INTO item_keys VALUES (?,?,?,?,?)",
                        [(seq, k, it.ts, j.negative, j.positive) for k in j.keys],
                    )
                ids = [
                    db.execute(
                        "INSERT INTO alerts (ts, key, rule, negative_share, count,"
                        " baseline_share, detail) VALUES (?,?,?,?,?,?,?)",
                        (
                            a.ts,
                            a.key,
                            a.rule,
                            a.negative_share,
                            a.count,
                            a.baseline_share,
                            json.dumps(a.detail),
                        ),
                    ).lastrowid
                    for a in alerts
                ]
                for file, cursor in (cursors or {}).items():
                    db.execute(
                        "INSERT OR REPLACE INTO cursors VALUES (?,?,?)",
                        (file, cursor.offset, json.dumps(cursor.header)),
                    )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return ids

    def cursor(self, file: str) -> FileCursor:
        rows = self._rows("SELECT offset, header FROM cursors WHERE file = ?", (file,))
        if not rows:
            return FileCursor()
        return FileCursor(rows[0][0], json.loads(rows[0][1]) if rows[0][1] else None)

    def counts(self) -> dict[str, int]:
        items = self._rows("SELECT COUNT(*) FROM items")[0][0]
        return {"items": items, "alerts": self._rows("SELECT COUNT(*) FROM alerts")[0][0]}

    def recent(self, since: float) -> list[tuple[float, list[str], bool]]:
        """``(ts, keys, negative)`` of the items at or after ``since``, in time order (to rebuild
        the rolling counts after a restart)."""
        rows = self._rows(
            "SELECT i.ts, group_concat(k.key, char(31)), i.negative FROM items i JOIN item_keys k"
            " ON k.seq = i.seq WHERE i.ts >= ? GROUP BY i.seq ORDER BY i.ts, i.seq",
            (since,),
        )
        return [(ts, keys.split("\x1f"), bool(neg)) for ts, keys, neg in rows]

    def last_time(self) -> float | None:
        return self._rows("SELECT MAX(ts) FROM items")[0][0]

    def last_alerts(self) -> dict[tuple[str, str], float]:
        """When each key's rule last fired (the cool-downs survive a restart)."""
        rows = self._rows("SELECT key, rule, MAX(ts) FROM alerts GROUP BY key, rule")
        return {(key, rule): ts for key, rule, ts in rows}

    def series(self, key: str, bucket: float, since: float | None = None) -> list[dict[str, Any]]:
        """Per ``bucket`` seconds: items, negative share and sentiment index ``(pos - neg) / n``
        of ``key``."""
        rows = self._rows(
            "SELECT CAST(ts / ? AS INTEGER) AS b, COUNT(*), SUM(negative), SUM(positive)"
            " FROM item_keys WHERE key = ? AND ts >= ? GROUP BY b ORDER BY b",
            (bucket, key, since if since is not None else float("-inf")),
        )
        return [
            {
                "time": iso(b * bucket),
                "count": n,
                "negative_share": neg / n,
                "sentiment_index": (pos - neg) / n,
            }
            for b, n, neg, pos in rows
        ]

    def keys(self, limit: int = 50) -> list[dict[str, Any]]:
        """The busiest keys: ``{"key", "count"}``."""
        rows = self._rows(
            "SELECT key, COUNT(*) AS n FROM item_keys GROUP BY key ORDER BY n DESC LIMIT ?",
            (limit,),
        )
        return [{"key": k, "count": n} for k, n in rows]

    def alerts(self, limit: int = 100, undelivered: bool = False) -> list[dict[str, Any]]:
        """The latest alerts, newest first (or the oldest undelivered first)."""
        where, order = ("WHERE delivered = 0", "ASC") if undelivered else ("", "DESC")
        rows = self._rows(
            "SELECT id, ts, key, rule, negative_share, count, baseline_share, detail FROM alerts"
            f" {where} ORDER BY id {order} LIMIT ?",
            (limit,),
        )
        return [
            {
                "id": i,
                "time": iso(ts),
                "key": key,
                "rule": rule,
                "negative_share": share,
                "count": n,
                "baseline_share": base,
                **json.loads(detail),
            }
            for i, ts, key, rule, share, n, base, detail in rows
        ]

    def mark_delivered(self, alert_id: int) -> None:
        with self._lock:
            self._db.execute("UPDATE alerts SET delivered = 1 WHERE id = ?", (alert_id,))

    def items(self, limit: int = 50, key: str | None = None) -> list[dict[str, Any]]:
        """The latest items with their labels, newest first."""
        sql = "SELECT i.id, i.ts, i.key, i.source, i.text, i.label, i.score, i.topic FROM items i"
        args: tuple = ()
        if key:
            sql += " JOIN item_keys k ON k.seq = i.seq WHERE k.key = ?"
            args = (key,)
        rows = self._rows(sql + " ORDER BY i.ts DESC, i.seq DESC LIMIT ?", (*args, limit))
        names = ("id", "time", "key", "source", "text", "label", "score", "topic")
        return [dict(zip(names, (r[0], iso(r[1]), *r[2:]), strict=True)) for r in rows]

    def aggregates(self) -> list[tuple]:
        """Per key: items, negative and positive items (the durability benchmark compares these)."""
        return self._rows(
            "SELECT key, COUNT(*), SUM(negative), SUM(positive) FROM item_keys GROUP BY key"
            " ORDER BY key"
        )
