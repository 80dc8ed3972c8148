"""What the README and the guides tell a user to type must work as written."""

from __future__ import annotations

import re

from tests.paths import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _curl_commands(text: str) -> list[str]:
    joined = text.replace("\\\n", " ")  # shell line continuations
    return [line for line in joined.splitlines() if re.match(r"\s*(\$ )?curl\b", line)]


def test_every_curl_that_posts_json_says_so():
    """FastAPI answers 422 to a JSON body sent as curl's default form encoding."""
    posts = [
        (doc.name, c)
        for doc in DOCS
        for c in _curl_commands(doc.read_text())
        if " -d " in c or "--data" in c
    ]
    assert posts, "the docs show no POST example"
    missing = [(name, c) for name, c in posts if "content-type: application/json" not in c.lower()]
    assert missing == []
