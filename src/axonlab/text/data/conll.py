"""Read NER corpora: CoNLL column files and JSONL, normalised to IOB2.

CoNLL: one ``TOKEN ... TAG`` per line, columns separated by tabs or spaces; the token is the
first column and the tag the last, so two-column files and four-column CoNLL-2003 files both
read. A blank line ends a sentence; ``-DOCSTART-`` lines are skipped. A line made only of
whitespace and invisible format characters (BOM U+FEFF, zero-width space U+200B; WNUT-17 ends a
file with one) counts as blank. JSONL: one ``{"tokens": [...], "tags": [...]}`` object per line,
or CLUENER-style ``{"text": ..., "label": {TYPE: {ENTITY: [[start, end]]}}}`` records
(:mod:`~axonlab.text.data.cluener`; one word per character).

Tags may be IOB1, IOB2 or BIOES; every sentence comes back as IOB2 (see
:mod:`axonlab.text.data.tags`).
Bad input raises :class:`axonlab.errors.InputError` naming the file, the line and what was expected.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from axonlab.errors import InputError
from axonlab.text.data.cluener import is_span_record, span_record_tags
from axonlab.text.data.labelled import json_objects
from axonlab.text.data.tags import split_tag, to_iob2

DOCSTART = "-DOCSTART-"
JSONL_SUFFIXES = (".jsonl", ".json", ".ndjson")


@dataclass(frozen=True)
class TaggedSentence:
    """One sentence: its words (``tokens``) and one IOB2 tag per word."""

    tokens: list[str]
    tags: list[str]

    def __post_init__(self) -> None:
        if len(self.tokens) != len(self.tags):
            raise ValueError(f"{len(self.tokens)} tokens but {len(self.tags)} tags")

    def __len__(self) -> int:
        return len(self.tokens)


def read_ner(path: str | Path) -> list[TaggedSentence]:
    """Read a NER file, JSONL if its suffix says so (``.jsonl``, ``.json``), CoNLL otherwise."""
    path = Path(path)
    reader = read_jsonl if path.suffix.lower() in JSONL_SUFFIXES else read_conll
    sentences = reader(path)
    if not sentences:
        raise InputError("no sentences found; expected at least one tagged sentence", path=path)
    return sentences


def read_conll(path: str | Path) -> list[TaggedSentence]:
    """Read a CoNLL column file (see the module docstring for the format)."""
    sentences: list[TaggedSentence] = []
    tokens: list[str] = []
    tags: list[str] = []
    for number, line in _lines(path):
        if _is_blank(line):
            if tokens:
                sentences.append(TaggedSentence(tokens, to_iob2(tags)))
                tokens, tags = [], []
            continue
        columns = line.split()
        if columns[0] == DOCSTART:
            continue
        if len(columns) < 2:
            raise InputError(
                f"expected 'TOKEN TAG' (token first, tag last, separated by tabs or spaces), "
                f"got one column {line.strip()!r}",
                path=path,
                line=number,
            )
        tokens.append(columns[0])
        tags.append(_checked_tag(columns[-1], path, number))
    if tokens:
        sentences.append(TaggedSentence(tokens, to_iob2(tags)))
    return sentences


def read_jsonl(path: str | Path) -> list[TaggedSentence]:
    """Read JSONL, one ``{"tokens": [str, ...], "tags": [str, ...]}`` object per line (or a
    CLUENER-style ``{"text", "label"}`` record)."""
    sentences: list[TaggedSentence] = []
    for number, record in json_objects(_lines(path), path):
        if is_span_record(record):
            words, iob2 = span_record_tags(record, path, number)
            if words:  # an empty or all-space text has nothing to tag
                sentences.append(TaggedSentence(words, iob2))
            continue
        tokens, tags = record.get("tokens"), record.get("tags")
        if not _is_str_list(tokens) or not _is_str_list(tags):
            raise InputError(
                'expected an object {"tokens": [str, ...], "tags": [str, ...]}',
                path=path,
                line=number,
            )
        if len(tokens) != len(tags) or not tokens:
            raise InputError(
                f"expected one tag per token, got {len(tokens)} tokens and {len(tags)} tags",
                path=path,
                line=number,
            )
        checked = [_checked_tag(t, path, number) for t in tags]
        sentences.append(TaggedSentence(list(tokens), to_iob2(checked)))
    return sentences


def _lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """Numbered lines (from 1) of a UTF-8 file; a leading BOM is dropped.

    Lines are decoded one by one so that an undecodable byte is reported on its own line.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", path=path)
    data = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    for number, raw in enumerate(data.splitlines(), start=1):
        try:
            yield number, raw.decode("utf-8")
        except UnicodeDecodeError as err:
            raise InputError(
                f"not UTF-8 text ({err.reason} at column {err.start + 1})", path=path, line=number
            ) from err


def _is_blank(line: str) -> bool:
    return all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in line)


def _checked_tag(tag: str, path: str | Path, line: int) -> str:
    try:
        split_tag(tag)
    except ValueError as err:
        raise InputError(f"{err} (IOB1, IOB2 or BIOES)", path=path, line=line) from err
    return tag


def _is_str_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)
