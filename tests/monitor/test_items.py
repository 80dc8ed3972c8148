from __future__ import annotations

import pytest

from axonlab.errors import InputError
from axonlab.monitor import read_items
from axonlab.monitor.items import ALL, FileCursor, Item, item_keys, parse_time, read_new


def test_tsv_and_jsonl_items(tmp_path):
    tsv = tmp_path / "news.tsv"
    tsv.write_text(
        "time\ttext\tkey\tsource_url\n2019-05-03T14:00:00Z\tACME falls\tACME\thttp://a\n"
    )
    [item] = read_items(tsv)
    assert (item.time, item.text, item.key) == ("2019-05-03T14:00:00Z", "ACME falls", "ACME")
    assert item.fields == {"source_url": "http://a"}
    jsonl = tmp_path / "news.jsonl"
    jsonl.write_text('{"id": "n1", "time": "2019-05-03", "text": "$ACME rises"}\n')
    [item] = read_items(jsonl)
    assert item.id == "n1" and item.time == "2019-05-03T00:00:00Z"


def test_time_zones_are_honoured():
    assert parse_time("2017-12-22T18:52:00-05:00") == parse_time("2017-12-22T23:52:00Z")


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        ("text\tkey\nhello\tA\n", 1, "time and text"),
        ("time\ttext\n2019-05-03\thi\nyesterday\thello\n", 3, "not ISO 8601"),
        ("time\ttext\n2019-05-03\n", 2, "expected 2 tab-separated cells"),
        ("time\ttext\n2019-05-03\t\n", 2, "missing text"),
    ],
)
def test_a_bad_row_names_its_line(tmp_path, content, line, message):
    path = tmp_path / "bad.tsv"
    path.write_text(content)
    with pytest.raises(InputError, match=message) as err:
        read_items(path)
    assert err.value.line == line and err.value.path == path


def test_tailing_leaves_a_line_being_written_and_resumes_at_the_offset(tmp_path):
    path = tmp_path / "feed.tsv"
    path.write_text("time\ttext\n2019-05-03T10:00:00Z\tfirst\n2019-05-03T10:01:00Z\tsec")
    cursor = FileCursor()
    got = list(read_new(path, cursor, "feed"))
    items = [g for g, _, _ in got if isinstance(g, Item)]
    assert [it.text for it in items] == ["first"]
    cursor = FileCursor(got[-1][1], cursor.header)
    with open(path, "a") as handle:
        handle.write("ond\n")
    [(item, end, _)] = list(read_new(path, cursor, "feed"))
    assert item.text == "second" and end == path.stat().st_size
    assert item.id == f"feed:{cursor.offset}"  # the byte offset: the same after a restart


def test_keys_of_an_item():
    item = Item("1", 0.0, "Why $aapl and $MSFT fell; costs $5", key="tech")
    assert item_keys(item, cashtags=True, topic="stocks") == [
        ALL,
        "tech",
        "$AAPL",
        "$MSFT",
        "topic:stocks",
    ]
    assert item_keys(item, cashtags=False) == [ALL, "tech"]
