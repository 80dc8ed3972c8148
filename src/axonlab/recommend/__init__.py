"""Recommendation from item text and what users did: a hybrid of ALS (``implicit``) on the
interactions and sentence embeddings of the item text, so new items are placed by what they say.

>>> from axonlab import recommend
>>> items = recommend.read_items("items.tsv")                     # movieId, title, overview, ...
>>> ratings = recommend.read_interactions("ratings.csv", items)   # userId, movieId, rating, ts
>>> rec = recommend.train(items, ratings)
>>> rec.for_user("42", k=10)          # [{"item", "title", "score"}], best first, unseen only
>>> rec.similar("1")                  # items like Toy Story
>>> rec.save("runs/movies"); rec = recommend.load("runs/movies")
>>> recommend.evaluate(rec, test)     # ndcg@10, recall@10, coverage@10, cold_recall@10, ...

Modules: :mod:`~axonlab.recommend.data` (the two tables), :mod:`~axonlab.recommend.split`
(temporal and cold-item splits), :mod:`~axonlab.recommend.collaborative` (ALS, text -> factors),
:mod:`~axonlab.recommend.model` (scoring, saving), :mod:`~axonlab.recommend.training` and
:mod:`~axonlab.recommend.evaluation`.
"""

from axonlab.lazy import lazy_exports

_EXPORTS = {
    "ALSSettings": "axonlab.recommend.collaborative",
    "Interactions": "axonlab.recommend.data",
    "Items": "axonlab.recommend.data",
    "Recommender": "axonlab.recommend.model",
    "RecommenderConfig": "axonlab.recommend.model",
    "UnknownItemsWarning": "axonlab.recommend.data",
    "add_tags": "axonlab.recommend.data",
    "evaluate": "axonlab.recommend.evaluation",
    "holdout": "axonlab.recommend.split",
    "load": "axonlab.recommend.model",
    "read_interactions": "axonlab.recommend.data",
    "read_items": "axonlab.recommend.data",
    "temporal_split": "axonlab.recommend.split",
    "train": "axonlab.recommend.training",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
