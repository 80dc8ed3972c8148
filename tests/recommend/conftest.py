"""A synthetic catalogue where the right answers are known (tests/data/recommend: four genres,
users who each rate one genre only, one unrated new film per genre) and a keyword encoder that
embeds it in microseconds."""

from __future__ import annotations

import numpy as np
import pytest
from tests.paths import TEST_DATA

pytest.importorskip("implicit")

DATA = TEST_DATA / "recommend"
KEYWORDS = {
    "scifi": ("astronaut", "rocket", "planet", "alien", "space", "starship", "stars", "lunar"),
    "romance": ("love", "wedding", "kiss", "lover", "romance", "heart", "bride", "date"),
    "horror": ("haunt", "ghost", "vampire", "cursed", "demon", "zombie", "killer", "possessed"),
    "cooking": ("chef", "bakery", "baker", "recipe", "cook", "kitchen", "pastry", "food"),
}
GENRE_OF_NEW = {"33": "scifi", "34": "romance", "35": "horror", "36": "cooking"}


class KeywordEncoder:
    """One dimension per genre: how many of its words a text holds (and a constant, so no
    vector is zero). Stands in for the sentence encoder; the library takes any ``encode``."""

    name = "keywords"

    def encode(self, texts: list[str], **options) -> np.ndarray:
        rows = []
        for text in texts:
            lowered = text.lower()
            rows.append([sum(lowered.count(w) for w in words) for words in KEYWORDS.values()])
        vectors = np.asarray(rows, dtype=np.float32) + 0.1
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def genre(item: str) -> str:
    """The genre of a synthetic film id (1-8 scifi, 9-16 romance, ...; 33-36 the new ones)."""
    if item in GENRE_OF_NEW:
        return GENRE_OF_NEW[item]
    return list(KEYWORDS)[(int(item) - 1) // 8]


@pytest.fixture(scope="session")
def catalogue():
    from axonlab import recommend

    items = recommend.read_items(DATA / "items.tsv")
    return items, recommend.read_interactions(DATA / "ratings.csv", items)


@pytest.fixture(scope="session")
def trained(catalogue):
    from axonlab import recommend

    items, ratings = catalogue
    config = recommend.RecommenderConfig(als=recommend.ALSSettings(factors=8, iterations=10))
    return recommend.train(items, ratings, config, encoder=KeywordEncoder())
