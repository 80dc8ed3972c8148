"""A page of explanations: each text with its words shaded by their attribution (no torch)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any


def explanation_html(texts: Sequence[str], explanations: Sequence[dict[str, Any]]) -> str:
    """A standalone HTML page: each text with its words shaded by attribution (green for the
    label, red against it; the strongest word of a text fully coloured)."""
    parts = []
    for source, item in zip(texts, explanations, strict=True):
        strongest = max((abs(w["attribution"]) for w in item["words"]), default=0.0) or 1.0
        html, at = [], 0
        for word in item["words"]:
            html.append(escape(source[at : word["start"]]))
            alpha = abs(word["attribution"]) / strongest
            rgb = "34,139,34" if word["attribution"] >= 0 else "200,30,30"
            html.append(
                f'<span style="background: rgba({rgb},{alpha:.2f})" '
                f'title="{word["attribution"]:+.4f}">{escape(word["text"])}</span>'
            )
            at = word["end"]
        html.append(escape(source[at:]))
        parts.append(
            f"<section><h2>{escape(item['label'])} ({item['score']:.3f})</h2>"
            f"<p>{''.join(html)}</p><p class=note>completeness error "
            f"{item['completeness_error']:.2%} at {item['steps']} steps</p></section>"
        )
    return (
        "<!doctype html><html lang=en><meta charset=utf-8><title>axonlab explanations</title>"
        "<style>body{font:16px/1.6 system-ui,sans-serif;max-width:50em;margin:2em auto}"
        "span{border-radius:3px;padding:0 1px}.note{color:#666;font-size:13px}</style>"
        + "".join(parts)
        + "</html>\n"
    )
