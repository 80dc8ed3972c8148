"""``axonlab text embed`` and ``axonlab text index``: sentence embeddings and semantic search."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from axonlab.cli.common import (
    Backend,
    BackendOption,
    QuantizeOption,
    check_backend,
    console,
    print_json,
)

MODEL_HELP = (
    "A built-in backbone (`axonlab backbones list`; default all-minilm-l6-v2), a run "
    "directory of `axonlab text train`, or a Hugging Face model folder."
)
TextColumn = Annotated[str | None, typer.Option(help="Text column of --input (default: detected).")]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]

index_app = typer.Typer(
    help="A semantic search index of texts with ids: build, add, delete, search.",
    no_args_is_help=True,
)


def _show(summary: dict, json_output: bool) -> None:
    if json_output:
        print_json(summary)
    else:
        console.print(summary)


def _quiet() -> None:
    from axonlab.cli.common import quiet_transformers

    quiet_transformers()


def embed(
    model: Annotated[str, typer.Argument(help=MODEL_HELP)],
    input_file: Annotated[
        Path, typer.Option("--input", help="CSV/TSV/JSONL/TXT of texts (TXT: one per line).")
    ],
    output_file: Annotated[
        Path,
        typer.Option(
            "--output",
            help="A .npy matrix: one L2-normalised row per input row, in input order "
            "(resumable: run the same command again after an interruption).",
        ),
    ],
    text_column: TextColumn = None,
    max_length: Annotated[
        int, typer.Option(help="Window in sub-tokens; longer texts are windowed.")
    ] = 256,
    batch_size: Annotated[int, typer.Option(help="Windows per forward pass.")] = 64,
    backend: BackendOption = Backend.torch,
    quantize: QuantizeOption = False,
    bf16: Annotated[
        bool | None,
        typer.Option(
            "--bf16/--no-bf16",
            help="Run the torch encoder under bfloat16 autocast (default: on where the CPU has "
            "AVX512-BF16/AMX: 1.7-2x as fast, rows within cosine 0.9999 of float32's).",
            show_default=False,
        ),
    ] = None,
    json_output: Json = False,
) -> None:
    """Embed every text of a file (mean pooling, L2-normalised: dot product = cosine)."""
    from axonlab.cli.common import interrupted
    from axonlab.runs import check_writable
    from axonlab.text.embeddings.encoder import SentenceEncoder
    from axonlab.text.embeddings.files import embed_file

    _quiet()
    check_backend(backend, quantize)
    check_writable(output_file)
    encoder = SentenceEncoder(model, max_length=max_length, bf16=bf16)
    if backend is Backend.onnx:
        from axonlab.text.predict.onnx import use_onnx_encoder

        use_onnx_encoder(encoder, quantize=quantize)
    with interrupted(f"{output_file} is kept unfinished: run the same command to go on"):
        summary = embed_file(
            encoder,
            input_file,
            output_file,
            text_column=text_column,
            batch_size=batch_size,
            progress=not json_output,
        )
    _show(summary, json_output)


def _read(input_file: Path, text_column: str | None, id_column: str | None):
    from axonlab.text.predict.batch import iter_texts

    rows = list(iter_texts(input_file, text_column=text_column, id_column=id_column))
    texts = [text for _, text, _ in rows]
    ids = [row_id for _, _, row_id in rows]
    return texts, (ids if all(i is not None for i in ids) else None)


InputFile = Annotated[
    Path, typer.Option("--input", help="CSV/TSV/JSONL/TXT of texts (TXT: one per line).")
]
IndexFolder = Annotated[Path, typer.Argument(help="An index folder from `index build`.")]
IdColumn = Annotated[
    str | None,
    typer.Option(help="Id column of --input (default: a column named id; else row numbers)."),
]


@index_app.command("build")
def build(
    index: Annotated[Path, typer.Argument(help="Folder to create for the index.")],
    input_file: InputFile,
    model: Annotated[str | None, typer.Option(help=MODEL_HELP)] = None,
    text_column: TextColumn = None,
    id_column: IdColumn = None,
    json_output: Json = False,
) -> None:
    """Embed the texts of a file into a new index."""
    from axonlab.text.embeddings.search_index import SearchIndex

    _quiet()
    texts, ids = _read(input_file, text_column, id_column)
    built = SearchIndex.build(index, texts, ids, model=model)
    summary = {"index": str(index), "items": len(built), "model": built.encoder.name}
    _show(summary, json_output)


@index_app.command("add")
def add(
    index: IndexFolder,
    input_file: InputFile,
    text_column: TextColumn = None,
    id_column: IdColumn = None,
    json_output: Json = False,
) -> None:
    """Add texts: only new ids and changed texts are embedded (a known id is updated)."""
    from axonlab.text.embeddings.search_index import SearchIndex

    _quiet()
    texts, ids = _read(input_file, text_column, id_column)
    summary = SearchIndex.open(index).add(texts, ids)
    _show(summary, json_output)


@index_app.command("delete")
def delete(
    index: IndexFolder,
    ids: Annotated[list[str], typer.Argument(help="Ids of the items to remove.")],
    json_output: Json = False,
) -> None:
    """Remove items by id."""
    from axonlab.text.embeddings.search_index import SearchIndex

    _quiet()
    opened = SearchIndex.open(index)
    summary = {"deleted": opened.delete(ids), "items": len(opened)}
    _show(summary, json_output)


@index_app.command("search")
def search(
    index: IndexFolder,
    queries: Annotated[list[str], typer.Argument(help="Query texts.")],
    k: Annotated[int, typer.Option("--k", "-k", help="Results per query.")] = 5,
    json_output: Json = False,
) -> None:
    """The k items most similar to each query (cosine similarity), best first."""
    from rich.markup import escape

    from axonlab.text.embeddings.search_index import SearchIndex

    _quiet()
    results = SearchIndex.open(index).search(queries, k=k)
    if json_output:
        pairs = zip(queries, results, strict=True)
        print_json({"results": [{"query": q, "hits": hits} for q, hits in pairs]})
        return
    for query, hits in zip(queries, results, strict=True):
        console.print(f"[bold]{escape(query)}[/]", highlight=False)
        for hit in hits:
            console.print(
                f"  {hit['score']:.3f}  {escape('[' + hit['id'] + ']')} {escape(hit['text'])}",
                highlight=False,
            )
