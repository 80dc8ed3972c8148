"""``axonlab lm``: train language models from scratch, evaluate them and generate text."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from axonlab.cli.common import console, err_console, given, interrupted, print_json
from axonlab.lm import defaults

app = typer.Typer(help="Language models from scratch: LSTM and GPT.", no_args_is_help=True)


class Arch(StrEnum):
    lstm = "lstm"
    gpt = "gpt"


class TokenizerKind(StrEnum):
    char = "char"
    bpe = "bpe"


def _model_overrides(values: dict[str, object], model_json: str | None) -> dict[str, object]:
    from axonlab.errors import InputError

    overrides = given(**values)
    if model_json:
        try:
            extra = json.loads(model_json)
        except json.JSONDecodeError as err:
            raise InputError(f"--model is not a JSON object: {err}") from err
        if not isinstance(extra, dict):
            raise InputError("--model must be a JSON object, e.g. '{\"n_head\": 6}'")
        overrides.update(extra)
    return overrides


@app.command()
def train(
    source: Annotated[Path, typer.Argument(help="Text file, or folder of text files.")],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Run directory to create: a new or empty folder (with "
            "--resume: the run to continue).",
        ),
    ],
    arch: Annotated[
        Arch | None, typer.Option(help=f"Architecture (default: {defaults.ARCH}).")
    ] = None,
    minutes: Annotated[
        float | None,
        typer.Option(
            help="Budget in minutes of training, evaluation excluded (default: "
            f"{defaults.MINUTES:g} when --steps is not given)."
        ),
    ] = None,
    steps: Annotated[int | None, typer.Option(help="Budget in optimizer steps.")] = None,
    tokenizer: Annotated[
        TokenizerKind | None,
        typer.Option(help=f"Characters or byte-level BPE (default: {defaults.TOKENIZER})."),
    ] = None,
    vocab_size: Annotated[
        int | None, typer.Option(help=f"BPE vocabulary size (default: {defaults.VOCAB_SIZE}).")
    ] = None,
    preset: Annotated[
        str | None,
        typer.Option(help=f"Size preset: baby, small or medium (default: {defaults.PRESET})."),
    ] = None,
    n_layer: Annotated[int | None, typer.Option(help="Layers (default: the preset's).")] = None,
    n_embd: Annotated[int | None, typer.Option(help="Embedding width (default: preset's).")] = None,
    block_size: Annotated[
        int | None, typer.Option(help="Context / training window, tokens (default: the preset's).")
    ] = None,
    dropout: Annotated[float | None, typer.Option(help="Dropout (default: the preset's).")] = None,
    model: Annotated[
        str | None, typer.Option(help="More model settings as JSON, e.g. '{\"n_head\": 6}'.")
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option(
            help=f"Windows per step; the LSTM's parallel lanes (default: {defaults.BATCH_SIZE})."
        ),
    ] = None,
    lr: Annotated[
        float | None,
        typer.Option(
            help="Peak learning rate (default: "
            + ", ".join(f"{lr:g} {arch}" for arch, lr in defaults.LEARNING_RATE.items())
            + ")."
        ),
    ] = None,
    eval_interval: Annotated[
        int | None,
        typer.Option(help=f"Steps between validations (default: {defaults.EVAL_INTERVAL})."),
    ] = None,
    bf16: Annotated[
        bool | None,
        typer.Option(
            "--bf16/--no-bf16",
            help="bfloat16 autocast for the training steps on CPU; validation stays float32 "
            "(default: off).",
        ),
    ] = None,
    threads: Annotated[
        int | None, typer.Option(help="CPU threads (default: torch's, one per core).")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help=f"Random seed (default: {defaults.SEED}).")
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="Continue the interrupted run in --out from its checkpoint, "
            "or train a finished one on to a larger budget.",
        ),
    ] = False,
) -> None:
    """Train a language model on SOURCE; the last 10% of the text is held out for validation."""
    import torch

    from axonlab.lm.training import TrainConfig
    from axonlab.lm.training import train as run_training

    if threads:
        torch.set_num_threads(threads)
    if steps is None and minutes is None:
        minutes = defaults.MINUTES
    sizes = dict(n_layer=n_layer, n_embd=n_embd, block_size=block_size, dropout=dropout)
    config = TrainConfig(
        model=_model_overrides(sizes, model),
        max_steps=steps,
        minutes=minutes,
        **given(
            arch=arch and arch.value,
            preset=preset,
            tokenizer=tokenizer and tokenizer.value,
            vocab_size=vocab_size,
            seed=seed,
            batch_size=batch_size,
            lr=lr,
            eval_interval=eval_interval,
            bf16=bf16,
        ),
    )
    hint = f"the run in {out} is kept: continue it with the same command plus --resume"
    with _progress_bar() as callback, interrupted(hint):
        result = run_training(source, out, config, resume=resume, callbacks=[callback])
    metrics = json.loads((out / "metrics.json").read_text())
    console.print(
        f"{result.model!r}\nbest validation loss {metrics['best_val_loss']:.4f} nats/token "
        f"(perplexity {metrics['best_val_perplexity']:.2f}) at step {metrics['best_step']}; "
        f"{metrics['tokens_per_second']:.0f} tokens/s; run in {out}"
    )


class _progress_bar:
    """Training progress on stderr: a rich bar on a terminal; elsewhere (a log file, CI) one
    line per validation, so a log says how far a run got."""

    def __enter__(self):
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = None
        if err_console.is_terminal:
            self.bar = Progress(
                TextColumn("{task.description} step {task.fields[step]}"),
                BarColumn(),
                TextColumn(
                    "loss {task.fields[loss]:.3f} val {task.fields[val]} "
                    "{task.fields[tps]:.0f} tok/s"
                ),
                TimeElapsedColumn(),
                console=err_console,
            )
            self.bar.start()
            self.task = self.bar.add_task("training", total=1.0, step=0, loss=0.0, val="-", tps=0.0)
        return self._update

    def _update(self, p) -> None:
        if p.stage != "training":
            if self.bar is not None:
                self.bar.update(self.task, description=p.stage)
            else:
                err_console.print(f"{p.stage} on the whole validation split ...")
            return
        if self.bar is None:
            if p.val_loss is not None:
                err_console.print(
                    f"step {p.step} ({p.fraction:.0%} of the budget, {p.elapsed_s:.0f} s): "
                    f"train loss {p.train_loss:.4f}, val loss {p.val_loss:.4f}, "
                    f"{p.tokens_per_s:.0f} tok/s",
                    highlight=False,
                )
            return
        fields = dict(step=p.step, loss=p.train_loss, tps=p.tokens_per_s)
        if p.val_loss is not None:
            fields["val"] = f"{p.val_loss:.3f}"
        self.bar.update(self.task, completed=p.fraction, **fields)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()


@app.command("eval")
def evaluate(
    run_dir: Annotated[Path, typer.Argument(help="Run directory of `axonlab lm train`.")],
    file: Annotated[Path, typer.Argument(help="Text file to score.")],
    window: Annotated[
        int | None,
        typer.Option(help="Score consecutive N-token windows, each from an empty context."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Loss (nats per token; per character for char models), perplexity and bits per character
    of FILE. By default every token is scored once with the model's full context: the LSTM reads
    FILE in one pass, the GPT's context window slides over it."""
    from axonlab import lm

    result = lm.load(run_dir).evaluate(file, window=window)
    if as_json:
        print_json(result)
        return
    console.print(
        f"loss {result['loss']:.4f} nats/token  perplexity {result['perplexity']:.3f}  "
        f"bits/char {result['bits_per_char']:.4f}  ({result['tokens']} tokens scored)"
    )


@app.command()
def generate(
    run_dir: Annotated[Path, typer.Argument(help="Run directory of `axonlab lm train`.")],
    prompt: Annotated[str, typer.Option(help="Text to continue.")] = "\n",
    tokens: Annotated[int, typer.Option(help="Tokens to generate (characters for char).")] = 300,
    temperature: Annotated[float, typer.Option(help="Softmax temperature (> 0).")] = 1.0,
    top_k: Annotated[int | None, typer.Option(help="Sample from the k likeliest only.")] = None,
    top_p: Annotated[float | None, typer.Option(help="Nucleus: smallest set with mass p.")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed: same seed, same text.")] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="GPT: re-read the context every step.")
    ] = False,
) -> None:
    """Print PROMPT and its continuation, streamed as it is sampled."""
    from axonlab import lm

    model = lm.load(run_dir)
    pieces = model.stream(
        prompt,
        tokens,
        temperature=temperature,
        top_k=top_k,
        top_p=top_p,
        seed=seed,
        use_cache=not no_cache,
    )
    first = next(pieces, "")  # validates the prompt before anything is printed
    sys.stdout.write(prompt + first)
    for piece in pieces:
        sys.stdout.write(piece)
        sys.stdout.flush()
    sys.stdout.write("\n")
