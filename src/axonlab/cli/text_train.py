"""``axonlab text train``: fine-tune a pretrained encoder for one of the registry's tasks."""

from __future__ import annotations

import contextlib
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from axonlab.cli.common import (
    console,
    given,
    interrupted,
    print_json,
    quiet_transformers,
    warnings_as_lines,
)
from axonlab.text import defaults
from axonlab.text.tasks import TASKS

Task = StrEnum("Task", {name: name for name in TASKS})  # the registry's tasks
TASK_HELP = "; ".join(f"{name}: {entry.summary}" for name, entry in TASKS.items()) + "."


def train(
    task: Annotated[Task, typer.Argument(help=TASK_HELP)],
    train_file: Annotated[
        Path, typer.Option("--train", help="Training file (CSV/TSV/JSONL; CoNLL for ner).")
    ],
    dev_file: Annotated[Path, typer.Option("--dev", help="Dev file: picks the best epoch.")],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Run directory to create: a new or empty folder (a finished "
            "run or a folder of yours is never overwritten).",
        ),
    ],
    epochs: Annotated[
        float | None,
        typer.Option(
            help=f"Passes over the training data (default: {defaults.EPOCHS:g}; raised for a "
            "small training set to reach --min-steps, and the new figure printed)."
        ),
    ] = None,
    min_steps: Annotated[
        int | None,
        typer.Option(
            help="Fewest optimizer steps a run takes: a small training set gets more epochs "
            f"(default: {defaults.MIN_STEPS}; 0: never more than --epochs).",
        ),
    ] = None,
    lr: Annotated[
        float | None,
        typer.Option(
            "--lr",
            help="Peak learning rate (default: chosen for the backbone and task and printed: "
            + ", ".join(
                [f"{defaults.LEARNING_RATE:g}"]
                + [
                    f"{rate:g} for {task} on {name}"
                    for name, tasks in defaults.BACKBONE_LEARNING_RATES.items()
                    for task, rate in tasks.items()
                ]
            )
            + f"; with --lora {defaults.LORA_LEARNING_RATE:g}).",
        ),
    ] = None,
    head_lr: Annotated[
        float | None,
        typer.Option(
            "--head-lr",
            help="Peak learning rate of the task's new head (the weights outside the pretrained "
            f"encoder) (default: {defaults.HEAD_LEARNING_RATE:g}, or --lr where that is higher; "
            "with --lora the adapters' rate).",
        ),
    ] = None,
    batch_size: Annotated[
        int | None, typer.Option(help=f"Training batch size (default: {defaults.BATCH_SIZE}).")
    ] = None,
    batch_tokens: Annotated[
        int | None,
        typer.Option(
            help="Most padded sub-tokens in one forward pass: a larger batch runs in slices "
            f"with the same update, in less memory (default: {defaults.BATCH_TOKENS})."
        ),
    ] = None,
    max_length: Annotated[
        int | None,
        typer.Option(
            help=f"Longest input in sub-word tokens (default: {defaults.MAX_LENGTH}; "
            f"ner: {defaults.NER_MAX_LENGTH}, the window; longer sentences are "
            "windowed)."
        ),
    ] = None,
    backbone: Annotated[
        str | None,
        typer.Option(
            help="A built-in name (`axonlab backbones list`: all-minilm-l6-v2, the "
            "default, or multilingual-e5-small), a local HF model folder or a hub id."
        ),
    ] = None,
    lora: Annotated[
        bool,
        typer.Option("--lora", help="Train LoRA adapters (~1% of weights), merged at the end."),
    ] = False,
    lora_r: Annotated[
        int | None, typer.Option(help=f"LoRA rank (default: {defaults.LORA_RANK}).")
    ] = None,
    lora_alpha: Annotated[
        int | None, typer.Option(help=f"LoRA scaling alpha (default: {defaults.LORA_ALPHA}).")
    ] = None,
    lora_dropout: Annotated[
        float | None, typer.Option(help=f"LoRA dropout (default: {defaults.LORA_DROPOUT:g}).")
    ] = None,
    lora_targets: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated module names to adapt (default: "
            f"{','.join(defaults.LORA_TARGETS)})."
        ),
    ] = None,
    metric: Annotated[
        str | None,
        typer.Option(
            help="Dev metric that picks the best checkpoint: "
            + "; ".join(
                f"{task} {'|'.join(entry.metrics)} (default {entry.metrics[0]})"
                for task, entry in TASKS.items()
            )
            + "."
        ),
    ] = None,
    early_stopping: Annotated[
        int | None, typer.Option(help="Stop after N epochs without dev improvement.")
    ] = None,
    class_weights: Annotated[
        bool, typer.Option("--class-weights", help="Weigh the loss by inverse class frequency.")
    ] = False,
    text_column: Annotated[
        str | None,
        typer.Option(
            help="Text column name (default: detected); two names, a,b, read sentence pairs."
        ),
    ] = None,
    label_column: Annotated[
        str | None, typer.Option(help="Label column name (default: detected).")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help=f"Random seed (default: {defaults.SEED}).")
    ] = None,
    threads: Annotated[
        int | None, typer.Option(help="CPU threads for torch (default: torch's, one per core).")
    ] = None,
    bf16: Annotated[
        bool | None,
        typer.Option(
            "--bf16/--no-bf16",
            help="bfloat16 autocast in training (default: on where the CPU has AVX512-BF16/AMX); "
            "dev is scored in float32, as eval and predict run.",
        ),
    ] = None,
    max_steps: Annotated[
        int | None, typer.Option(help="Stop after this many steps (overrides epochs).")
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="Continue the interrupted run in --out from its last "
            "complete checkpoint (same command plus --resume).",
        ),
    ] = False,
    keep_checkpoints: Annotated[
        bool, typer.Option("--keep-checkpoints", help="Keep intermediate checkpoints.")
    ] = False,
    freeze_embeddings: Annotated[
        bool | None,
        typer.Option(
            "--freeze-embeddings/--train-embeddings",
            help="Keep the word-embedding table fixed, or train it too (default: fixed for a "
            f"vocabulary over {defaults.FREEZE_EMBEDDINGS_ABOVE:,} pieces, such as "
            "multilingual-e5-small's 250k, 80% of its weights: 2x faster on a CPU).",
        ),
    ] = None,
    few_shot: Annotated[
        bool,
        typer.Option(
            "--few-shot",
            help="classify/intent with a handful of examples per class: first tune the "
            "encoder on pairs of examples (SetFit's recipe), then fit a logistic-regression "
            "head on their embeddings.",
        ),
    ] = False,
    few_shot_loss: Annotated[
        str | None,
        typer.Option(
            help="--few-shot: the pairs' loss: in-batch (same-label pairs, the batch's other "
            "texts as negatives) or cosine (SetFit's: same/different-label pairs to "
            f"similarity 1/0) (default: {defaults.FEW_SHOT_LOSS}).",
        ),
    ] = None,
    zero_shot: Annotated[
        bool,
        typer.Option(
            "--zero-shot",
            help="classify/intent without training: --train holds a description of each "
            "label (label + text rows; the label's name in words does); a text goes to the "
            "label whose description its embedding is closest to.",
        ),
    ] = False,
    oos_label: Annotated[
        str | None,
        typer.Option(
            help=f"intent: the label of out-of-scope rows (default: {defaults.OOS_LABEL})."
        ),
    ] = None,
    oos_method: Annotated[
        str | None,
        typer.Option(
            help="intent: how out-of-scope texts are scored: mahalanobis|knn|msp "
            f"(default: {defaults.OOS_METHOD})."
        ),
    ] = None,
    multi_label: Annotated[
        bool,
        typer.Option(
            "--multi-label",
            help="classify: any number of labels per text (the label cell lists them as a|b; "
            "- for none): sigmoid outputs, a threshold per label tuned on dev. The same as the "
            "multilabel task.",
        ),
    ] = False,
    casing: Annotated[
        bool | None,
        typer.Option(
            "--casing/--no-casing",
            help="ner: feed each word's casing (Title, UPPER, mixed) to the model as its token "
            "type; measured with the uncased default backbone (default: on where the backbone "
            "has token types).",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Train data-parallel in this many processes on this machine (torchrun, gloo on "
            "CPUs); --batch-size stays the global batch. For several machines run the same "
            "command under torchrun on each (docs/scale.md).",
            min=1,
        ),
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the dev metrics as one JSON object.")
    ] = False,
) -> None:
    """Fine-tune a pretrained encoder; keeps the best epoch by the dev set."""
    from axonlab import distributed

    if workers is not None and workers > 1 and distributed.world_size() == 1:
        if batch_size is not None and batch_size % workers:
            from axonlab.errors import InputError

            raise InputError(
                f"--batch-size {batch_size} does not divide among {workers} workers; the global "
                f"batch is kept as asked, so choose a multiple of {workers}"
            )
        raise typer.Exit(distributed.launch(workers, _without_workers(sys.argv[1:]), threads))
    from axonlab import text
    from axonlab.errors import InputError
    from axonlab.text.training.fit import LoraSettings

    quiet_transformers()
    options = given(
        epochs=epochs,
        batch_size=batch_size,
        batch_tokens=batch_tokens,
        early_stopping_patience=early_stopping,
        class_weights=class_weights or None,
        seed=seed,
        threads=threads,
        bf16=bf16,
        max_steps=max_steps,
        min_steps=min_steps,
        keep_checkpoints=keep_checkpoints or None,
        learning_rate=lr,
        head_learning_rate=head_lr,
        max_length=max_length,
        best_metric=metric,
        casing=casing,
        freeze_embeddings=freeze_embeddings,
        few_shot=few_shot or None,
        few_shot_loss=few_shot_loss,
        zero_shot=zero_shot or None,
        oos_label=oos_label,
        oos_method=oos_method,
    )
    targets = (
        None
        if lora_targets is None
        else tuple(m.strip() for m in lora_targets.split(",") if m.strip())
    )
    adapters = given(r=lora_r, alpha=lora_alpha, dropout=lora_dropout, target_modules=targets)
    if adapters and not lora:
        raise InputError("--lora-r/--lora-alpha/--lora-dropout/--lora-targets need --lora")
    lora_settings = LoraSettings(**adapters) if lora else False
    columns = {"text_column": text_column, "label_column": label_column}
    task_name = task.value
    if multi_label:
        if task_name not in ("classify", "multilabel"):
            raise InputError(f"--multi-label is for classify, not {task_name}")
        task_name = "multilabel"
    # With --json, stdout carries the one JSON object only: the Trainer's log lines go to stderr.
    with (
        contextlib.redirect_stdout(sys.stderr if json_output else sys.stdout),
        warnings_as_lines(),
        interrupted(f"the run in {out} is kept: continue it with the same command plus --resume"),
    ):
        model = text.finetune(
            task_name,
            train=train_file,
            dev=dev_file,
            out=out,
            backbone=backbone,
            lora=lora_settings,
            resume=resume,
            **columns,
            **options,
        )
    if not distributed.is_main():
        return  # rank 0 reports
    metrics = model.run_metrics()["dev"]
    if json_output:
        print_json(metrics)
    else:
        console.print(f"[green]saved[/] {out}  (dev report below)")
        console.print((out / "dev_report.txt").read_text(), highlight=False)


def _without_workers(argv: list[str]) -> list[str]:
    """The command line again, less ``--workers N`` (each worker is one process)."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--workers":
            skip = True
        elif not arg.startswith("--workers="):
            out.append(arg)
    return out
