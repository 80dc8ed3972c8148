"""Scripts written without spaces between words (Chinese, Japanese, Thai, ...).

NER data in these scripts comes one character per "word" (character-per-line CoNLL, CLUENER
spans), so raw text in them is cut into characters and sub-word tokenizers must see the characters
joined, as running text, not one word each (XLM-R would give every character its own "▁" piece).
"""

from __future__ import annotations

import unicodedata

# Code point ranges of scripts and symbols written without spaces between words.
_NO_SPACE_RANGES = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x2E80, 0x2FDF),  # CJK radicals, Kangxi radicals
    (0x3000, 0x30FF),  # CJK symbols and punctuation, Hiragana, Katakana
    (0x3100, 0x31FF),  # Bopomofo, Katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF00, 0xFFEF),  # half- and full-width forms (Chinese punctuation ，！？)
    (0x20000, 0x3134F),  # CJK extensions B-G
)


def is_no_space_char(ch: str) -> bool:
    """True for a character of a script written without spaces between words."""
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _NO_SPACE_RANGES)


def has_no_space_char(text: str) -> bool:
    """True if ``text`` has at least one character of a no-space script."""
    return any(is_no_space_char(ch) for ch in text)


def split_characters(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` spans of the characters of ``text``, combining marks and format
    characters (variation selectors, joiners) kept with the character before them."""
    spans: list[tuple[int, int]] = []
    for i, ch in enumerate(text):
        attached = unicodedata.category(ch)[0] == "M" or unicodedata.category(ch) == "Cf"
        if spans and attached:
            spans[-1] = (spans[-1][0], i + 1)
        else:
            spans.append((i, i + 1))
    return spans
