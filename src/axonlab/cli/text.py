"""``axonlab text``: fine-tune, evaluate and use text classifiers and NER taggers."""

from __future__ import annotations

import typer

app = typer.Typer(help="Fine-tune pretrained encoders: classification and NER.", no_args_is_help=True)
