"""``axonlab text explain``: which words made a classifier decide."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from axonlab.cli.common import console, print_json, quiet_transformers, warnings_as_lines


def explain(
    run_dir: Annotated[Path, typer.Argument(help="A classification or NER run directory.")],
    texts: Annotated[list[str], typer.Argument(help="Texts to explain.")],
    target: Annotated[
        str | None, typer.Option(help="Explain this label (default: the predicted one).")
    ] = None,
    html: Annotated[
        Path | None, typer.Option(help="Also write a page with the words highlighted.")
    ] = None,
    json_output: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print one JSON object (label, score, completeness_error, words); for several "
            'texts, {"explanations": [...]}.',
        ),
    ] = False,
) -> None:
    """Word attributions by Integrated Gradients, with their completeness error (for NER, per
    predicted entity)."""
    from rich.markup import escape

    from axonlab import text
    from axonlab.runs import check_writable
    from axonlab.text.explain.attribution import explanation_html

    quiet_transformers()
    if html is not None:
        check_writable(html)
    with warnings_as_lines():  # a run that learned nothing says so
        model = text.load(run_dir)
    explanations = model.explain(texts, target=target)
    if json_output:
        print_json(explanations[0] if len(texts) == 1 else {"explanations": explanations})
    # an NER text is explained entity by entity: one section each
    sources, items = [], []
    for source, item in zip(texts, explanations, strict=True):
        for entity in item.get("entities", [item]):
            label = f"{entity['type']}: {entity['text']}" if "entities" in item else item["label"]
            sources.append(source)
            items.append({**entity, "label": label})
    if html is not None:
        html.write_text(explanation_html(sources, items), encoding="utf-8")
    if json_output:
        return
    for source, item in zip(sources, items, strict=True):
        console.print(f"> {escape(source)}", highlight=False)
        console.print(
            f"[bold]{escape(item['label'])}[/] {item['score']:.3f}  "
            f"[dim](completeness error {item['completeness_error']:.2%}, {item['steps']} steps)[/]"
        )
        top = sorted(item["words"], key=lambda w: -abs(w["attribution"]))[:8]
        for word in top:
            colour = "green" if word["attribution"] >= 0 else "red"
            console.print(
                f"  [{colour}]{word['attribution']:+.4f}[/]  {escape(word['text'])}  "
                f"[dim]{word['start']}-{word['end']}[/]",
                highlight=False,
            )
    if html is not None:
        console.print(f"[green]wrote[/] {html}")
