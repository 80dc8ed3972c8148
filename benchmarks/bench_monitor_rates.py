"""Surge detection across stream rates, with the monitor's shipped defaults.

Streams of 0.3, 1, 5 and 50 items an hour per key, 1, 3 or 10 keys, built two ways:
- ``headlines``: the CNBC and Guardian headlines in random order, at times drawn from a Poisson
  process whose rate follows the hour-of-day profile of CNBC's real publication times;
- ``tweets``: the twitter-financial-news training texts (with their cashtags) at times of a
  homogeneous Poisson process.
Keys are drawn uniformly for each item. Into each stream, 5 surges of 10, 20 or 30 negative
sentences over 20 minutes on one key (a key drawn for each), spaced far apart; the sentences are
held-out gold negatives (Financial PhraseBank dev, twitter-financial-news dev bearish), which
the sentiment run never trained on and which it may or may not call negative. 3 seeds.

Each cell: surges alerted (an alert on the surge's key within 2 h of its start), median delay,
and false alerts per 10,000 items on the same stream without surges. The monitor's rules are run
with the defaults of ``MonitorConfig`` (the one place they are defined) and each rule alone at its
default, over the items classified by the sentiment run; the same is done with the tweets' gold
labels (a perfect classifier) and with a third of the run's labels replaced at random (a weaker
one), so the monitor's dependence on the classifier is measured too.

    python benchmarks/bench_monitor_rates.py --data ../shared/data --run runs/phrasebank
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
HOUR, DAY = 3600.0, 86400.0
RATES = (0.3, 1.0, 5.0, 50.0)  # items per hour per key
KEYS = (1, 3, 10)
SIZES = (10, 20, 30)  # negative items per surge
SURGE_SECONDS = 20 * 60.0
SURGES, SEEDS = 5, (0, 1, 2)
SOURCES = ("headlines", "tweets")
NO_SAME_TIME = "defaults, same_time off"
RUSH = 0.25  # an hour with at least this share of the profile's peak rate is the nightly rush


def _table(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def material(data: Path) -> dict:
    """Background texts of each source, the held-out negative pool, the CNBC hour profile."""
    from axonlab.monitor.items import parse_time

    finance = data / "finance"
    heads = [
        r["headline"]
        for n in ("cnbc.tsv", "guardian.tsv")
        for r in _table(finance / "headlines" / n)
    ]
    hours = [0] * 24
    for r in _table(finance / "headlines" / "cnbc.tsv"):
        hours[int(parse_time(r["time"]) // HOUR) % 24] += 1
    tweets = _table(finance / "twitter-financial-news" / "train.tsv")
    pool = [
        r["text"] for r in _table(finance / "phrasebank" / "dev.tsv") if r["label"] == "negative"
    ]
    pool += [
        r["text"]
        for r in _table(finance / "twitter-financial-news" / "dev.tsv")
        if r["label"] == "bearish"
    ]
    return {
        "headlines": heads,
        "tweets": [r["text"] for r in tweets],
        "gold": {r["text"]: r["label"] == "bearish" for r in tweets},
        "pool": pool,
        "profile": [h / max(hours) for h in hours],
    }


def classify(texts: list[str], run: Path, cache: Path) -> dict[str, str]:
    """The sentiment run's label of each text (int8 ONNX, the monitor's default backend)."""
    if cache.exists():
        return json.loads(cache.read_text())
    from axonlab.monitor.config import MonitorConfig
    from axonlab.monitor.pipeline import load_classifier

    backend = MonitorConfig.model_fields["backend"].default
    model = load_classifier(run, backend)
    unique = sorted(set(texts))
    labels = {
        t: p["label"] for t, p in zip(unique, model.predict(unique, batch_size=64), strict=True)
    }
    cache.write_text(json.dumps(labels))
    return labels


def stream(source: str, rate: float, keys: int, seed: int, m: dict) -> tuple[list, list]:
    """``(items, surge slots)``: items ``(ts, text, key)``; 5 surge ``(start, key)``."""
    rng = random.Random(f"{source}-{rate}-{keys}-{seed}")
    spacing = max(12 * HOUR, min(7 * DAY, 300 / rate * HOUR))  # ~300 items of a key apart
    span = spacing * (SURGES + 1)
    total = rate * keys / HOUR
    texts = m[source]
    profile = m["profile"] if source == "headlines" else [1.0] * 24
    peak = total / (sum(profile) / 24)  # the profile's mean rate is `total`
    items, t = [], 0.0
    while True:  # thinning: a Poisson process at `peak`, kept with the hour's share
        t += rng.expovariate(peak)
        if t > span:
            break
        if rng.random() < profile[int(t // HOUR) % 24]:
            items.append((t, rng.choice(texts), f"K{rng.randrange(keys)}"))
    surges = [
        (spacing * (i + 1) + rng.uniform(0, spacing / 4), f"K{rng.randrange(keys)}")
        for i in range(SURGES)
    ]
    return items, surges


def judged(items, labels, *, negative=("negative", "bearish")) -> list:
    """``(ts, keys, negative)`` as the monitor counts them (all items, key, cashtags)."""
    from axonlab.monitor.items import Item, item_keys

    out = []
    for ts, text, key in sorted(items):
        keys = item_keys(Item("", ts, text, key), cashtags=True)
        out.append((ts, keys, labels(text) in negative))
    return out


def variants(source: str, m: dict, model: dict[str, str]) -> dict:
    """The labellings a stream is judged under: the run's; for tweets also gold and weaker."""
    out = {"run": model.get}
    if source == "tweets":
        gold = {t: "negative" if bearish else "neutral" for t, bearish in m["gold"].items()}
        out["gold"] = (gold | {t: "negative" for t in m["pool"]}).get
        rng = random.Random(7)
        choices = sorted(set(model.values()))
        weak = {t: rng.choice(choices) if rng.random() < 1 / 3 else lab for t, lab in model.items()}
        out["weaker"] = weak.get
    return out


def with_surges(items: list, surges: list, size: int, pool: list[str], seed: int) -> list:
    """``items`` plus ``size`` pool sentences at uniform times in each surge's 20 minutes."""
    extra = []
    for j, (start, key) in enumerate(surges):
        rng = random.Random(f"{seed}-{size}-{j}")
        extra += [
            (start + rng.uniform(0, SURGE_SECONDS), pool[(j * size + i) % len(pool)], key)
            for i in range(size)
        ]
    return items + extra


def cell(items, surges, labels, config, pool, seed) -> dict:
    """False alerts on the clean stream and, per surge size, surges alerted and median delay."""
    from axonlab.monitor.backtest import Event, judge_stream, score

    clean = judged(items, labels)
    false = score(judge_stream(clean, config), [], len(clean))
    out = {"items": len(clean), "false_alerts": false["false_alerts"], "sizes": {}}
    events = [Event(start, key) for start, key in surges]
    for size in SIZES:
        surged = judged(with_surges(items, surges, size, pool, seed), labels)
        alerts = judge_stream(surged, config)
        hit = score(alerts, events, len(surged))
        each = [score(alerts, [event], len(surged))["detected"] for event in events]
        out["sizes"][str(size)] = [hit["detected"], hit["median_delay_minutes"], each]
    return out


def configs() -> dict:
    """The rule settings measured: the shipped defaults, each other rule alone at its default,
    and the defaults with the volume rule's expected count from the mean rate only."""
    from axonlab.monitor.config import MonitorConfig

    defaults = MonitorConfig(store=":memory:", sentiment="-")  # the shipped defaults
    out = {"defaults": defaults}
    for rule in ("volume", "zscore", "share", "cusum"):
        if [rule] != list(defaults.rules):
            out[rule] = defaults.model_copy(update={"rules": [rule]})
    if "volume" in defaults.rules and defaults.rule.same_time:  # what the daily profile buys
        mean_only = defaults.rule.model_copy(update={"same_time": False})
        out[NO_SAME_TIME] = defaults.model_copy(update={"rule": mean_only})
    return out


_SHARED: dict = {}  # what the worker processes read (inherited when they fork)


def _measure_stream(job: tuple) -> dict:
    source, rate, keys, seed, sentiment, name = job
    m, config = _SHARED["material"], _SHARED["configs"][name]
    labels = _SHARED["labellings"][source][sentiment]
    items, surges = stream(source, rate, keys, seed, m)
    pool = random.Random(seed).sample(m["pool"], len(m["pool"]))
    return {
        "source": source,
        "rate": rate,
        "keys": keys,
        "seed": seed,
        "sentiment": sentiment,
        "rules": name,
        # which surges start in the nightly rush of the headline profile
        "rush": [m["profile"][int(t // HOUR) % 24] >= RUSH for t, _ in surges]
        if source == "headlines"
        else [False] * len(surges),
        **cell(items, surges, labels, config, pool, seed),
    }


def measure(
    run: Path, data: Path, cache: Path, log, sources=SOURCES, rates=RATES, jobs=1, settings=None
):
    """Every stream under every setting, one pass per setting (the defaults first, so a run
    stopped early has their whole table), each row logged as it ends."""
    from multiprocessing import get_context

    m = material(data)
    settings = settings or list(configs())
    model = classify(m["headlines"] + m["tweets"] + m["pool"], run, cache)
    _SHARED.update(
        material=m,
        configs=configs(),
        labellings={source: variants(source, m, model) for source in sources},
    )
    passes = [("run", name) for name in _SHARED["configs"] if name in settings]
    if "defaults" in settings:
        passes[1:1] = [("gold", "defaults"), ("weaker", "defaults")]
    with get_context("fork").Pool(jobs) as workers:
        for sentiment, name in passes:
            todo = [
                (source, rate, keys, seed, sentiment, name)
                for source in sources
                if sentiment in _SHARED["labellings"][source]
                for rate in rates
                for keys in KEYS
                if sentiment == "run" or keys == 3
                for seed in SEEDS
            ]
            todo.sort(key=lambda job: -job[1] * job[2])  # the longest streams first
            for row in workers.imap_unordered(_measure_stream, todo):
                print(json.dumps(row), file=sys.stderr, flush=True)
                log.write(json.dumps(row) + "\n")
                log.flush()


def summary(rows: list[dict], size: int) -> tuple[str, str, str, str]:
    """Surges alerted (mean of 5, worst cell), median delay, false alerts per 10k (all, worst)."""
    detected = [r["sizes"][str(size)][0] for r in rows]
    delays = [r["sizes"][str(size)][1] for r in rows if r["sizes"][str(size)][1] is not None]
    per_10k = [1e4 * r["false_alerts"] / r["items"] for r in rows]
    pooled = 1e4 * sum(r["false_alerts"] for r in rows) / sum(r["items"] for r in rows)
    return (
        f"{statistics.mean(detected):.1f} (worst {min(detected)})",
        f"{statistics.median(delays):.0f}" if delays else "-",
        f"{pooled:.1f} (worst {max(per_10k):.1f})",
        f"{sum(r['items'] for r in rows) / len(rows):,.0f}",
    )


def tables(rows: list[dict]) -> str:
    from axonlab.monitor.config import MonitorConfig

    d = MonitorConfig(store=":memory:", sentiment="-")
    r = d.rule
    lines = [
        "## Surge detection across stream rates (`bench_monitor_rates.py`)",
        "",
        f"Shipped defaults (`MonitorConfig`): rules {d.rules}, window {d.window / 60:g} min, "
        f"baseline the last {r.baseline_items} items or the last day, whichever holds more (at "
        f"most {d.baseline / DAY:g} d), "
        f"volume surprise {r.volume:g} with share surprise {r.volume_share:g} and at least "
        f"{r.min_negative} negatives, the count expected from the series' daily profile "
        f"(same_time {r.same_time}: its rate at that time of day, shrunk toward the hours "
        "around and its mean rate, with a negative binomial tail), "
        f"cool-down {r.cooldown / HOUR:g} h, alerts on {d.alert_on}.",
        "",
        "Each cell pools 3 key counts (1, 3, 10) x 3 seeds = 9 streams of 5 surges: surges "
        "alerted out of 5 (mean, and the worst stream), median minutes from surge start to alert, "
        "false alerts per 10,000 items on the same streams without surges (pooled, and the worst "
        "stream). Surges: 10, 20 or 30 held-out negative sentences in 20 minutes on one key.",
        "",
    ]
    missing = [
        f"{source} at {rate:g}/h"
        for source in ("headlines", "tweets")
        for rate in RATES
        if not any(x["source"] == source and x["rate"] == rate for x in rows)
    ]
    if missing:
        lines += [f"**Partial run**: no rows yet for {', '.join(missing)}.", ""]
    for title, keep in (
        (
            "Defaults, the sentiment run's labels",
            lambda x: x["sentiment"] == "run" and x["rules"] == "defaults",
        ),
    ):
        lines += _grid(title, [x for x in rows if keep(x)])
        lines += _rush([x for x in rows if keep(x) and x["source"] == "headlines"])
    for rule in sorted({x["rules"] for x in rows} - {"defaults"}):
        lines += _grid(
            "The defaults with `same_time: false` (the count against the mean rate only)"
            if rule == NO_SAME_TIME
            else f"Rule `{rule}` alone (its default setting)",
            [x for x in rows if x["rules"] == rule and x["sentiment"] == "run"],
        )
    lines += _classifiers(
        [x for x in rows if x["rules"] == "defaults" and x["keys"] == 3 and x["source"] == "tweets"]
    )
    return "\n".join(lines)


def _rush(rows: list[dict]) -> list[str]:
    """Headline surges alerted, those that start in the nightly rush apart from the others."""
    rows = [x for x in rows if "rush" in x]
    if not rows:
        return []
    out = [
        f"Headline surges of {SIZES[-1]} negatives by when they start: in the nightly rush "
        f"(the hours whose rate is at least {RUSH:g} of the profile's peak, 22:00-01:00 UTC, "
        "about six times the mean rate) or in the other hours (alerted / surges):",
        "",
        "| items/h/key | in the rush | other hours |",
        "|---|---|---|",
    ]
    for rate in RATES:
        group = [x for x in rows if x["rate"] == rate]
        if not group:
            continue
        pairs = [
            (rush, hit)
            for x in group
            for rush, hit in zip(x["rush"], x["sizes"][str(SIZES[-1])][2], strict=True)
        ]
        cells = []
        for want in (True, False):
            hits = [hit for rush, hit in pairs if rush is want]
            cells.append(f"{sum(hits)} / {len(hits)}")
        out.append(f"| {rate:g} | {cells[0]} | {cells[1]} |")
    return out + [""]


def _grid(title: str, rows: list[dict]) -> list[str]:
    head = " | ".join(f"{n} neg: alerted / delay" for n in SIZES)
    out = [
        f"### {title}",
        "",
        f"| stream | items/h/key | items | {head} | false per 10k |",
        "|---|---|---|" + "---|" * len(SIZES) + "---|",
    ]
    for source in ("headlines", "tweets"):
        for rate in RATES:
            group = [x for x in rows if x["source"] == source and x["rate"] == rate]
            if not group:
                continue
            cells = [summary(group, n) for n in SIZES]
            sizes = " | ".join(f"{c[0]} / {c[1]}" for c in cells)
            out.append(f"| {source} | {rate:g} | {cells[0][3]} | {sizes} | {cells[0][2]} |")
    return out + [""]


def _classifiers(rows: list[dict]) -> list[str]:
    out = [
        "### How the classifier matters (tweets, 3 keys, 3 seeds, defaults)",
        "",
        "`run`: the sentiment run; `gold`: the tweets' own labels (a perfect classifier); "
        "`weaker`: the run's labels with a third replaced by a random label.",
        "",
        "| sentiment | items/h/key | "
        + " | ".join(f"{n} neg" for n in SIZES)
        + " | false per 10k |",
        "|---|---|" + "---|" * len(SIZES) + "---|",
    ]
    for sentiment in ("gold", "run", "weaker"):
        for rate in RATES:
            group = [x for x in rows if x["sentiment"] == sentiment and x["rate"] == rate]
            if group:
                cells = [summary(group, n) for n in SIZES]
                out.append(
                    f"| {sentiment} | {rate:g} | "
                    + " | ".join(f"{c[0]} / {c[1]}" for c in cells)
                    + f" | {cells[0][2]} |"
                )
    return out + [""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--run", type=Path, required=True, help="a sentiment classification run")
    parser.add_argument("--log", type=Path, default=Path("bench-monitor-rates.jsonl"))
    parser.add_argument("--replay", action="store_true", help="tables from --log, no runs")
    parser.add_argument("--sources", nargs="+", choices=SOURCES, default=list(SOURCES))
    parser.add_argument("--rates", nargs="+", type=float, default=list(RATES))
    parser.add_argument("--jobs", type=int, default=1, help="streams judged at once")
    parser.add_argument(
        "--settings", nargs="+", choices=list(configs()), help="only these settings (all)"
    )
    parser.add_argument("--append", action="store_true", help="add to --log, do not restart it")
    parser.add_argument("--note", default="", help="how the log was made, printed under the tables")
    args = parser.parse_args()
    if not args.replay:
        if not args.append:
            args.log.write_text("")
        with open(args.log, "a") as log:
            cache = args.log.with_suffix(".labels.json")
            measure(
                args.run, args.data, cache, log, args.sources, args.rates, args.jobs, args.settings
            )
    from report import read_log, write_section

    write_section(
        "monitor-rates", tables(read_log(args.log)) + ("\n" + args.note if args.note else "")
    )


if __name__ == "__main__":
    main()
