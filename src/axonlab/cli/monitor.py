"""``axonlab monitor``: run the opinion monitor, ask its status, replay history through it, and
back-test its rules against marked surges."""

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
        console.print(f"  {_alert_line(alert)}", highlight=False)


# Options that replay and backtest share, declared once.
SentimentOption = Annotated[Path, typer.Option(help="A sentiment classification run.")]
InputOption = Annotated[
    Path, typer.Option("--input", help="TSV (header: time, text, optional key) or JSON lines.")
]
TopicOption = Annotated[Path | None, typer.Option(help="A topic classification run.")]
ConfigOption = Annotated[
    Path | None, typer.Option(help="A monitor YAML config whose rules, labels and windows to use.")
]
WindowOption = Annotated[
    str | None, typer.Option(help="Longest stretch the rules scan, e.g. 60m (default 60m).")
]
BaselineOption = Annotated[
    str | None,
    typer.Option(help="Oldest item a series' baseline keeps, e.g. 14d (default 14d)."),
]
RulesOption = Annotated[
    str | None,
    typer.Option(help="Comma-separated rules: volume (the default), zscore, share, cusum."),
]
BackendOption = Annotated[
    str | None, typer.Option(help="torch, onnx or onnx-int8 (default onnx-int8).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


def _replay_setup(sentiment, input_file, topic, config, window, baseline, rules, backend):
    """The validated settings, the items and the loaded models of a replay or backtest."""
    from axonlab.cli.common import given
    from axonlab.monitor import MonitorConfig, load_config, read_items
    from axonlab.monitor.pipeline import load_classifier

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
    return settings, items, model, topic_model


@app.command("replay")
def replay(
    sentiment: SentimentOption,
    input_file: InputOption,
    topic: TopicOption = None,
    config: ConfigOption = None,
    window: WindowOption = None,
    baseline: BaselineOption = None,
    rules: RulesOption = None,
    backend: BackendOption = None,
    store: Annotated[
        Path | None, typer.Option(help="Keep the replay in this SQLite file (default: memory).")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Run the monitor's pipeline over a historical file, as fast as the machine allows."""
    from axonlab.monitor import replay as run_replay
    from axonlab.text.predict.batch import progress_bar

    settings, items, model, topic_model = _replay_setup(
        sentiment, input_file, topic, config, window, baseline, rules, backend
    )
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
        console.print(f"  {_alert_line(alert)}", highlight=False)


def _alert_line(alert: dict) -> str:
    """One alert in words: when, which series, which rule, and the counts behind it."""
    line = f"{alert['time']}  {alert['key']}  {alert['rule']}  "
    if alert["rule"] == "volume":
        line += (
            f"{alert['negatives']} negative of {alert['count']} items in "
            f"{alert['minutes']:g} min (usually {alert['negative_rate_per_hour']:g} negative/h)"
        )
    else:
        line += f"negative share {alert['negative_share']:.2f} ({alert['count']} items)"
    drivers = alert.get("drivers")
    if drivers:
        line += "; driven by " + ", ".join(f"{key} ({n})" for key, n in drivers)
    return line


@app.command("backtest")
def backtest(
    sentiment: SentimentOption,
    input_file: InputOption,
    events: Annotated[
        Path,
        typer.Option(
            help="The marked surges: TSV with a header naming time and optionally key "
            "(or JSON lines); a row without a key matches an alert on any series."
        ),
    ],
    budget: Annotated[
        float,
        typer.Option(help="False alerts per 10,000 items you accept; the suggestion meets it."),
    ] = 5.0,
    match: Annotated[
        str, typer.Option(help="An alert this soon after an event's start detects it.")
    ] = "2h",
    topic: TopicOption = None,
    config: ConfigOption = None,
    window: WindowOption = None,
    baseline: BaselineOption = None,
    rules: RulesOption = None,
    backend: BackendOption = None,
    json_output: JsonOption = False,
) -> None:
    """Score every rule and setting against your own history and marked surges: detection
    rate, median delay and false alerts per 10k items, and the setting that meets --budget."""
    from axonlab.monitor.backtest import backtest as run_backtest
    from axonlab.monitor.backtest import read_events
    from axonlab.monitor.config import parse_duration
    from axonlab.text.predict.batch import progress_bar

    marked = read_events(events)
    seconds = parse_duration(match)
    settings, items, model, topic_model = _replay_setup(
        sentiment, input_file, topic, config, window, baseline, rules, backend
    )
    with progress_bar(not json_output, "backtest", len(items), 0) as advance:
        result = run_backtest(
            items, marked, settings, sentiment=model, topic=topic_model, budget=budget,
            match=seconds, progress=advance,
        )  # fmt: skip
    if json_output:
        print_json(result)
        return
    console.print(
        f"{result['items']} items, {result['events']} marked surges, alerts within {match}",
        highlight=False,
    )
    console.print("rule     setting            detected  median delay  false per 10k")
    for row in result["rows"]:
        delay = row["median_delay_minutes"]
        console.print(
            f"{row['rule']:<8} {row['setting']:<18} {row['detected']:>3}/{row['events']:<5} "
            f"{'-' if delay is None else f'{delay:.0f} min':>12}  "
            f"{row['false_alerts_per_10k']:>12.1f}",
            highlight=False,
        )
    best = result["suggested"]
    if best is None:
        console.print(f"no setting stays within {budget:g} false alerts per 10k items")
    else:
        console.print(
            f"suggested: {best['rule']} {best['setting']} ({best['detected']} of "
            f"{best['events']} detected, {best['false_alerts_per_10k']:.1f} false per 10k)",
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
