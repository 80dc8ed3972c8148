"""``axonlab assist``: answer customer questions with an intent run and its answers file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from axonlab.cli.common import console, print_json


def assist(
    run_dir: Annotated[
        Path, typer.Argument(help="An intent run directory (`axonlab text train intent`).")
    ],
    questions: Annotated[list[str], typer.Argument(help="Customer questions.")],
    answers: Annotated[
        Path | None,
        typer.Option(
            help="Answers file (YAML/JSON: intent -> answer; optional title, questions). "
            "Default: answers.yaml or answers.json in the run directory."
        ),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Answer each question: an FAQ match, the intent's answer, or the fallback with
    suggestions when the question is out of scope."""
    from rich.markup import escape

    from axonlab.assistant import Assistant
    from axonlab.cli.common import quiet_transformers

    quiet_transformers()
    replies = Assistant.load(run_dir, answers).reply(questions)
    if json_output:
        pairs = zip(questions, replies, strict=True)
        print_json({"replies": [{"question": q, **reply} for q, reply in pairs]})
        return
    for question, reply in zip(questions, replies, strict=True):
        console.print(f"[bold]> {escape(question)}[/]", highlight=False)
        console.print(
            f"  {escape(reply['answer'])}  [dim]({reply['source']}: {reply['intent']}, "
            f"{reply['confidence']:.2f})[/]",
            highlight=False,
        )
        if reply["source"] == "fallback" and reply["suggestions"]:
            titles = ", ".join(escape(s["title"]) for s in reply["suggestions"])
            console.print(f"  did you mean: {titles}?", highlight=False)
