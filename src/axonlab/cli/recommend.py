"""``axonlab recommend``: train a recommender from item text and interactions, evaluate it on
held-out interactions, recommend for a user, find similar items."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from axonlab.cli.common import console, given, print_json, quiet_transformers, warnings_as_lines

app = typer.Typer(
    help="Recommend items from their text and from what users did (ALS + sentence embeddings; "
    "new items placed by their text).",
    no_args_is_help=True,
)
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
K = Annotated[int, typer.Option("--k", min=1, help="How many items.")]
Run = Annotated[
    Path, typer.Argument(help="A run directory of `axonlab recommend train`.", metavar="RUN")
]


@app.command("train")
def train(
    items: Annotated[
        Path,
        typer.Option(
            help="Items TSV/CSV with a header: an id (movieId, item, item_id or id), a title and "
            "text columns (default: those of genres, overview, description, keywords, tags, "
            "text present)."
        ),
    ],
    interactions: Annotated[
        Path,
        typer.Option(
            help="Interactions CSV/TSV: userId (or user), movieId (or item), optional rating "
            "and timestamp (Unix seconds)."
        ),
    ],
    out: Annotated[Path, typer.Option(help="The run directory to write (new or empty).")],
    tags: Annotated[
        Path | None,
        typer.Option(
            help="Free-text tags (CSV: userId, movieId, tag, timestamp) added to each item's "
            "text (its 20 most frequent)."
        ),
    ] = None,
    item_column: Annotated[str | None, typer.Option(help="Item id column (both files).")] = None,
    title_column: Annotated[str | None, typer.Option(help="Title column of --items.")] = None,
    text_columns: Annotated[
        str | None, typer.Option(help="Comma-separated text columns of --items.")
    ] = None,
    user_column: Annotated[str | None, typer.Option(help="User column.")] = None,
    encoder: Annotated[
        str | None,
        typer.Option(
            help="Sentence encoder for the item text: a built-in backbone (default "
            "all-minilm-l6-v2), a text run directory (fine-tuned) or a Hugging Face folder."
        ),
    ] = None,
    factors: Annotated[int | None, typer.Option(help="ALS factors (default 64).")] = None,
    blend: Annotated[
        float | None,
        typer.Option(help="Collaborative share of the score, 0-1 (default: tuned on validation)."),
    ] = None,
    cold_scale: Annotated[
        float | None,
        typer.Option(help="Weight of text-placed new items (default: tuned on validation)."),
    ] = None,
    json_output: Json = False,
) -> None:
    """Embed the item texts, factorise the interactions, tune the blend; save a run."""
    from axonlab import recommend
    from axonlab.recommend.collaborative import ALSSettings
    from axonlab.runs import RunDirectory
    from axonlab.text.predict.batch import progress_bar

    RunDirectory(out).check_start(resume=False)
    quiet_transformers()
    with warnings_as_lines():
        catalogue = recommend.read_items(
            items,
            **given(
                item_column=item_column,
                title_column=title_column,
                text_columns=[c.strip() for c in text_columns.split(",")] if text_columns else None,
            ),
        )
        if tags is not None:
            catalogue = recommend.add_tags(catalogue, tags, **given(item_column=item_column))
        ratings = recommend.read_interactions(
            interactions, catalogue, **given(item_column=item_column, user_column=user_column)
        )
    als = ALSSettings(**given(factors=factors))
    config = recommend.RecommenderConfig(
        als=als, **given(blend=blend, cold_scale=cold_scale, encoder=encoder)
    )
    with progress_bar(not json_output, "embed items", len(catalogue), 0) as advance:
        model = recommend.train(catalogue, ratings, config, progress=advance)
    model.save(out)
    metrics = model.info["metrics"]
    if json_output:
        print_json({"run": str(out), **metrics})
        return
    console.print(
        f"{out}: {metrics['items']:,} items ({metrics['warm_items']:,} with interactions), "
        f"{metrics['users']:,} users, {metrics['interactions']:,} interactions; blend "
        f"{metrics['blend']:g}, cold scale {metrics['cold_scale']:g}; "
        f"{metrics['train_seconds']:.1f} s",
        highlight=False,
    )


@app.command("eval")
def evaluate(
    run: Run,
    test: Annotated[
        Path,
        typer.Argument(help="Held-out interactions (same layout as training).", metavar="TEST.csv"),
    ],
    k: K = 10,
    json_output: Json = False,
) -> None:
    """NDCG@k, Recall@k, coverage, and the same for cold items (no interaction in training)."""
    from axonlab import recommend

    model = recommend.load(run)
    with warnings_as_lines():
        held_out = recommend.read_interactions(test, model.items)
    metrics = {**recommend.evaluate(model, held_out, k), "unknown_items": held_out.unknown}
    if json_output:
        print_json(metrics)
        return
    for name, value in metrics.items():
        console.print(
            f"{name:>22}  {value:.4f}" if isinstance(value, float) else f"{name:>22}  {value}",
            highlight=False,
        )


@app.command("for-user")
def for_user(
    run: Run,
    user: Annotated[
        str, typer.Argument(help="A user id of the training interactions.", metavar="USER")
    ],
    k: K = 10,
    json_output: Json = False,
) -> None:
    """The user's k best unseen items, best first."""
    from axonlab import recommend

    model = recommend.load(run)
    _answer({"user": user}, model.for_user(user, k), json_output)


@app.command("similar")
def similar(
    run: Run,
    item: Annotated[str, typer.Argument(help="An item id of the catalogue.", metavar="ITEM")],
    k: K = 10,
    json_output: Json = False,
) -> None:
    """The k items most like ITEM (by their factors and their text)."""
    from axonlab import recommend

    model = recommend.load(run)
    _answer({"item": item}, model.similar(item, k), json_output)


def _answer(query: dict, listing: list[dict], json_output: bool) -> None:
    """The ranked items: one JSON object (the query, the item ids, the rows) or a table."""
    if json_output:
        print_json({**query, "items": [r["item"] for r in listing], "results": listing})
    else:
        _print_listing(listing)


def _print_listing(listing: list[dict]) -> None:
    for rank, row in enumerate(listing, start=1):
        console.print(
            f"{rank:>3}  {row['item']:>8}  {row['score']:7.3f}  {row['title']}", highlight=False
        )
