"""Evaluation splits that never leak the future: each user's latest interactions are held out
(a temporal split), and optionally every interaction with a set of items (cold items: the model
meets them only through their text).

Both return ``(train, test)``; every test interaction of a user is later than (or as late as,
ties broken by row order) each of that user's training interactions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from axonlab.errors import InputError
from axonlab.recommend.data import Interactions


def temporal_split(
    interactions: Interactions,
    *,
    test_fraction: float = 0.1,
    min_test: int = 1,
    min_train: int = 1,
) -> tuple[Interactions, Interactions]:
    """Hold out each user's latest ``test_fraction`` of interactions (at least ``min_test``,
    rounded up), keeping at least ``min_train`` in training (users with fewer stay whole in
    training). Ties in time keep file order."""
    if not 0.0 < test_fraction < 1.0:
        raise InputError(f"`test_fraction` must be in (0, 1), got {test_fraction}")
    # by user, then time, then row: a stable order that puts each user's latest last
    order = np.lexsort((np.arange(len(interactions)), interactions.times, interactions.users))
    users = interactions.users[order]
    starts = np.flatnonzero(np.r_[True, users[1:] != users[:-1]])
    ends = np.r_[starts[1:], len(order)]
    test = np.zeros(len(interactions), dtype=bool)
    for start, end in zip(starts, ends, strict=True):
        n = end - start
        n_test = max(min_test, int(np.ceil(test_fraction * n)))
        if n - n_test < min_train:
            continue
        test[order[end - n_test : end]] = True
    return interactions.take(~test), interactions.take(test)


def cold_item_split(
    interactions: Interactions, cold_items: Sequence[str]
) -> tuple[Interactions, Interactions]:
    """Move every interaction with ``cold_items`` to the test side."""
    cold = np.isin(interactions.items, np.asarray(list(cold_items), dtype=object))
    return interactions.take(~cold), interactions.take(cold)


def concat(parts: Sequence[Interactions]) -> Interactions:
    """The interactions of ``parts`` in order."""
    return Interactions(
        np.concatenate([p.users for p in parts]),
        np.concatenate([p.items for p in parts]),
        np.concatenate([p.ratings for p in parts]),
        np.concatenate([p.times for p in parts]),
    )


def holdout(
    interactions: Interactions,
    candidates: Sequence[str],
    *,
    n_cold: int,
    test_fraction: float = 0.1,
    seed: int = 0,
) -> tuple[Interactions, Interactions, list[str]]:
    """``(train, test, cold items)``: ``n_cold`` items drawn from ``candidates`` (those with
    interactions) lose all their interactions to the test side, then each user's latest
    ``test_fraction`` of the rest is held out too."""
    rated = set(interactions.items.tolist())
    pool = sorted(c for c in set(candidates) if c in rated)
    if n_cold > len(pool):
        raise InputError(f"`n_cold` is {n_cold} but only {len(pool)} candidate items were rated")
    rng = np.random.default_rng(seed)
    cold = sorted(rng.choice(np.asarray(pool, dtype=object), size=n_cold, replace=False).tolist())
    warm, cold_test = cold_item_split(interactions, cold)
    train, test = temporal_split(warm, test_fraction=test_fraction)
    # a cold rating earlier than the user's training cut is still test: the item is unknown
    return train, concat([test, cold_test]), cold
