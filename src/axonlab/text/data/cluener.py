"""CLUENER2020-style JSONL records: raw text plus labelled character spans.

``{"text": "浙商银行企业...", "label": {"company": {"浙商银行": [[0, 3]]}}}``: for each
entity type, each entity's text maps to its ``[start, end]`` spans, *end inclusive* (CLUENER's
own convention). A record becomes one tagged sentence of single characters (the
character-per-line CoNLL layout, so both forms of a data set train the same model) with IOB2
tags. Whitespace characters are dropped: no tokenizer gives them a sub-token, and no entity is
made of them.
"""

from __future__ import annotations

from pathlib import Path

from axonlab.errors import InputError
from axonlab.text.data.scripts import split_characters
from axonlab.text.data.tags import OUTSIDE, to_iob2


def is_span_record(record: dict[str, object]) -> bool:
    """True for a CLUENER-style record (``text``, optional ``label``) rather than tokens/tags."""
    return "text" in record and "tokens" not in record


def span_record_tags(
    record: dict[str, object], path: str | Path, line: int
) -> tuple[list[str], list[str]]:
    """``(characters, IOB2 tags)`` of one CLUENER-style record; a record without ``label``
    (CLUENER's unlabelled test split) is all ``O``. Raises InputError naming ``path`` and
    ``line`` for a malformed record, a span out of range, a span whose text is not its key, or
    two overlapping entities."""
    text, labels = record.get("text"), record.get("label") or {}
    expected = 'expected {"text": str, "label": {TYPE: {ENTITY: [[start, end], ...]}}}'
    if not isinstance(text, str) or not isinstance(labels, dict):
        raise InputError(expected, path=path, line=line)
    tags = [OUTSIDE] * len(text)
    for kind, entities in labels.items():
        if not isinstance(entities, dict):
            raise InputError(f"{expected}; type {kind!r} holds no object", path=path, line=line)
        for entity, spans in entities.items():
            if not isinstance(spans, list):
                raise InputError(f"{expected}; {entity!r} holds no span list", path=path, line=line)
            for span in spans:
                start, end = _span(span, entity, len(text), path, line, expected)
                if text[start : end + 1] != entity:
                    raise InputError(
                        f"span [{start}, {end}] of {kind!r} is {text[start : end + 1]!r}, not "
                        f"{entity!r} (ends are inclusive)",
                        path=path,
                        line=line,
                    )
                if any(tag != OUTSIDE for tag in tags[start : end + 1]):
                    raise InputError(
                        f"entity {entity!r} at [{start}, {end}] overlaps another entity "
                        "(nested entities are not supported)",
                        path=path,
                        line=line,
                    )
                tags[start : end + 1] = [f"B-{kind}"] + [f"I-{kind}"] * (end - start)
    words, word_tags = [], []
    for a, b in split_characters(text):
        if not text[a:b].isspace():
            words.append(text[a:b])
            word_tags.append(tags[a])
    # a dropped space or a mark joined to its character may have removed a B-: to_iob2 mends it
    return words, to_iob2(word_tags)


def _span(
    span: object, entity: str, length: int, path: str | Path, line: int, expected: str
) -> tuple[int, int]:
    ok = isinstance(span, list) and len(span) == 2 and all(type(v) is int for v in span)
    if not ok:
        raise InputError(f"{expected}; span {span!r} of {entity!r}", path=path, line=line)
    start, end = span
    if not 0 <= start <= end < length:
        raise InputError(
            f"span [{start}, {end}] of {entity!r} is out of range for a text of {length} "
            "characters (ends are inclusive)",
            path=path,
            line=line,
        )
    return start, end
