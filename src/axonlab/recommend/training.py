"""Training: embed every item's text, factorise the interactions with ALS, learn the map from
text to factors (for items nobody has touched), and tune the blend of the two signals on a
validation split carved from the training interactions only (each user's latest).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from axonlab.errors import InputError
from axonlab.recommend.collaborative import fit_als, map_text, text_to_factors, user_item_matrix
from axonlab.recommend.data import Interactions, Items
from axonlab.recommend.model import Recommender, RecommenderConfig

VALIDATION_K = 10


class TextEncoder(Protocol):
    """What embeds item text: ``encode(texts) -> (n, dim)`` unit vectors, and a ``name``."""

    name: str

    def encode(self, texts: list[str], **options: Any) -> np.ndarray: ...


def embed_items(
    items: Items,
    encoder: TextEncoder | None,
    config: RecommenderConfig,
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, str]:
    """``(embeddings (n_items, dim) float32, encoder name)``."""
    if encoder is None:
        from axonlab.text.embeddings.encoder import SentenceEncoder

        encoder = SentenceEncoder(config.encoder)
    options = {"progress": progress} if progress is not None else {}
    vectors = np.asarray(encoder.encode(list(items.texts), **options), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12), str(getattr(encoder, "name", type(encoder)))


def fit(
    items: Items,
    embeddings: np.ndarray,
    interactions: Interactions,
    config: RecommenderConfig,
    blend: float,
) -> Recommender:
    """A recommender from ``interactions`` with a fixed ``blend`` (no tuning)."""
    if len(interactions) == 0:
        raise InputError("no interactions to learn from")
    users = sorted(set(interactions.users.tolist()))
    user_index = {user: i for i, user in enumerate(users)}
    try:
        cols = np.array([items.index[i] for i in interactions.items.tolist()], dtype=np.int64)
    except KeyError as err:
        raise InputError(f"interaction with item {err.args[0]!r}, not in the catalogue") from None
    rows = np.array([user_index[u] for u in interactions.users.tolist()], dtype=np.int64)
    seen = user_item_matrix(rows, cols, len(users), len(items))
    user_factors, item_factors = fit_als(seen, config.als)
    warm = np.asarray(seen.getnnz(axis=0)) > 0
    weights = text_to_factors(embeddings, item_factors, warm, config.ridge)
    item_factors[~warm] = map_text(embeddings[~warm], weights)
    return Recommender(
        items, embeddings, item_factors, warm, users, user_factors, seen, config, blend
    )


def tune(
    items: Items, embeddings: np.ndarray, interactions: Interactions, config: RecommenderConfig
) -> tuple[float, float, dict[str, float]]:
    """``(blend, cold_scale, {"blend/cold_scale": validation NDCG@10})``: fit on the training
    interactions less a validation split (a random ``validation_cold`` share of the rated items
    with all their interactions, then each user's latest ``validation_fraction``), score it.
    A value fixed in ``config`` is not searched; ties go to the first in the grids."""
    from axonlab.recommend.evaluation import evaluate
    from axonlab.recommend.split import holdout

    rated = sorted(set(interactions.items.tolist()))
    n_cold = int(round(config.validation_cold * len(rated)))
    fit_part, validation, _ = holdout(
        interactions,
        rated,
        n_cold=n_cold,
        test_fraction=config.validation_fraction,
        seed=config.seed,
    )
    if len(validation) == 0:
        raise InputError("too few interactions to carve a validation split; set `blend`")
    model = fit(items, embeddings, fit_part, config, blend=1.0)
    blends = config.blend_grid if config.blend is None else (config.blend,)
    scales = config.cold_scale_grid if config.cold_scale is None else (config.cold_scale,)
    results, best = {}, None
    for blend in blends:
        for scale in scales:
            model.blend, model.cold_scale = blend, scale
            ndcg = evaluate(model, validation, VALIDATION_K)[f"ndcg@{VALIDATION_K}"]
            results[f"{blend:g}/{scale:g}"] = ndcg
            if best is None or ndcg > best[0]:
                best = (ndcg, blend, scale)
    return best[1], best[2], results


def train(
    items: Items,
    interactions: Interactions,
    config: RecommenderConfig | None = None,
    *,
    encoder: TextEncoder | None = None,
    progress: Callable[[int], None] | None = None,
) -> Recommender:
    """A hybrid recommender from a catalogue and its interactions.

    ``encoder`` embeds the item texts (default: the sentence encoder named by
    ``config.encoder``); ``progress(n)`` is told as item texts are embedded.
    """
    config = config or RecommenderConfig()
    start = time.perf_counter()
    embeddings, encoder_name = embed_items(items, encoder, config, progress)
    embed_seconds = time.perf_counter() - start
    validation: dict[str, float] = {}
    blend, cold_scale = config.blend, config.cold_scale
    if blend is None or cold_scale is None:
        blend, cold_scale, validation = tune(items, embeddings, interactions, config)
    model = fit(items, embeddings, interactions, config, blend)
    model.cold_scale = cold_scale
    model.info = {
        "encoder": encoder_name,
        "metrics": {
            "items": len(items),
            "warm_items": int(model.warm.sum()),
            "users": len(model.users),
            "interactions": len(interactions),
            "unknown_item_interactions": int(interactions.unknown),
            "validation_ndcg@10_by_blend_and_cold_scale": validation,
            "blend": blend,
            "cold_scale": cold_scale,
            "embed_seconds": embed_seconds,
            "train_seconds": time.perf_counter() - start,
        },
    }
    return model
