"""Items: one dated text each, read from TSV or JSON-lines files (whole, or tailed as they grow)
or posted to the ingest endpoint; and the keys an item is counted under.

A file row becomes an item whose id is ``<source>:<byte offset>`` unless it has an ``id`` of
its own, so reading a file twice (after a restart) finds the same ids and stores nothing twice.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from axonlab.errors import InputError

ALL = "*"  # the key every item is counted under
_CASHTAG = re.compile(r"(?<![\w$])\$([A-Za-z][A-Za-z.]{0,9})\b")
_SUFFIXES = (".tsv", ".jsonl")


@dataclass
class Item:
    """One dated text. ``ts`` is seconds since the epoch (UTC); ``time`` the ISO 8601 text."""

    id: str
    ts: float
    text: str
    key: str | None = None
    source: str = "ingest"
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def time(self) -> str:
        return iso(self.ts)


def iso(ts: float) -> str:
    """ISO 8601 in UTC, to the second: ``2019-05-03T14:00:00Z``."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: Any) -> float:
    """Seconds since the epoch of an ISO 8601 date or time (no zone: UTC), or of a number."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    try:
        moment = datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"time {value!r} is not ISO 8601 (e.g. 2019-05-03T14:00:00Z)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def item_from(record: dict[str, Any], *, default_id: str, source: str) -> Item:
    """An :class:`Item` from a row or JSON object with ``time`` and ``text`` (and optionally
    ``id``, ``key`` and any other fields, which are kept). Raises ``ValueError``."""
    missing = [k for k in ("time", "text") if record.get(k) in (None, "")]
    if missing:
        raise ValueError(f"missing {' and '.join(missing)}")
    text = record["text"]
    if not isinstance(text, str):
        raise ValueError("text must be a string")
    key = record.get("key")
    others = {k: v for k, v in record.items() if k not in ("id", "time", "text", "key")}
    return Item(
        id=str(record.get("id") or default_id),
        ts=parse_time(record["time"]),
        text=text,
        key=str(key) if key not in (None, "") else None,
        source=source,
        fields=others,
    )


def item_keys(item: Item, *, cashtags: bool, topic: str | None = None) -> list[str]:
    """The series an item counts in: all items, its key, each cashtag in its text, its topic."""
    keys = [ALL]
    if item.key:
        keys.append(item.key)
    if cashtags:
        keys += ["$" + tag.upper() for tag in _CASHTAG.findall(item.text)]
    if topic:
        keys.append(f"topic:{topic}")
    return list(dict.fromkeys(keys))


def series_kind(key: str) -> str:
    """Which kind of series ``key`` names: ``all``, ``cashtag``, ``topic`` or ``key``."""
    if key == ALL:
        return "all"
    if key.startswith("$"):
        return "cashtag"
    return "topic" if key.startswith("topic:") else "key"


@dataclass
class FileCursor:
    """How far a file has been read: its byte offset, and its TSV header once read."""

    offset: int = 0
    header: list[str] | None = None


def read_new(
    path: Path, cursor: FileCursor, source: str, *, whole: bool = False
) -> Iterator[tuple[Item | str, int, int]]:
    """Items in ``path`` after ``cursor``, each with the offset just past it and its line number
    counted from the cursor (1-based). Complete lines only, unless ``whole``: a line still being
    written is left for the next read. A bad row yields its error message instead of an item
    (and the header an empty one), so a tailing monitor can go on."""
    with open(path, "rb") as handle:
        handle.seek(cursor.offset)
        offset = cursor.offset
        for line_number, raw in enumerate(handle, start=1):
            if not raw.endswith(b"\n") and not whole:
                return  # being written
            start, offset = offset, offset + len(raw)
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            if not line.strip():
                continue
            try:
                record = _record(path, line, cursor)
            except ValueError as err:
                yield str(err), offset, line_number
                continue
            if record is None:  # the header
                yield "", offset, line_number
                continue
            try:
                item = item_from(record, default_id=f"{source}:{start}", source=source)
            except ValueError as err:
                yield str(err), offset, line_number
                continue
            yield item, offset, line_number


def json_record(line: str) -> dict[str, Any]:
    """The JSON object on ``line``; ``ValueError`` saying what is wrong otherwise."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as err:
        raise ValueError(f"not JSON ({err.msg})") from None
    if not isinstance(record, dict):
        raise ValueError("expected a JSON object with time and text")
    return record


def _record(path: Path, line: str, cursor: FileCursor) -> dict[str, Any] | None:
    if path.suffix == ".jsonl":
        return json_record(line)
    cells = next(csv.reader([line], delimiter="\t", quoting=csv.QUOTE_NONE))
    if cursor.header is None:
        if "time" not in cells or "text" not in cells:
            raise ValueError(f"the header must name time and text columns, got {cells}")
        cursor.header = cells
        return None
    if len(cells) != len(cursor.header):
        raise ValueError(f"expected {len(cursor.header)} tab-separated cells, got {len(cells)}")
    return dict(zip(cursor.header, cells, strict=True))


def source_files(path: Path) -> list[Path]:
    """``path`` itself, or the .tsv and .jsonl files in the folder ``path`` (sorted)."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in _SUFFIXES and p.is_file())
    return [path] if path.exists() else []


def read_items(path: str | Path) -> list[Item]:
    """Every item in a TSV (``time``, ``text``, optional ``key`` ...) or JSON-lines file, in
    file order; raises ``InputError`` naming the file and line of the first bad row."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", path=path)
    items: list[Item] = []
    cursor = FileCursor()
    for got, _, line_number in read_new(path, cursor, str(path), whole=True):
        if isinstance(got, str):
            if got:
                raise InputError(got, path=path, line=line_number)
            continue
        items.append(got)
    if cursor.header is None and path.suffix != ".jsonl":
        raise InputError("empty file: expected a header with time and text", path=path)
    return items
