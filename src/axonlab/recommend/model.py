"""A trained recommender: item vectors, user vectors and histories, and how they are scored.

A user's score for an item blends two signals, each standardised over the catalogue for that
user (so their scales meet): the collaborative one, ``user factors · item factors`` (ALS; an
item nobody touched in training gets factors mapped from its text), and the text one, the
cosine between the item's text embedding and the mean embedding of the user's history.
``blend`` is the collaborative share. A text-mapped item's factors are shrunk towards the mean
(the map is a ridge regression), so they are scaled by ``cold_scale`` before scoring: how far
to trust an item nobody has touched. Both are tuned on a validation split at training time.

Items the user has seen are never recommended; equal scores keep catalogue order, so the same
model always gives the same list.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from axonlab.errors import InputError, RunDirectoryError
from axonlab.recommend.collaborative import ALSSettings, fold_in
from axonlab.recommend.data import Items

TASK = "recommend"
ARRAYS = "model.npz"
ITEMS_FILE = "items.tsv"


@dataclass
class RecommenderConfig:
    """How a recommender is trained.

    ``blend``: the collaborative share of the score (0: text only, 1: ALS only);
    ``cold_scale``: the factor on text-mapped item factors. ``None`` tunes them on a validation
    split carved from the training data (all interactions of a random ``validation_cold``
    share of the rated items, then each user's latest ``validation_fraction``), over
    ``blend_grid`` x ``cold_scale_grid``, for the best NDCG@10. ``ridge``: the L2 penalty of the
    text -> factors map. ``encoder``: the sentence encoder (a built-in name, a text run or a
    Hugging Face folder; ``None``: all-MiniLM-L6-v2)."""

    als: ALSSettings = field(default_factory=ALSSettings)
    blend: float | None = None
    blend_grid: tuple[float, ...] = (0.0, 0.5, 0.8, 0.9, 1.0)
    cold_scale: float | None = None
    cold_scale_grid: tuple[float, ...] = (1.0, 2.0, 3.0, 4.0, 6.0, 8.0)
    validation_fraction: float = 0.1
    validation_cold: float = 0.05
    seed: int = 0
    ridge: float = 1.0
    encoder: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.als, dict):
            self.als = ALSSettings(**self.als)
        self.blend_grid = tuple(self.blend_grid)
        self.cold_scale_grid = tuple(self.cold_scale_grid)
        for value in [self.cold_scale, *self.cold_scale_grid]:
            if value is not None and value <= 0:
                raise InputError(f"`cold_scale` must be > 0, got {value}")
        if not 0.0 <= self.validation_cold < 1.0:
            raise InputError(f"`validation_cold` must be in [0, 1), got {self.validation_cold}")
        for value in [self.blend, *self.blend_grid]:
            if value is not None and not 0.0 <= value <= 1.0:
                raise InputError(f"`blend` must be in [0, 1], got {value}")
        if self.ridge < 0:
            raise InputError(f"`ridge` must be >= 0, got {self.ridge}")


def standardise(scores: np.ndarray) -> np.ndarray:
    """``(n_users, n_items)`` scores, each row shifted to mean 0 and scaled to spread 1."""
    spread = scores.std(axis=1, keepdims=True)
    return (scores - scores.mean(axis=1, keepdims=True)) / np.maximum(spread, 1e-12)


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` highest of ``scores`` ``(n,)``, best first; equal scores keep index
    order; ``-inf`` entries (excluded items) never appear."""
    k = min(k, int(np.isfinite(scores).sum()))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    # the k-th best score bounds the candidates; all items at that score are kept for the tie
    threshold = np.partition(scores, len(scores) - k)[len(scores) - k]
    candidates = np.flatnonzero(scores >= threshold)
    order = np.lexsort((candidates, -scores[candidates]))
    return candidates[order[:k]]


class Recommender:
    """Items and users in one space. ``for_user(user, k)`` and ``similar(item, k)`` return
    ``[{"item", "title", "score"}]`` best first."""

    task = TASK

    def __init__(
        self,
        items: Items,
        embeddings: np.ndarray,
        item_factors: np.ndarray,
        warm: np.ndarray,
        users: list[str],
        user_factors: np.ndarray,
        seen: sparse.csr_matrix,
        config: RecommenderConfig,
        blend: float,
        cold_scale: float = 1.0,
        info: dict[str, Any] | None = None,
    ):
        self.items = items  # n_items
        self.embeddings = embeddings  # (n_items, dim) float32, unit length
        self.item_factors = item_factors  # (n_items, f): ALS for warm items, mapped for cold
        self.warm = warm  # (n_items,) bool: had an interaction in training
        self.users = users  # n_users
        self.user_index = {user: i for i, user in enumerate(users)}
        self.user_factors = user_factors  # (n_users, f)
        self.seen = seen  # (n_users, n_items) CSR: the training interactions
        self.config = config
        self.blend = blend
        self.cold_scale = cold_scale
        self.info = info or {}

    def __repr__(self) -> str:
        return (
            f"Recommender({len(self.items):,} items ({int(self.warm.sum()):,} warm), "
            f"{len(self.users):,} users, blend={self.blend:g}, cold_scale={self.cold_scale:g})"
        )

    # --- scoring -------------------------------------------------------------------------
    @property
    def factors(self) -> np.ndarray:
        """Item factors ``(n_items, f)`` as scored: the text-mapped ones times ``cold_scale``."""
        if getattr(self, "_scaled", (None, None))[0] != self.cold_scale:
            scaled = self.item_factors.copy()
            scaled[~self.warm] *= self.cold_scale
            self._scaled = (self.cold_scale, scaled)
        return self._scaled[1]

    def profiles(self, rows: np.ndarray) -> np.ndarray:
        """Text profiles ``(len(rows), dim)``: the unit mean embedding of each user's history."""
        sums = self.seen[rows] @ self.embeddings
        return sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)

    def score_users(self, rows: np.ndarray, *, blend: float | None = None) -> np.ndarray:
        """Scores ``(len(rows), n_items)`` for the users at ``rows``; seen items ``-inf``."""
        blend = self.blend if blend is None else blend
        scores = self._blend(
            self.user_factors[rows] @ self.factors.T,
            self.profiles(rows) @ self.embeddings.T,
            blend,
        )
        seen = self.seen[rows].tocoo()
        scores[seen.row, seen.col] = -np.inf
        return scores

    @staticmethod
    def _blend(collaborative: np.ndarray, text: np.ndarray, blend: float) -> np.ndarray:
        if blend >= 1.0:
            return standardise(collaborative)
        if blend <= 0.0:
            return standardise(text)
        return blend * standardise(collaborative) + (1.0 - blend) * standardise(text)

    def score_history(self, history: list[str]) -> np.ndarray:
        """Scores ``(n_items,)`` for someone who interacted with ``history`` (item ids), e.g. a
        user who joined after training: their ALS vector is folded in, the factors fixed."""
        at = self._item_rows(history)
        # solved against the factors training had: text-mapped items took no part in it
        trained = np.where(self.warm[:, None], self.item_factors, 0.0).astype(np.float32)
        factors = fold_in(trained, [at], self.config.als)[0]
        profile = self.embeddings[at].sum(axis=0)
        profile /= max(float(np.linalg.norm(profile)), 1e-12)
        scores = self._blend(
            (self.factors @ factors)[None], (self.embeddings @ profile)[None], self.blend
        )[0]
        scores[at] = -np.inf
        return scores

    # --- the API -------------------------------------------------------------------------
    def for_user(self, user: str, k: int = 10) -> list[dict[str, Any]]:
        """The ``k`` best unseen items for a user of the training data, best first."""
        row = self._user_row(user)
        return self._listing(self.score_users(np.array([row]))[0], k)

    def for_history(self, history: list[str], k: int = 10) -> list[dict[str, Any]]:
        """The ``k`` best items for someone who saw ``history`` (item ids), best first."""
        return self._listing(self.score_history(history), k)

    def similar(self, item: str, k: int = 10) -> list[dict[str, Any]]:
        """The ``k`` items most like ``item`` (by the same blend of factors and text)."""
        row = self._item_rows([item])[0]
        factors = self.item_factors / np.maximum(
            np.linalg.norm(self.item_factors, axis=1, keepdims=True), 1e-12
        )
        scores = self._blend(
            (factors @ factors[row])[None],
            (self.embeddings @ self.embeddings[row])[None],
            self.blend,
        )[0]
        scores[row] = -np.inf
        return self._listing(scores, k)

    @property
    def backbone(self) -> str:
        """The sentence encoder that embedded the item texts."""
        return str(self.info.get("encoder") or "")

    def titled(self, items: list[str]) -> list[dict[str, str]]:
        """``[{"item", "title"}]`` for catalogue item ids (an unknown one: InputError)."""
        return [
            {"item": self.items.ids[r], "title": self.items.titles[r]}
            for r in self._item_rows(items)
        ]

    def history(self, user: str) -> list[dict[str, str]]:
        """The user's training interactions, in catalogue order: ``[{"item", "title"}]``."""
        row = self._user_row(user)
        cols = self.seen[row].indices
        return [{"item": self.items.ids[c], "title": self.items.titles[c]} for c in sorted(cols)]

    def _listing(self, scores: np.ndarray, k: int) -> list[dict[str, Any]]:
        if k < 1:
            raise InputError(f"`k` must be >= 1, got {k}")
        return [
            {"item": self.items.ids[i], "title": self.items.titles[i], "score": float(scores[i])}
            for i in top_k(scores, k)
        ]

    def _user_row(self, user: str) -> int:
        row = self.user_index.get(str(user))
        if row is None:
            raise InputError(
                f"unknown user {user!r}: the model knows the {len(self.users):,} users of its "
                "training interactions (recommend for a new user from their history instead)"
            )
        return row

    def _item_rows(self, items: list[str]) -> np.ndarray:
        rows = [self.items.index.get(str(item)) for item in items]
        unknown = [item for item, row in zip(items, rows, strict=True) if row is None]
        if unknown:
            raise InputError(f"unknown item {unknown[0]!r} ({len(unknown)} not in the catalogue)")
        if not rows:
            raise InputError("the history is empty; give at least one item")
        return np.asarray(rows, dtype=np.int64)

    # --- saving --------------------------------------------------------------------------
    def save(self, folder: str | Path) -> Path:
        """Write a run directory (config.json, metrics.json, model.npz, items.tsv)."""
        from axonlab.runs import RunDirectory, atomic_path

        run = RunDirectory(folder)
        config = {
            "config": _config_dict(self.config),
            "blend": self.blend,
            "cold_scale": self.cold_scale,
            "encoder": self.info.get("encoder"),
        }
        run.start(config, task=TASK)
        with atomic_path(run.path / ARRAYS) as tmp, open(tmp, "wb") as handle:
            np.savez(
                handle,
                embeddings=self.embeddings,
                item_factors=self.item_factors,
                warm=self.warm,
                users=np.asarray(self.users, dtype=str),
                user_factors=self.user_factors,
                seen_indptr=self.seen.indptr,
                seen_indices=self.seen.indices,
            )
        with atomic_path(run.path / ITEMS_FILE) as tmp:
            lines = ["item\ttitle\ttext"] + [
                "\t".join(_clean(v) for v in row)
                for row in zip(self.items.ids, self.items.titles, self.items.texts, strict=True)
            ]
            tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        run.write_metrics(self.info.get("metrics", {}))
        run.mark_complete()
        return run.path


def _clean(value: str) -> str:
    return " ".join(value.split())


def _config_dict(config: RecommenderConfig) -> dict[str, Any]:
    return {
        **asdict(config),
        "blend_grid": list(config.blend_grid),
        "cold_scale_grid": list(config.cold_scale_grid),
    }


def load(folder: str | Path) -> Recommender:
    """A recommender saved by :meth:`Recommender.save`."""
    from axonlab.runs import METRICS_FILE, RunDirectory, read_json

    run = RunDirectory(folder)
    run.require_complete()
    saved = run.config()
    if saved.get("task") != TASK:
        raise RunDirectoryError(f"{run.path} is a {saved.get('task')!r} run, not a recommender")
    rows = (run.path / ITEMS_FILE).read_text(encoding="utf-8").splitlines()[1:]
    fields = [row.split("\t") for row in rows]
    items = Items([f[0] for f in fields], [f[1] for f in fields], [f[2] for f in fields])
    with np.load(run.path / ARRAYS) as arrays:
        users = arrays["users"].tolist()
        indices = arrays["seen_indices"]
        seen = sparse.csr_matrix(
            (np.ones(len(indices), np.float32), indices, arrays["seen_indptr"]),
            shape=(len(users), len(items)),
        )
        info = {"encoder": saved.get("encoder"), "metrics": read_json(run.path / METRICS_FILE)}
        return Recommender(
            items,
            arrays["embeddings"],
            arrays["item_factors"],
            arrays["warm"],
            users,
            arrays["user_factors"],
            seen,
            RecommenderConfig(**saved["config"]),
            float(saved["blend"]),
            float(saved["cold_scale"]),
            info,
        )
