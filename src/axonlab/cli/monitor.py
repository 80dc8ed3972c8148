"""``axonlab monitor``: run the opinion monitor, ask its status, replay history through it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from axonlab.cli.common import console, err_console, interrupted, print_json, quiet_transformers

app = typer.Typer(
    help="Financial opinion monitor: classify dated texts, store them, alert on negative surges.",
    no_args_is_help=True,
)


@app.command("run")
def run(config: Annotated[Path, typer.Argument(help="The monitor's YAML config.")]) -> None:
    """Tail the sources, take POST /v1/ingest, serve the dashboard; until Ctrl-C."""
    from axonlab.monitor import load_config, run_service

    settings = load_config(config)
    quiet_transformers()
    err_console.print(
        f"monitor: store {settings.store}; dashboard http://{settings.server.host}:"
        f"{settings.server.port}/",
        highlight=False,
    )
    with interrupted("the monitor stopped; everything acknowledged is in the store"):
        run_service(settings)


@app.command("status")
def status(
    config: Annotated[Path, typer.Argument(help="The monitor's YAML config.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Items stored and alerts raised so far (read from the store)."""
    from axonlab.errors import InputError
    from axonlab.monitor import Store, load_config

    settings = load_config(config)
    if not settings.store.exists():
        raise InputError("no store yet: run `axonlab monitor run` first", path=settings.store)
    store = Store(settings.store)
    counts = {**store.counts(), "latest_alerts": store.alerts(limit=5)}
    store.close()
    if json_output:
        print_json(counts)
        return
    console.print(f"{counts['items']} items, {counts['alerts']} alerts", highlight=False)
    for alert in counts["latest_alerts"]:
        console.print(
            f"  {alert['time']}  {alert['key']}  {alert['rule']}  "
            f"negative share {alert['negative_share']:.2f}",
            highlight=False,
        )


@app.command("replay")
def replay(
    sentiment: Annotated[Path, typer.Option(help="A sentiment classification run.")],
    input_file: Annotated[
        Path,
        typer.Option("--input", help="TSV (header: time, text, optional key) or JSON lines."),
    ],
    topic: Annotated[Path | None, typer.Option(help="A topic classification run.")] = None,
    config: Annotated[
        Path | None,
        typer.Option(help="A monitor YAML config whose rules, labels and windows to use."),
    ] = None,
    window: Annotated[
        str | None, typer.Option(help="Rolling window, e.g. 60m (default 60m).")
    ] = None,
    baseline: Annotated[
        str | None, typer.Option(help="Trailing baseline before it, e.g. 24h (default 24h).")
    ] = None,
    rules: Annotated[
        str | None, typer.Option(help="Comma-separated rules: zscore, share, cusum.")
    ] = None,
    backend: Annotated[
        str | None, typer.Option(help="torch, onnx or onnx-int8 (default onnx-int8).")
    ] = None,
    store: Annotated[
        Path | None, typer.Option(help="Keep the replay in this SQLite file (default: memory).")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Run the monitor's pipeline over a historical file, as fast as the machine allows."""
    from axonlab.cli.common import given
    from axonlab.monitor import MonitorConfig, load_config, read_items
    from axonlab.monitor import replay as run_replay
    from axonlab.monitor.pipeline import load_classifier
    from axonlab.text.batch_prediction import progress_bar

    quiet_transformers()
    base = load_config(config) if config else None
    overrides = given(
        sentiment=sentiment,
        topic=topic,
        window=window,
        baseline=baseline,
        backend=backend,
        rules=[r.strip() for r in rules.split(",") if r.strip()] if rules else None,
    )
    settings = _settings(MonitorConfig, base, overrides)
    items = read_items(input_file)
    model = load_classifier(settings.sentiment, settings.backend)
    topic_model = load_classifier(settings.topic, settings.backend) if settings.topic else None
    with progress_bar(not json_output, "replay", len(items), 0) as advance:
        result = run_replay(
            items, settings, sentiment=model, topic=topic_model, store=store, progress=advance
        )
    if json_output:
        print_json(result)
        return
    console.print(
        f"{result['items']} items in {result['seconds']:.1f} s "
        f"({result['items_per_second'] or 0:.0f}/s), {len(result['alerts'])} alerts",
        highlight=False,
    )
    for alert in result["alerts"]:
        console.print(
            f"  {alert['time']}  {alert['key']}  {alert['rule']}  "
            f"negative share {alert['negative_share']:.2f} ({alert['count']} items)",
            highlight=False,
        )


def _settings(model, base, overrides: dict):
    """``base`` (a loaded config) or a fresh one, with ``overrides``, validated; a bad value
    is an InputError naming its option."""
    from pydantic import ValidationError

    from axonlab.errors import InputError

    data = base.model_dump() if base is not None else {"store": ":memory:"}
    data.update(overrides)
    try:
        return model.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(f"`{where}`: {first['msg'].removeprefix('Value error, ')}") from None
