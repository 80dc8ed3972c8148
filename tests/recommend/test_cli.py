"""``axonlab recommend``: train, eval, for-user and similar through the command line, with the
real all-MiniLM-L6-v2 encoder; the --json contract; errors as one line."""

from __future__ import annotations

import json

import pytest
from tests.recommend.conftest import DATA, genre

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from axonlab import recommend

    folder = tmp_path_factory.mktemp("rec") / "run"
    items = recommend.read_items(DATA / "items.tsv")
    ratings = recommend.read_interactions(DATA / "ratings.csv", items)
    train, test = recommend.temporal_split(ratings, test_fraction=0.2)
    train_csv = folder.parent / "train.csv"
    test_csv = folder.parent / "test.csv"
    for path, part in ((train_csv, train), (test_csv, test)):
        rows = zip(part.users, part.items, part.ratings, part.times, strict=True)
        path.write_text(
            "userId,movieId,rating,timestamp\n"
            + "".join(f"{u},{i},{r},{t:.0f}\n" for u, i, r, t in rows)
        )
    return folder, train_csv, test_csv


def test_train_eval_for_user_similar(axonlab, run):
    folder, train_csv, test_csv = run
    code, out, err = axonlab(
        "recommend",
        "train",
        "--items",
        DATA / "items.tsv",
        "--interactions",
        train_csv,
        "--out",
        folder,
        "--factors",
        "8",
        "--json",
        "--tags",
        DATA / "tags.csv",
    )
    assert code == 0, err
    trained = json.loads(out)
    assert trained["items"] == 36 and trained["users"] == 40
    saved = (folder / "items.tsv").read_text()
    assert "SciFi Story 1. SciFi. A film about astronauts" in saved
    assert "Tags: space opera, classic" in saved

    code, out, err = axonlab("recommend", "eval", folder, test_csv, "--k", "10", "--json")
    assert code == 0, err
    metrics = json.loads(out)
    assert {"ndcg@10", "recall@10", "cold_recall@10", "coverage@10"} <= set(metrics)
    assert metrics["recall@10"] > 0.9  # one-genre users: their genre's films fill the top 10

    code, out, err = axonlab("recommend", "for-user", folder, "1", "--k", "3", "--json")
    assert code == 0, err
    listing = json.loads(out)
    assert len(listing["items"]) == 3 and {genre(i) for i in listing["items"]} == {"scifi"}
    assert listing["results"][0]["title"]

    code, out, err = axonlab("recommend", "similar", folder, "20", "--k", "3", "--json")
    assert code == 0, err
    assert {genre(i) for i in json.loads(out)["items"]} == {"horror"}

    code, out, err = axonlab("recommend", "for-user", folder, "1", "--k", "2")
    assert code == 0 and "SciFi" in out


def test_errors_are_one_line(axonlab, trained, tmp_path):
    trained.save(tmp_path / "run")
    code, _, err = axonlab("recommend", "for-user", tmp_path / "run", "nobody", "--json")
    assert code == 1 and err.startswith("error: unknown user 'nobody'") and "Traceback" not in err
    bad = tmp_path / "bad.csv"
    bad.write_text("userId,movieId,rating,timestamp\n1,1,x,5\n")
    code, _, err = axonlab(
        "recommend",
        "train",
        "--items",
        DATA / "items.tsv",
        "--interactions",
        bad,
        "--out",
        tmp_path / "out",
    )
    assert code == 1 and "bad.csv, line 2: rating 'x' is not a number" in err
    assert not (tmp_path / "out").exists()
    code, _, err = axonlab("recommend", "for-user", tmp_path, "1")
    assert code == 1 and "not an axonlab run directory" in err
