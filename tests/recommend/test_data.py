"""Reading the two tables: detected columns, errors that name the file and line, unknown items
counted; splits that never leak the future."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from tests.recommend.conftest import DATA

from axonlab import recommend
from axonlab.errors import InputError
from axonlab.recommend.split import holdout, temporal_split


def test_items_text_joins_title_and_text_columns(catalogue):
    items, _ = catalogue
    assert len(items) == 36 and items.ids[0] == "1" and items.titles[0] == "SciFi Story 1"
    assert items.texts[0].startswith("SciFi Story 1. SciFi. A film about astronauts")
    assert "2000" not in items.texts[0]  # the year is not a text column


def test_named_text_columns(tmp_path):
    path = tmp_path / "items.csv"
    path.write_text("sku,name,blurb,other\na1,Lamp,a brass lamp,x\n")
    items = recommend.read_items(path, item_column="sku", text_columns=["blurb"])
    assert items.ids == ["a1"] and items.texts == ["Lamp. a brass lamp"]


def test_missing_column_names_the_file_and_expected_names(tmp_path):
    path = tmp_path / "ratings.csv"
    path.write_text("person,movieId,rating\n1,1,4\n")
    with pytest.raises(InputError, match=r"ratings.csv, line 1: no user column: expected one of"):
        recommend.read_interactions(path)
    with pytest.raises(InputError, match=r"no column 'who' \(the user\)"):
        recommend.read_interactions(path, user_column="who")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("1,1,4.0,100\n1,2,good,200\n", r"ratings.csv, line 3: rating 'good' is not a number"),
        ("1,1,4.0,100\n1,2,4.0\n", r"ratings.csv, line 3: 3 fields; expected 4"),
        ("1,1,4.0,100\n,2,4.0,5\n", r"ratings.csv, line 3: empty user or item id"),
        ("1,1,4.0,nan\n", r"ratings.csv, line 2: timestamp 'nan' is not a finite number"),
    ],
)
def test_bad_interaction_line(tmp_path, body, message):
    path = tmp_path / "ratings.csv"
    path.write_text("userId,movieId,rating,timestamp\n" + body)
    with pytest.raises(InputError, match=message):
        recommend.read_interactions(path)


def test_bad_items_lines(tmp_path):
    path = tmp_path / "items.tsv"
    path.write_text("movieId\ttitle\toverview\n1\tA\ta film\n1\tB\tanother\n")
    with pytest.raises(InputError, match=r"items.tsv, line 3: item '1' again \(first on line 2\)"):
        recommend.read_items(path)
    path.write_text("")
    with pytest.raises(InputError, match="items.tsv: the file is empty"):
        recommend.read_items(path)
    with pytest.raises(InputError, match="no such file"):
        recommend.read_items(tmp_path / "absent.tsv")


def test_unknown_items_are_counted_not_fatal(catalogue, tmp_path):
    items, _ = catalogue
    path = tmp_path / "ratings.csv"
    path.write_text("userId,movieId,rating,timestamp\n1,1,4,10\n1,999,4,11\n2,998,3,12\n")
    with pytest.warns(recommend.UnknownItemsWarning, match="2 interaction"):
        ratings = recommend.read_interactions(path, items)
    assert ratings.unknown == 2 and ratings.items.tolist() == ["1"]


def test_no_warning_when_every_item_is_known(catalogue):
    items, _ = catalogue
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert recommend.read_interactions(DATA / "ratings.csv", items).unknown == 0


def _latest_train_and_earliest_test(train, test):
    latest = {}
    for user, ts in zip(train.users, train.times, strict=True):
        latest[user] = max(latest.get(user, -np.inf), ts)
    earliest = {}
    for user, ts in zip(test.users, test.times, strict=True):
        earliest[user] = min(earliest.get(user, np.inf), ts)
    return latest, earliest


def test_temporal_split_never_leaks_the_future(catalogue):
    _, ratings = catalogue
    shuffled = ratings.take(np.random.default_rng(1).permutation(len(ratings)))
    train, test = temporal_split(shuffled, test_fraction=0.2)
    assert len(train) + len(test) == len(ratings)
    latest, earliest = _latest_train_and_earliest_test(train, test)
    assert set(earliest) == set(latest)  # every user keeps a history and is tested
    assert all(latest[u] <= earliest[u] for u in earliest)
    assert all((test.users == u).sum() == 1 for u in earliest)  # ceil(0.2 * 5) = 1 each


def test_holdout_moves_all_of_a_cold_items_interactions(catalogue):
    _, ratings = catalogue
    train, test, cold = holdout(ratings, ["1", "2", "9", "10"], n_cold=2, seed=3)
    assert len(cold) == 2 and not np.isin(train.items, cold).any()
    assert np.isin(test.items, cold).sum() == np.isin(ratings.items, cold).sum()
    warm_test = test.take(~np.isin(test.items, cold))
    latest, earliest = _latest_train_and_earliest_test(train, warm_test)
    assert all(latest[u] <= earliest[u] for u in earliest)


def test_evaluation_scores_a_perfect_and_a_cold_hit(trained, catalogue):
    # held out: user 1's new scifi film (cold) and nothing else
    test = recommend.Interactions.from_rows([("1", "33", 5.0, 2e9)])
    metrics = recommend.evaluate(trained, test, k=4)
    assert metrics["users"] == 1 and metrics["cold_users"] == 1
    assert metrics["recall@4"] == 1.0 and metrics["cold_recall@4"] == 1.0
    assert metrics["cold_ndcg@4"] == 1.0  # the only scifi cold item ranks first among cold
    unknown = recommend.Interactions.from_rows([("1", "33"), ("stranger", "1")])
    assert recommend.evaluate(trained, unknown, k=4)["unknown_users"] == 1


def test_tags_join_the_item_text(catalogue, tmp_path):
    items, _ = catalogue
    path = tmp_path / "tags.csv"
    path.write_text(
        "userId,movieId,tag,timestamp\n1,1,Space,5\n2,1,classic,6\n3,1,space,7\n4,999,x,8\n"
    )
    with pytest.warns(recommend.UnknownItemsWarning, match="1 tag"):
        tagged = recommend.add_tags(items, path)
    assert tagged.texts[0] == items.texts[0] + ". Tags: space, classic"
    assert tagged.texts[1:] == items.texts[1:] and tagged.index == items.index
    path.write_text("userId,movieId,label\n1,1,x\n")
    with pytest.raises(InputError, match=r"no column 'tag' \(the tag\)"):
        recommend.add_tags(items, path)
