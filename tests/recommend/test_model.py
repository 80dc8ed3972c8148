"""The recommender on a catalogue with known answers: genre loyalty, cold items placed by their
text, seen items excluded, deterministic ties, save/load."""

from __future__ import annotations

import numpy as np
from tests.recommend.conftest import GENRE_OF_NEW, KeywordEncoder, genre

from axonlab import recommend
from axonlab.recommend.model import top_k


def _users_of(ratings, wanted: str) -> list[str]:
    return sorted(
        {u for u, i in zip(ratings.users, ratings.items, strict=True) if genre(i) == wanted}
    )


def test_one_genre_users_get_that_genre(catalogue, trained):
    _, ratings = catalogue
    for user in sorted(set(ratings.users.tolist())):
        own = {genre(i) for u, i in zip(ratings.users, ratings.items, strict=True) if u == user}
        assert len(own) == 1
        recommended = [r["item"] for r in trained.for_user(user, k=3)]
        assert {genre(i) for i in recommended} == own, (user, recommended)


def test_seen_items_are_never_recommended(catalogue, trained):
    _, ratings = catalogue
    user = ratings.users[0]
    seen = {i for u, i in zip(ratings.users, ratings.items, strict=True) if u == user}
    listed = [r["item"] for r in trained.for_user(user, k=36)]
    assert not seen & set(listed)
    assert len(listed) == 36 - len(seen)


def test_a_new_item_whose_text_matches_the_history_is_recommended(catalogue):
    items, ratings = catalogue
    for blend in (0.0, 0.5, 1.0):  # the text alone, the blend, and ALS with mapped factors
        config = recommend.RecommenderConfig(
            als=recommend.ALSSettings(factors=8, iterations=10), blend=blend, cold_scale=1.0
        )
        model = recommend.train(items, ratings, config, encoder=KeywordEncoder())
        assert not model.warm[[items.index[i] for i in GENRE_OF_NEW]].any()
        for new, kind in GENRE_OF_NEW.items():
            user = _users_of(ratings, kind)[0]
            # the user saw 5 of the genre's 8 films: 3 old ones and the new one are left
            top = [r["item"] for r in model.for_user(user, k=4)]
            assert new in top, (blend, user, top)


def test_similar_items_share_the_genre(trained):
    for item in ("1", "12", "33"):
        assert {genre(r["item"]) for r in trained.similar(item, k=5)} == {genre(item)}


def test_for_history_places_a_new_user(trained):
    top = [r["item"] for r in trained.for_history(["17", "18"], k=5)]
    assert {genre(i) for i in top} == {"horror"} and not {"17", "18"} & set(top)


def test_ties_keep_catalogue_order():
    scores = np.array([1.0, 3.0, 3.0, -np.inf, 3.0, 2.0])
    assert top_k(scores, 2).tolist() == [1, 2]
    assert top_k(scores, 4).tolist() == [1, 2, 4, 5]
    assert top_k(scores, 10).tolist() == [1, 2, 4, 5, 0]  # never the excluded one


def test_same_data_same_recommendations(catalogue, trained):
    items, ratings = catalogue
    again = recommend.train(items, ratings, trained.config, encoder=KeywordEncoder())
    for user in ("1", "2", "3"):
        assert again.for_user(user, k=10) == trained.for_user(user, k=10)


def test_save_load_round_trip(trained, tmp_path):
    trained.save(tmp_path / "run")
    loaded = recommend.load(tmp_path / "run")
    assert loaded.blend == trained.blend
    for user in trained.users:
        assert loaded.for_user(user, k=10) == trained.for_user(user, k=10)
    assert loaded.similar("33") == trained.similar("33")
    assert loaded.history("1") == trained.history("1")
    assert loaded.info["metrics"]["items"] == 36


def test_unknown_user_and_item_are_input_errors(trained):
    import pytest

    from axonlab.errors import InputError

    with pytest.raises(InputError, match="unknown user 'nobody'"):
        trained.for_user("nobody")
    with pytest.raises(InputError, match="unknown item '999'"):
        trained.similar("999")


def test_blend_and_cold_scale_are_tuned_on_validation(trained):
    found = trained.info["metrics"]["validation_ndcg@10_by_blend_and_cold_scale"]
    config = trained.config
    assert set(found) == {f"{b:g}/{s:g}" for b in config.blend_grid for s in config.cold_scale_grid}
    assert found[f"{trained.blend:g}/{trained.cold_scale:g}"] == max(found.values())


def test_a_fine_tuned_text_run_can_embed_the_items(catalogue, tiny_runs):
    items, ratings = catalogue
    config = recommend.RecommenderConfig(
        als=recommend.ALSSettings(factors=4, iterations=2),
        blend=0.5,
        cold_scale=1.0,
        encoder=str(tiny_runs["spam"]),  # a classification run: its encoder, head left out
    )
    model = recommend.train(items, ratings, config)
    assert model.embeddings.shape == (36, 32)  # the tiny BERT is 32 wide
    assert model.backbone == str(tiny_runs["spam"])
    assert np.allclose(np.linalg.norm(model.embeddings, axis=1), 1.0, atol=1e-5)


def test_folding_in_a_training_users_history_agrees_with_training(catalogue, trained):
    _, ratings = catalogue
    user = "5"
    history = [i for u, i in zip(ratings.users, ratings.items, strict=True) if u == user]
    folded = [r["item"] for r in trained.for_history(history, k=3)]
    assert folded == [r["item"] for r in trained.for_user(user, k=3)]
