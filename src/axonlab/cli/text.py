"""``axonlab text``: fine-tune (train is in text_train.py), evaluate and use text models."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from axonlab.cli.common import (
    Backend,
    QuantizeOption,
    check_backend,
    console,
    print_json,
    quiet_transformers,
    warnings_as_lines,
)
from axonlab.cli.explain import explain
from axonlab.cli.text_train import train

app = typer.Typer(
    help="Fine-tune pretrained encoders: classification, intents and NER; embed and search.",
    no_args_is_help=True,
)
app.command()(train)
app.command()(explain)


def _bundled(name: str) -> Path:
    return Path(__file__).resolve().parent.parent / "data" / name


@app.command("eval")
def evaluate(
    run_dir: Annotated[Path, typer.Argument(help="A run directory from `axonlab text train`.")],
    data: Annotated[Path, typer.Argument(help="Labelled file in the run's task format.")],
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the metrics as one JSON object.")
    ] = False,
    save: Annotated[
        Path | None, typer.Option(help="Also write metrics, report and plots to this folder.")
    ] = None,
) -> None:
    """Score a trained model on a labelled file (accuracy/macro-F1, or entity F1 for NER)."""
    from axonlab import text
    from axonlab.runs import check_writable

    quiet_transformers()
    if save is not None:
        check_writable(save, folder=True)
    with warnings_as_lines():  # a run that learned nothing says so
        model = text.load(run_dir)
    report = model.evaluate(data)
    if save is not None:
        report.save(save, prefix=data.stem)
    if json_output:
        print_json(report.metrics)
    else:
        console.print(report.report, highlight=False)


@app.command()
def predict(
    run_dir: Annotated[Path, typer.Argument(help="A run directory from `axonlab text train`.")],
    texts: Annotated[list[str] | None, typer.Argument(help="Texts to label.")] = None,
    input_file: Annotated[
        Path | None, typer.Option("--input", help="CSV/TSV/JSONL/TXT of texts.")
    ] = None,
    output_file: Annotated[
        Path | None, typer.Option("--output", help="JSONL predictions (resumable).")
    ] = None,
    text_column: Annotated[
        str | None,
        typer.Option(help="Text column of --input (default: detected); a,b for text pairs."),
    ] = None,
    id_column: Annotated[
        str | None,
        typer.Option(
            help="Id column of --input, copied into each output line (default: a "
            "column named id, if any)."
        ),
    ] = None,
    batch_size: Annotated[int, typer.Option(help="Texts per forward pass.")] = 64,
    engine: Annotated[
        str | None,
        typer.Option(
            help="ray: --input is a folder or glob of shards, --output a folder with one .jsonl "
            "per shard, predicted by Ray workers; a rerun skips finished shards."
        ),
    ] = None,
    workers: Annotated[int, typer.Option(help="With --engine ray: workers (actors).", min=1)] = 2,
    address: Annotated[
        str | None,
        typer.Option(help="With --engine ray: a running Ray cluster (default: start one here)."),
    ] = None,
    backend: Annotated[
        Backend | None,
        typer.Option(
            help="torch, or onnx (ONNX Runtime; the graph exported once into the run folder). "
            "Default: onnx for classify and multilabel runs' texts given on the command line, "
            "which then start without importing torch; torch otherwise.",
            show_default=False,
        ),
    ] = None,
    quantize: QuantizeOption = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Label texts given on the command line, or a whole file with --input/--output."""
    from axonlab.errors import InputError
    from axonlab.runs import check_writable

    if bool(input_file) != bool(output_file):
        raise InputError("--input and --output go together")
    if input_file and texts:
        raise InputError("give texts on the command line or --input, not both")
    if not input_file and not texts:
        raise InputError("nothing to predict: give one or more texts, or --input/--output")
    if engine is not None:
        _predict_on_ray(run_dir, input_file, output_file, engine, workers, address, text_column,
                        id_column, batch_size, json_output)  # fmt: skip
        return
    if output_file is not None:
        check_writable(output_file)
    check_backend(backend or Backend.torch, quantize)
    with warnings_as_lines():  # a run that learned nothing says so
        model = _load_predictor(run_dir, backend, quantize, one_shot=input_file is None)
    if input_file is not None and output_file is not None:
        from axonlab.text.predict.batch import predict_file

        summary = predict_file(
            model,
            input_file,
            output_file,
            text_column=text_column,
            id_column=id_column,
            batch_size=batch_size,
            progress=not json_output,
        )
        if json_output:
            print_json(summary)
        else:
            console.print(summary)
        return
    predictions = model.predict(texts or [], batch_size=batch_size)
    items = [{"text": t, **p} for t, p in zip(texts or [], predictions, strict=True)]
    if json_output:
        print_json({"predictions": items})
        return
    for item in items:
        _print_prediction(item)


def _load_predictor(run_dir: Path, backend: Backend | None, quantize: bool, one_shot: bool):
    """The model that answers: the light ONNX path where it can (a one-shot call with the
    default backend), else the run loaded with torch, switched to ONNX where asked or where
    that makes the light path for the next call."""
    from axonlab import text
    from axonlab.text.predict.light import LIGHT_TASKS, open_light

    if backend is None and one_shot and not quantize:
        light = open_light(run_dir)
        if light is not None:
            return light
    quiet_transformers()
    model = text.load(run_dir)
    if backend is Backend.onnx or (backend is None and one_shot and model.task in LIGHT_TASKS):
        from axonlab.text.predict.onnx import use_onnx

        with console.status("exporting the model to ONNX (once, into the run folder)"):
            use_onnx(model, quantize=quantize)
    return model


def _print_prediction(item: dict[str, Any]) -> None:
    if "label" in item:
        console.print(
            f"[bold]{item['label']}[/] ({item['score']:.3f})  {item['text']}", highlight=False
        )
        if item.get("in_scope") is False:  # an intent model's rejection: what was nearest
            nearest = ", ".join(f"{s['label']} ({s['score']:.2f})" for s in item["suggestions"])
            console.print(f"  did you mean: {nearest}", highlight=False)
        return
    console.print(item["text"], highlight=False)
    for entity in item.get("entities", []):
        console.print(
            f"  [bold]{entity['type']}[/] {entity['text']!r} "
            f"[{entity['start']}:{entity['end']}] ({entity['score']:.3f})",
            highlight=False,
        )


def _remove_previous_demo(out: Path) -> None:
    import shutil

    from axonlab.runs import RunDirectory

    run = RunDirectory(out)
    if run.config().get("train_file", "").endswith("sms_spam_train.tsv"):
        shutil.rmtree(out)  # only ever a previous demo run, never a user's own run


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Run directory for the demo model.")] = Path(
        "runs/spam-demo"
    ),
    epochs: Annotated[float, typer.Option(help="Passes over the bundled sample.")] = 3.0,
) -> None:
    """Fine-tune the default backbone on the bundled SMS-spam sample, then test and predict."""
    from axonlab import text
    from axonlab.text.data.labelled import read_labelled

    quiet_transformers()
    if (out / "config.json").exists():
        _remove_previous_demo(out)
    console.print(
        "[bold]axonlab demo[/]: fine-tuning all-MiniLM-L6-v2 on 800 SMS messages "
        "(SMS Spam Collection, CC BY 4.0), dev 200, test 200"
    )
    model = text.finetune(
        "classify",
        train=_bundled("sms_spam_train.tsv"),
        dev=_bundled("sms_spam_dev.tsv"),
        out=out,
        epochs=epochs,
        min_steps=0,  # a quick look: the epochs asked for, not the floor of steps
    )
    report = model.evaluate(_bundled("sms_spam_test.tsv"))
    report.save(out, prefix="test")
    console.print("\n[bold]test report[/]\n" + report.report, highlight=False)
    test = read_labelled(_bundled("sms_spam_test.tsv"))
    examples = [
        next(t for t, g in zip(test.texts, test.labels, strict=True) if g == label)
        for label in ("spam", "ham")
    ]
    console.print("\n[bold]example predictions[/]")
    for item, example in zip(model.predict(examples), examples, strict=True):
        _print_prediction({"text": example, **item})
    console.print(f'\nsaved to {out}; try: axonlab text predict {out} "Free entry! Txt WIN now"')


def _predict_on_ray(
    run_dir, input_file, output_file, engine, workers, address, text_column, id_column,
    batch_size, json_output,
) -> None:  # fmt: skip
    from axonlab.errors import InputError
    from axonlab.text.predict.batch import progress_bar
    from axonlab.text.predict.shards import predict_shards

    if engine != "ray":
        raise InputError(f"unknown engine {engine!r}; expected ray")
    if input_file is None or output_file is None:
        raise InputError("--engine ray predicts files: give --input (shards) and --output (folder)")
    try:
        import ray  # noqa: F401
    except ImportError:
        raise InputError("--engine ray needs Ray: pip install 'axonlab[distributed]'") from None
    with progress_bar(not json_output, "predicting shards", None, 0) as advance:  # type: ignore[arg-type]
        summary = predict_shards(
            run_dir, str(input_file), output_file, workers=workers, address=address,
            text_column=text_column, id_column=id_column, batch_size=batch_size,
            progress=advance,
        )  # fmt: skip
    if json_output:
        print_json(summary)
    else:
        console.print(summary)
