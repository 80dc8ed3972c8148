"""From raw text to words, and from word tags back to entities with character offsets.

:func:`split_words` cuts raw text into CoNLL-style words (runs of letters/digits/marks, and each
punctuation mark or symbol on its own), keeping each word's character offsets. :func:`decode` reads
predicted word tags the conlleval way (an ``I-X`` after ``O`` opens an entity) and returns
:class:`Entity` objects whose ``start``/``end`` index the input string: ``text[start:end]`` is the
entity's text, whitespace between its words included. Offsets count Python ``str`` characters
(Unicode code points), not bytes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from axonlab.text.data.scripts import has_no_space_char, split_characters
from axonlab.text.data.tags import spans


@dataclass(frozen=True)
class Word:
    """A word of the input and its character span ``[start, end)``."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Entity:
    """An entity: ``type``, its ``text``, character span ``[start, end)`` in the input, word
    span ``[start_word, end_word)``, and ``score`` = mean probability of its words' tags."""

    type: str
    text: str
    start: int
    end: int
    start_word: int
    end_word: int
    score: float

    def to_dict(self) -> dict:
        """The JSON form: ``type`` (also as ``label``, the name most NER APIs use), ``text``,
        ``start``, ``end``, ``score``; ``text == input[start:end]``."""
        d = asdict(self)
        del d["start_word"], d["end_word"]
        d["label"] = d["type"]
        return d


def _is_word_char(ch: str) -> bool:
    # Letters, numbers, combining marks and connectors (``_``) make up words.
    return unicodedata.category(ch)[0] in "LNM" or unicodedata.category(ch) == "Pc"


def _is_attached(ch: str) -> bool:
    # Marks (U+FE0F variation selector is Mn) and format characters (U+200D joiner, U+200B
    # zero-width space, U+FEFF BOM) stay with the character before them.
    return unicodedata.category(ch)[0] == "M" or unicodedata.category(ch) == "Cf"


def split_words(text: str) -> list[Word]:
    """Split raw text into words with offsets (``text[w.start:w.end] == w.text``)."""
    words: list[Word] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        j = i + 1
        if _is_word_char(ch):
            while j < n and (_is_word_char(text[j]) or _is_attached(text[j])):
                j += 1
        else:
            while j < n and _is_attached(text[j]) and not text[j].isspace():
                j += 1
        words.append(Word(text[i:j], i, j))
        i = j
    return words


def split_no_space(words: Sequence[Word]) -> list[Word]:
    """Words with a character of a no-space script (Chinese, Japanese, Thai) cut into single
    characters: NER data in those scripts tags one character per word, so the model must too."""
    out: list[Word] = []
    for word in words:
        if not has_no_space_char(word.text):
            out.append(word)
            continue
        for a, b in split_characters(word.text):
            out.append(Word(word.text[a:b], word.start + a, word.start + b))
    return out


def decode(
    text: str, words: Sequence[Word], tags: Sequence[str], scores: Sequence[float] | np.ndarray
) -> list[Entity]:
    """Entities of one text from its words, one predicted tag per word and each tag's
    probability (``scores[i]`` is the probability of ``tags[i]``)."""
    if not len(words) == len(tags) == len(scores):
        raise ValueError(f"{len(words)} words, {len(tags)} tags, {len(scores)} scores")
    entities = []
    for kind, first, last in spans(tags):
        start, end = words[first].start, words[last - 1].end
        score = float(np.mean([scores[i] for i in range(first, last)]))
        entities.append(Entity(kind, text[start:end], start, end, first, last, score))
    return entities
