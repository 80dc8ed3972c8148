"""A semantic search index: a bank of texts with ids, their embeddings, and top-k cosine search.

The index is a folder: ``index.json`` (the encoder, the current generation, counts), and the
generation's ``vectors.G.npy`` (float32, one L2-normalised row per item) and ``items.G.jsonl``
(``{"id", "text"}`` per row, same order). A change writes generation G+1 in full and then
replaces ``index.json`` atomically, so a reader or an interruption sees the old index or the new
one, never a mix; older generations are then removed.

Search is exact (one matrix-vector product over the bank) up to :data:`APPROXIMATE_FROM` items;
past that, a query would read the whole bank (measured on 2 cores: 0.9 ms at 10k items, 16 ms at
100k, 66 ms at 400k), so a faiss HNSW graph (Malkov & Yashunin 2018) answers instead, kept in
``ann.G.faiss``. New items are added to the graph; a deletion or a changed text rebuilds it.
``add`` embeds only texts whose id is new or whose text changed.

    >>> index = SearchIndex.build("faq-index", texts, ids=ids)
    >>> index.search(["how do I reset my PIN?"], k=3)[0]
    [{'id': 'pin-reset', 'text': '...', 'score': 0.91}, ...]
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from axonlab.errors import InputError
from axonlab.runs import atomic_path, read_json, write_json
from axonlab.text.embeddings.encoder import SentenceEncoder, encoder_fingerprint

INDEX_FILE = "index.json"
FORMAT = 1
APPROXIMATE_FROM = 50_000  # items from which search goes through the HNSW graph
HNSW_LINKS = 32  # faiss's M: neighbours per node
HNSW_EF_SEARCH = 128  # candidates kept while searching: recall against speed


def _ids(texts: Sequence[str], ids: Sequence[Any] | None, start: int = 0) -> list[str]:
    if ids is None:
        return [str(start + i) for i in range(len(texts))]
    if len(ids) != len(texts):
        raise InputError(f"{len(ids)} ids for {len(texts)} texts; give one id per text")
    names = [str(i) for i in ids]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputError(f"id {name!r} is given twice; ids must be unique")
        seen.add(name)
    return names


class SearchIndex:
    """Texts with ids and their embeddings, persisted in ``folder`` (``None``: kept in memory
    only); cosine top-k search."""

    def __init__(self, folder: str | Path | None, encoder: SentenceEncoder):
        self.folder = Path(folder) if folder is not None else None
        self.encoder = encoder
        self.ids: list[str] = []
        self.texts: list[str] = []
        self.vectors = np.zeros((0, encoder.dim), dtype=np.float32)
        self.generation = 0
        self.graph: Any = None  # the faiss HNSW graph over self.vectors' rows, when approximate

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        return f"SearchIndex({str(self.folder)!r}, items={len(self)}, model={self.encoder.name!r})"

    @classmethod
    def build(
        cls,
        folder: str | Path,
        texts: Sequence[str],
        ids: Sequence[Any] | None = None,
        *,
        model: str | Path | None = None,
        encoder: SentenceEncoder | None = None,
    ) -> SearchIndex:
        """A new index of ``texts`` in ``folder`` (new or empty), embedded by ``model``."""
        folder = Path(folder)
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise InputError("already exists and is not an empty folder", path=folder)
        index = cls(folder, encoder or SentenceEncoder(model))
        index.add(texts, ids)
        return index

    @classmethod
    def open(cls, folder: str | Path, *, encoder: SentenceEncoder | None = None) -> SearchIndex:
        """The index saved in ``folder``, with its encoder loaded (and checked unchanged)."""
        folder = Path(folder)
        meta = _read_meta(folder)
        encoder = encoder or SentenceEncoder(
            meta["encoder"]["model"], max_length=int(meta["encoder"]["max_length"])
        )
        if encoder_fingerprint(encoder) != meta["encoder"]:
            raise InputError(
                f"the index was built with {meta['encoder']['model']!r} and its weights have "
                "changed since (or another model was given): rebuild it",
                path=folder,
            )
        index = cls(folder, encoder)
        index.generation = int(meta["generation"])
        g = index.generation
        index.vectors = np.load(folder / f"vectors.{g}.npy")
        with open(folder / f"items.{g}.jsonl", encoding="utf-8") as items:
            for line in items:
                item = json.loads(line)
                index.ids.append(item["id"])
                index.texts.append(item["text"])
        if meta.get("approximate"):
            import faiss

            index.graph = faiss.read_index(str(folder / f"ann.{g}.faiss"))
            index.graph.hnsw.efSearch = HNSW_EF_SEARCH
        return index

    def add(self, texts: Sequence[str], ids: Sequence[Any] | None = None) -> dict[str, int]:
        """Add texts (a known id with a new text replaces that item's text); embeds only the
        new and changed texts, then saves. Returns counts: added, replaced, unchanged."""
        next_id = 1 + max((int(i) for i in self.ids if i.isdigit()), default=-1)
        names = _ids(texts, ids, start=next_id)
        position = {name: row for row, name in enumerate(self.ids)}
        fresh = [
            (name, text)
            for name, text in zip(names, texts, strict=True)
            if name not in position or self.texts[position[name]] != text
        ]
        vectors = self.encoder.encode([text for _, text in fresh]) if fresh else None
        replaced = 0
        appended: list[int] = []
        for k, (name, text) in enumerate(fresh):
            if name in position:
                self.texts[position[name]] = text
                self.vectors[position[name]] = vectors[k]
                replaced += 1
            else:
                self.ids.append(name)
                self.texts.append(text)
                appended.append(k)
        if appended:
            self.vectors = np.concatenate([self.vectors, vectors[appended]])
        if replaced:
            self.graph = None  # a row's vector changed: the graph is rebuilt
        self._update_graph(len(appended))
        self.save()
        return {
            "added": len(appended),
            "replaced": replaced,
            "unchanged": len(names) - len(fresh),
            "items": len(self),
        }

    def delete(self, ids: Sequence[Any]) -> int:
        """Remove the items with these ids (each must exist), then save; returns how many."""
        names = {str(i) for i in ids}
        unknown = sorted(names - set(self.ids))
        if unknown:
            raise InputError(f"no item with id {', '.join(map(repr, unknown[:5]))} in the index")
        keep = [row for row, name in enumerate(self.ids) if name not in names]
        self.ids = [self.ids[row] for row in keep]
        self.texts = [self.texts[row] for row in keep]
        self.vectors = self.vectors[keep]
        self.graph = None  # rows moved: the graph is rebuilt
        self._update_graph(0)
        self.save()
        return len(names)

    def search(
        self, queries: str | Sequence[str], k: int = 5, *, exact: bool = False
    ) -> list[list[dict[str, Any]]]:
        """For each query the ``k`` most similar items, best first: ``{"id", "text", "score"}``
        (score: cosine similarity, in [-1, 1]). ``exact``: over the whole bank even where the
        HNSW graph would answer."""
        if isinstance(queries, str):
            queries = [queries]
        if k < 1:
            raise InputError(f"`k` must be >= 1, got {k}")
        if not len(self):
            return [[] for _ in queries]
        vectors = self.encoder.encode(queries)
        k = min(k, len(self))
        if self.graph is not None and not exact:
            scores, rows = self.graph.search(vectors, k)
            return [
                [
                    {"id": self.ids[i], "text": self.texts[i], "score": float(score)}
                    for score, i in zip(row_scores, row_ids, strict=True)
                    if i >= 0
                ]
                for row_scores, row_ids in zip(scores, rows, strict=True)
            ]
        scores = vectors @ self.vectors.T
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        results = []
        for row, candidates in enumerate(top):
            best = candidates[np.argsort(-scores[row, candidates], kind="stable")]
            results.append(
                [
                    {"id": self.ids[i], "text": self.texts[i], "score": float(scores[row, i])}
                    for i in best
                ]
            )
        return results

    @property
    def approximate(self) -> bool:
        """Whether searches go through the HNSW graph."""
        return self.graph is not None

    def _update_graph(self, appended: int) -> None:
        """Keep the graph in step with the rows: none below APPROXIMATE_FROM items; new rows
        added to it; built in full where there is none."""
        if len(self) < APPROXIMATE_FROM:
            self.graph = None
        elif self.graph is None:
            self.graph = _new_graph(self.vectors)
        elif appended:
            self.graph.add(self.vectors[-appended:])

    def save(self) -> None:
        """Write the next generation, switch ``index.json`` to it, remove older ones."""
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        g = self.generation + 1
        with atomic_path(self.folder / f"vectors.{g}.npy") as tmp:
            with open(tmp, "wb") as f:
                np.save(f, self.vectors)
        with atomic_path(self.folder / f"items.{g}.jsonl") as tmp:
            with open(tmp, "w", encoding="utf-8") as f:
                for name, text in zip(self.ids, self.texts, strict=True):
                    f.write(json.dumps({"id": name, "text": text}, ensure_ascii=False) + "\n")
        if self.graph is not None:
            import faiss

            with atomic_path(self.folder / f"ann.{g}.faiss") as tmp:
                faiss.write_index(self.graph, str(tmp))
        meta = {
            "format": FORMAT,
            "approximate": self.graph is not None,
            "encoder": encoder_fingerprint(self.encoder),
            "generation": g,
            "items": len(self),
            "dim": self.encoder.dim,
        }
        write_json(self.folder / INDEX_FILE, meta)
        self.generation = g
        names = ("vectors.*.npy", "items.*.jsonl", "ann.*.faiss")
        for old in [path for name in names for path in self.folder.glob(name)]:
            if old.name.split(".")[1] != str(g):
                old.unlink(missing_ok=True)


def _read_meta(folder: Path) -> dict[str, Any]:
    if not (folder / INDEX_FILE).is_file():
        raise InputError(
            "not a search index (no index.json); make one with `axonlab text index build`",
            path=folder,
        )
    meta = read_json(folder / INDEX_FILE)
    if meta.get("format") != FORMAT:
        raise InputError(f"index format {meta.get('format')!r} is not {FORMAT}", path=folder)
    return meta


def _new_graph(vectors: np.ndarray) -> Any:
    """A faiss HNSW graph over ``vectors`` (unit rows: inner product = cosine)."""
    import faiss

    graph = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_LINKS, faiss.METRIC_INNER_PRODUCT)
    graph.hnsw.efSearch = HNSW_EF_SEARCH
    graph.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return graph
