"""``axonlab text explain``: which words made a classifier decide."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from axonlab.cli.common import (
    console,
    err_console,
    print_json,
    quiet_transformers,
    warnings_as_lines,
)


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

    from axonlab.runs import check_writable
    from axonlab.text.explain.html import explanation_html

    if html is not None:
        check_writable(html)
    with warnings_as_lines():  # a run that learned nothing says so
        explainer = _load_explainer(run_dir)
    explanations = explainer.explain(texts, target=target)
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


def _load_explainer(run_dir: Path):
    """The light path where the run has its integrand graph (ONNX Runtime, no torch); else the
    run on torch, after making that graph for the next call where the task allows it."""
    from axonlab.text.explain.light import open_light_explainer

    light = open_light_explainer(run_dir)
    if light is not None:
        return light
    from axonlab import text
    from axonlab.text.predict.light import LIGHT_TASKS

    quiet_transformers()
    model = text.load(run_dir)
    if model.task in LIGHT_TASKS and hasattr(model.model, "get_input_embeddings"):
        from axonlab.text.explain.gradient_graph import gradients_file

        try:
            with console.status("exporting the gradients to ONNX (once, into the run folder)"):
                gradients_file(model)
        except Exception as err:  # the torch path still answers
            reason = (str(err).splitlines() or [""])[0][:200]
            err_console.print(
                f"[yellow]note:[/] explanations stay on torch ({type(err).__name__}: {reason})",
                highlight=False,
            )
    return model
