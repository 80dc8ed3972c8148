"""Align word-level NER tags with sub-word tokens, in windows, so that no word is ever dropped.

A fast tokenizer splits each word into sub-tokens (``word_ids`` says which word each came from).
The first sub-token of a word carries the word's label; the others get ``-100`` (ignored by the
loss), and at prediction the word's tag is read at its first sub-token.

**Windows.** A sentence longer than the model's window (``max_length`` sub-tokens, special tokens
included) is cut into overlapping windows, ``stride`` sub-tokens of overlap, cut at word
boundaries. Each word is *owned* by exactly one window: the one in which its first sub-token sits
farthest from an edge (most context on both sides). Only the owner labels the word in training and
predicts it at inference, so every word gets exactly one prediction.

**Words with no sub-token.** Some words vanish in the tokenizer: emoji variation selectors
(U+FE0F), byte-order marks (U+FEFF), zero-width spaces (U+200B) are stripped by BERT's normaliser.
Rule: such a word is fed to the model as the tokenizer's unknown token (``[UNK]``), so it has a
position, a label in training, a prediction at inference, and counts in the score like any word.

**No-space scripts.** A sentence with Chinese/Japanese/Thai characters (one character per word in
CoNLL) is tokenised as running text: the words joined, with a space only where a side is not of a
no-space script, and sub-tokens mapped back to words through the tokenizer's character offsets
(fed one word each, XLM-R gives every character its own "▁" piece, doubling the length). A
sub-token may then cover several words: the first *leads* it (label and prediction as usual), the
others *share* its position; they take no label in training and at prediction copy its row, a
``B-X`` turned into ``I-X`` (the same entity goes on).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from axonlab.text.data.casing import casing_class
from axonlab.text.data.scripts import has_no_space_char, is_no_space_char
from axonlab.text.data.tags import split_tag

IGNORE_INDEX = -100  # label ignored by torch's cross-entropy


@dataclass(frozen=True)
class Window:
    """One model input cut from sentence ``sentence``.

    ``input_ids`` include the special tokens; ``owned`` lists ``(position, word)`` pairs: the
    position (into ``input_ids``) of the first sub-token of each word this window predicts;
    ``shared`` the same for words that share a sub-token led by another word (no-space scripts).
    ``token_types`` gives each position its word's casing class (:mod:`~axonlab.text.data.casing`;
    0 at special tokens) when the aligner was made with ``casing=True``, else None; ``word_ids``
    each position's word.
    """

    sentence: int
    input_ids: list[int]
    owned: list[tuple[int, int]]
    token_types: list[int] | None = None
    shared: tuple[tuple[int, int], ...] = ()
    word_ids: tuple[int | None, ...] = ()  # each position's word (None at special tokens)

    def features(self) -> dict[str, list[int]]:
        """The model inputs of this window (before padding)."""
        if self.token_types is None:  # not every backbone takes token types (DistilBERT)
            return {"input_ids": self.input_ids}
        return {"input_ids": self.input_ids, "token_type_ids": self.token_types}


class WordAligner:
    """Turns word lists into model windows, and window predictions back into one row per word.

    ``tokenizer`` must be a fast (Rust) Hugging Face tokenizer; ``max_length`` is the window size
    in sub-tokens including special tokens; ``stride`` the overlap between windows in sub-tokens
    (default: a quarter of a window); ``casing``: give each sub-token its word's casing class as
    token type (for a model trained that way).
    """

    def __init__(
        self, tokenizer, max_length: int = 512, stride: int | None = None, casing: bool = False
    ):
        if tokenizer.unk_token is None:
            raise ValueError("the tokenizer has no unknown token; NER alignment needs one")
        probe = tokenizer(["x"], is_split_into_words=True, return_special_tokens_mask=True)
        mask = probe["special_tokens_mask"]
        first, last = mask.index(0), len(mask) - 1 - mask[::-1].index(0)
        self.prefix, self.suffix = probe["input_ids"][:first], probe["input_ids"][last + 1 :]
        self.capacity = max_length - len(self.prefix) - len(self.suffix)
        if self.capacity < 2:
            raise ValueError(f"max_length={max_length} leaves no room for words")
        stride = self.capacity // 4 if stride is None else stride
        if not 0 <= stride < self.capacity:
            raise ValueError(f"stride={stride} must be in [0, {self.capacity})")
        self.tokenizer, self.max_length, self.stride = tokenizer, max_length, stride
        self.casing = casing

    def __repr__(self) -> str:
        return f"WordAligner(max_length={self.max_length}, stride={self.stride})"

    def tokenize(self, sentences: Sequence[Sequence[str]]) -> list[tuple[list[int], list[int]]]:
        """Sub-token ids and their word index, per sentence (no special tokens).

        Every word maps to at least one sub-token (words the tokenizer erases become ``[UNK]``).
        """
        return [(ids, word_ids) for ids, word_ids, _ in self._tokenize(sentences)]

    def _tokenize(
        self, sentences: Sequence[Sequence[str]]
    ) -> list[tuple[list[int], list[int], dict[int, int]]]:
        """:meth:`tokenize` plus, per sentence, ``{shared word: leading word}``."""
        out: list[tuple[list[int], list[int], dict[int, int]]] = []
        spaced = [i for i, s in enumerate(sentences) if not any(map(has_no_space_char, s))]
        encoded = dict(zip(spaced, self._encode([list(sentences[i]) for i in spaced]), strict=True))
        unk = self.tokenizer.unk_token
        for index, words in enumerate(sentences):
            if index not in encoded:
                out.append(self._encode_joined(words))
                continue
            ids, word_ids = encoded[index]
            missing = set(range(len(words))) - set(word_ids)
            if missing:
                patched = [unk if i in missing else w for i, w in enumerate(words)]
                ids, word_ids = self._encode([patched])[0]
            out.append((ids, word_ids, {}))
        return out

    def _encode_joined(self, words: Sequence[str]) -> tuple[list[int], list[int], dict[int, int]]:
        """A no-space-script sentence tokenised as one string, sub-tokens mapped to words by
        offsets; words the tokenizer erases become the unknown token, as in spaced text."""
        unk = self.tokenizer.unk_token
        words = list(words)
        for _ in range(2):  # the second pass has no erased word left
            text, bounds = _join(words)
            enc = self.tokenizer(
                text, add_special_tokens=False, return_offsets_mapping=True, verbose=False
            )
            ids, offsets = enc["input_ids"], enc["offset_mapping"]
            # each sub-token goes to the first word it overlaps (a bare "▁" to the next word's)
            # a character -> word table keeps this linear (MSRA has 50k sentences of ~50 chars)
            owner_of = [-1] * len(text)
            for w, (a, b) in enumerate(bounds):
                owner_of[a:b] = [w] * (b - a)
            covers = [sorted({owner_of[c] for c in range(s, e)} - {-1}) for s, e in offsets]
            missing = set(range(len(words))) - {w for c in covers for w in c}
            if not missing:
                break
            words = [unk if i in missing else w for i, w in enumerate(words)]
        word_ids: list[int | None] = [c[0] if c else None for c in covers]
        following = None
        for i in range(len(word_ids) - 1, -1, -1):
            word_ids[i] = following = following if word_ids[i] is None else word_ids[i]
        last = next((w for w in reversed(word_ids) if w is not None), 0)
        word_ids = [last if w is None else w for w in word_ids]
        leaders = set(word_ids)
        shared = {w: c[0] for c in covers for w in c[1:] if w not in leaders}
        return ids, word_ids, shared

    def windows(self, sentences: Sequence[Sequence[str]]) -> list[Window]:
        """Model windows for every sentence, in sentence order (none for an empty sentence)."""
        out: list[Window] = []
        for index, (ids, word_ids, shared) in enumerate(self._tokenize(sentences)):
            spans = self._spans(word_ids)
            owner = self._owners(word_ids, spans)
            classes = [casing_class(word) for word in sentences[index]] if self.casing else None
            for k, (start, end) in enumerate(spans):
                offset = len(self.prefix) - start
                owned = [(p + offset, w) for w, (p, win) in owner.items() if win == k]
                body = self.prefix + ids[start:end] + self.suffix
                types = None
                if classes is not None:  # special tokens: type 0
                    types = (
                        [0] * len(self.prefix)
                        + [classes[w] for w in word_ids[start:end]]
                        + [0] * len(self.suffix)
                    )
                sharing = tuple(
                    sorted(
                        (owner[lead][0] + offset, w)
                        for w, lead in shared.items()
                        if owner[lead][1] == k
                    )
                )
                positions = (
                    (None,) * len(self.prefix) + tuple(word_ids[start:end])
                    + (None,) * len(self.suffix)
                )  # fmt: skip
                out.append(Window(index, body, sorted(owned), types, sharing, positions))
        return out

    def training_features(
        self, sentences: Sequence[Sequence[str]], tag_ids: Sequence[Sequence[int]]
    ) -> list[dict[str, list[int]]]:
        """``{"input_ids", "labels"}`` per window (and ``token_type_ids`` with casing); labels
        at owned first sub-tokens, else -100."""
        features = []
        for window in self.windows(sentences):
            labels = [IGNORE_INDEX] * len(window.input_ids)
            for position, word in window.owned:
                labels[position] = tag_ids[window.sentence][word]
            features.append({**window.features(), "labels": labels})
        return features

    @staticmethod
    def merge(
        windows: Sequence[Window],
        scores: Sequence[np.ndarray],
        word_counts: Sequence[int],
        labels: Sequence[str] | None = None,
    ) -> list[np.ndarray]:
        """Window scores ``(len(input_ids), num_labels)`` -> one ``(words, num_labels)`` array per
        sentence, each word's row taken from its owner window at its first sub-token. A word
        sharing another's sub-token copies its row; with ``labels`` (probabilities) a ``B-X``
        there becomes ``I-X``, so the shared sub-token stays one entity."""
        num_labels = scores[0].shape[-1] if len(scores) else 0
        merged = [np.full((n, num_labels), np.nan, dtype=np.float32) for n in word_counts]
        moves = _begin_to_inside(labels) if labels is not None else []
        for window, score in zip(windows, scores, strict=True):
            for position, word in window.owned:
                merged[window.sentence][word] = score[position]
            for position, word in window.shared:
                row = np.array(score[position], dtype=np.float32)
                for b, i in moves:
                    row[i], row[b] = row[i] + row[b], 0.0
                merged[window.sentence][word] = row
        for index, rows in enumerate(merged):
            if np.isnan(rows).any():
                raise RuntimeError(f"sentence {index}: a word got no prediction (alignment bug)")
        return merged

    def _encode(self, batch: list[list[str]]) -> list[tuple[list[int], list[int]]]:
        if not batch:
            return []
        enc = self.tokenizer(
            batch, is_split_into_words=True, add_special_tokens=False, verbose=False
        )
        return [(enc["input_ids"][i], enc.word_ids(i)) for i in range(len(batch))]

    def _spans(self, word_ids: list[int]) -> list[tuple[int, int]]:
        """``[start, end)`` sub-token ranges of the windows, cut at word boundaries."""
        n, capacity = len(word_ids), self.capacity
        if n <= capacity:
            return [(0, n)] if n else []

        def boundary(i: int) -> bool:
            return i in (0, n) or word_ids[i] != word_ids[i - 1]

        spans, start = [], 0
        while True:
            end = min(start + capacity, n)
            while not boundary(end) and end > start + 1:
                end -= 1
            if end == start + 1 and not boundary(end):  # one word longer than a window
                end = min(start + capacity, n)
            spans.append((start, end))
            if end == n:
                return spans
            next_start = max(end - self.stride, start + 1)
            while not boundary(next_start) and next_start < end:
                next_start += 1
            start = next_start

    @staticmethod
    def _owners(word_ids: list[int], spans: list[tuple[int, int]]) -> dict[int, tuple[int, int]]:
        """word -> (first sub-token position, owning window): the most central window wins."""
        first: dict[int, int] = {}
        for position, word in enumerate(word_ids):
            first.setdefault(word, position)
        owner: dict[int, tuple[int, int]] = {}
        for word, p in first.items():
            margins = [(min(p - s, e - 1 - p), -k) for k, (s, e) in enumerate(spans) if s <= p < e]
            owner[word] = (p, -max(margins)[1])
        return owner


def _join(words: Sequence[str]) -> tuple[str, list[tuple[int, int]]]:
    """The words as running text, a space only between two words neither of which touches the
    other in a no-space script, and each word's ``[start, end)`` in that text."""
    parts: list[str] = []
    bounds: list[tuple[int, int]] = []
    length = 0
    for k, word in enumerate(words):
        if k and word and words[k - 1]:
            if not (is_no_space_char(words[k - 1][-1]) or is_no_space_char(word[0])):
                parts.append(" ")
                length += 1
        bounds.append((length, length + len(word)))
        parts.append(word)
        length += len(word)
    return "".join(parts), bounds


def _begin_to_inside(labels: Sequence[str]) -> list[tuple[int, int]]:
    """``(index of B-X, index of I-X)`` for every type that has both tags."""
    index = {label: i for i, label in enumerate(labels)}
    moves = []
    for label, i in index.items():
        prefix, kind = split_tag(label)
        if prefix == "B" and f"I-{kind}" in index:
            moves.append((i, index[f"I-{kind}"]))
    return moves
