"""The recommender's two tables: the items (an id, a title, text fields) and the interactions
(user, item, optional rating, optional timestamp), read from TSV or CSV files with a header.

Column names are detected (``movieId``/``item``/``item_id``/``id``, ``userId``/``user``/
``user_id``, ...) or named by the caller. A malformed row is an :class:`InputError` naming the
file and line; an interaction whose item is not in the catalogue is dropped and counted, with
one :class:`UnknownItemsWarning`, never a crash.
"""

from __future__ import annotations

import csv
import math
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from axonlab.errors import InputError

ITEM_ID_COLUMNS = ("movieId", "item", "item_id", "itemId", "id")
USER_COLUMNS = ("userId", "user", "user_id")
RATING_COLUMNS = ("rating", "score", "value")
TIME_COLUMNS = ("timestamp", "time", "ts")
TITLE_COLUMNS = ("title", "name")
# the text fields read by default, in this order, when present
TEXT_COLUMNS = ("genres", "overview", "description", "keywords", "tags", "text")


class UnknownItemsWarning(UserWarning):
    """Interactions named items the catalogue lacks; they were left out (the count is in the
    message and in :attr:`Interactions.unknown`)."""


@dataclass
class Items:
    """The catalogue: ``ids[i]`` has ``titles[i]`` and the text ``texts[i]`` that is embedded."""

    ids: list[str]
    titles: list[str]
    texts: list[str]

    def __post_init__(self) -> None:
        self.index = {item: i for i, item in enumerate(self.ids)}

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        return f"Items({len(self):,} items)"


@dataclass
class Interactions:
    """One row per interaction, as parallel arrays: ``users`` and ``items`` (ids, str),
    ``ratings`` (float32; 1.0 where the file has none) and ``times`` (float64 seconds; the row
    number where the file has none). ``unknown``: rows dropped for an item not in the catalogue."""

    users: np.ndarray
    items: np.ndarray
    ratings: np.ndarray
    times: np.ndarray
    unknown: int = 0

    def __len__(self) -> int:
        return len(self.users)

    def __repr__(self) -> str:
        return (
            f"Interactions({len(self):,} rows, {len(set(self.users.tolist())):,} users, "
            f"{len(set(self.items.tolist())):,} items)"
        )

    def take(self, rows: np.ndarray) -> Interactions:
        """The interactions at ``rows`` (indices or a boolean mask)."""
        return Interactions(
            self.users[rows], self.items[rows], self.ratings[rows], self.times[rows]
        )

    @classmethod
    def from_rows(cls, rows: Sequence[tuple]) -> Interactions:
        """From ``(user, item[, rating[, time]])`` tuples (in memory, e.g. in tests)."""
        users = [str(r[0]) for r in rows]
        items = [str(r[1]) for r in rows]
        ratings = [float(r[2]) if len(r) > 2 else 1.0 for r in rows]
        times = [float(r[3]) if len(r) > 3 else float(i) for i, r in enumerate(rows)]
        return cls(
            np.asarray(users, dtype=object),
            np.asarray(items, dtype=object),
            np.asarray(ratings, dtype=np.float32),
            np.asarray(times, dtype=np.float64),
        )


def _records(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header and ``(line number, fields)`` of a TSV (``.tsv``) or CSV file."""
    if not path.is_file():
        raise InputError("no such file", path=path)
    handle = open(path, encoding="utf-8", newline="")  # noqa: SIM115 - closed by the generator
    if path.suffix.lower() in (".tsv", ".tab"):
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
    else:
        reader = csv.reader(handle)
    try:
        header = next(reader)
    except StopIteration:
        handle.close()
        raise InputError("the file is empty; expected a header line", path=path) from None
    except UnicodeDecodeError:
        handle.close()
        raise InputError("is not UTF-8 text", path=path) from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        with handle:
            try:
                for fields in reader:
                    if fields and any(f.strip() for f in fields):
                        yield reader.line_num, fields
            except (csv.Error, UnicodeDecodeError) as err:
                raise InputError(
                    f"unreadable row: {err}", path=path, line=reader.line_num
                ) from None

    return [h.strip() for h in header], rows()


def _check_width(fields: list[str], header: list[str], path: Path, line: int) -> None:
    if len(fields) != len(header):
        raise InputError(
            f"{len(fields)} fields; expected {len(header)} as in the header", path=path, line=line
        )


def _pick(
    header: list[str],
    given: str | None,
    candidates: Sequence[str],
    what: str,
    path: Path,
    *,
    required: bool = True,
) -> int | None:
    """The index of column ``given`` (or of the first of ``candidates`` in the header)."""
    if given is not None:
        if given not in header:
            raise InputError(
                f"no column {given!r} (the {what}); the header has {', '.join(header)}", path=path
            )
        return header.index(given)
    lowered = [h.lower() for h in header]
    for name in candidates:
        if name.lower() in lowered:
            return lowered.index(name.lower())
    if required:
        raise InputError(
            f"no {what} column: expected one of {', '.join(candidates)} in the header line "
            f"(or name it with `{what.replace(' ', '_')}_column`); the header has "
            f"{', '.join(header)}",
            path=path,
            line=1,
        )
    return None


def read_items(
    path: str | Path,
    *,
    item_column: str | None = None,
    title_column: str | None = None,
    text_columns: Sequence[str] | None = None,
) -> Items:
    """The catalogue in ``path``: the id column, a title column and the text columns (by
    default those of ``genres, overview, description, keywords, tags, text`` present), joined
    as ``"title. genres. overview. keywords"`` with ``|`` lists written ``a, b``."""
    path = Path(path)
    header, rows = _records(path)
    id_at = _pick(header, item_column, ITEM_ID_COLUMNS, "item", path)
    title_at = _pick(header, title_column, TITLE_COLUMNS, "title", path, required=False)
    if text_columns is None:
        text_at = [header.index(c) for c in TEXT_COLUMNS if c in header]
    else:
        text_at = [_pick(header, c, (), "text", path) for c in text_columns]
    ids, titles, texts, seen = [], [], [], {}
    for line, fields in rows:
        _check_width(fields, header, path, line)
        item = fields[id_at].strip()
        if not item:
            raise InputError("empty item id", path=path, line=line)
        if item in seen:
            raise InputError(
                f"item {item!r} again (first on line {seen[item]})", path=path, line=line
            )
        seen[item] = line
        title = fields[title_at].strip() if title_at is not None else item
        parts = [title] + [fields[i].strip().replace("|", ", ") for i in text_at]
        ids.append(item)
        titles.append(title)
        texts.append(". ".join(p for p in parts if p))
    if not ids:
        raise InputError("no items below the header", path=path)
    return Items(ids, titles, texts)


def add_tags(
    items: Items,
    path: str | Path,
    *,
    item_column: str | None = None,
    tag_column: str = "tag",
    max_tags: int = 20,
) -> Items:
    """``items`` with each item's free-text tags from ``path`` (MovieLens ``tags.csv``
    layout: user, item, tag, timestamp) appended to its text as ``"Tags: a, b"``: its
    ``max_tags`` most frequent distinct tags (lower-cased; ties in first-seen order). Tags of
    items outside the catalogue are counted in one :class:`UnknownItemsWarning`.

    Tags are things users did: in an evaluation, read only tags from the training period."""
    path = Path(path)
    header, rows = _records(path)
    item_at = _pick(header, item_column, ITEM_ID_COLUMNS, "item", path)
    tag_at = _pick(header, tag_column, (), "tag", path)
    counts: dict[str, dict[str, int]] = {}
    unknown = 0
    for line, fields in rows:
        _check_width(fields, header, path, line)
        item, tag = fields[item_at].strip(), " ".join(fields[tag_at].lower().split())
        if item not in items.index:
            unknown += 1
        elif tag:
            tags = counts.setdefault(item, {})
            tags[tag] = tags.get(tag, 0) + 1
    if unknown:
        warnings.warn(
            f"{path}: {unknown:,} tag(s) name items not in the catalogue; left out",
            UnknownItemsWarning,
            stacklevel=2,
        )
    texts = list(items.texts)
    for item, tags in counts.items():
        ranked = sorted(tags, key=lambda t: -tags[t])[:max_tags]  # stable: first seen first
        at = items.index[item]
        texts[at] = f"{texts[at]}. Tags: {', '.join(ranked)}"
    return Items(list(items.ids), list(items.titles), texts)


def read_interactions(
    path: str | Path,
    items: Items | None = None,
    *,
    user_column: str | None = None,
    item_column: str | None = None,
    rating_column: str | None = None,
    time_column: str | None = None,
) -> Interactions:
    """The interactions in ``path``. With ``items``, rows naming an item outside the catalogue
    are dropped and counted (``Interactions.unknown``, one :class:`UnknownItemsWarning`)."""
    path = Path(path)
    header, rows = _records(path)
    user_at = _pick(header, user_column, USER_COLUMNS, "user", path)
    item_at = _pick(header, item_column, ITEM_ID_COLUMNS, "item", path)
    rating_at = _pick(header, rating_column, RATING_COLUMNS, "rating", path, required=False)
    time_at = _pick(header, time_column, TIME_COLUMNS, "time", path, required=False)
    users, item_ids, ratings, times, unknown = [], [], [], [], 0
    for line, fields in rows:
        _check_width(fields, header, path, line)
        user, item = fields[user_at].strip(), fields[item_at].strip()
        if not user or not item:
            raise InputError("empty user or item id", path=path, line=line)
        rating = _number(fields, rating_at, "rating", path, line, default=1.0)
        ts = _number(fields, time_at, "timestamp", path, line, default=float(line))
        if items is not None and item not in items.index:
            unknown += 1
            continue
        users.append(user)
        item_ids.append(item)
        ratings.append(rating)
        times.append(ts)
    if unknown:
        warnings.warn(
            f"{path}: {unknown:,} interaction(s) name items not in the catalogue; left out",
            UnknownItemsWarning,
            stacklevel=2,
        )
    result = Interactions(
        np.asarray(users, dtype=object),
        np.asarray(item_ids, dtype=object),
        np.asarray(ratings, dtype=np.float32),
        np.asarray(times, dtype=np.float64),
        unknown=unknown,
    )
    return result


def _number(
    fields: list[str], at: int | None, what: str, path: Path, line: int, *, default: float
) -> float:
    if at is None:
        return default
    text = fields[at].strip()
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{what} {text!r} is not a number", path=path, line=line) from None
    if not math.isfinite(value):
        raise InputError(f"{what} {text!r} is not a finite number", path=path, line=line)
    return value
