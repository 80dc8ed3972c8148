"""Parameter sweeps over one spec: a grid of values for some of its keys, run in parallel
processes, one table of parameters against results.

    table = run_grid("cuba.yaml", {"populations.exc.params.tau_m": [10, 20, 30]}, jobs=2)

A key path names a spec key with dots (``connections.0.weight``, or a connection by its
``name``: ``connections.stdp.plasticity.a_plus``); ``populations.P.model.X`` is read as the
model parameter ``populations.P.params.X``. Every point is validated before any runs. The
workers are forked from a process that has already loaded the compiled engine, so no point
compiles it again.
"""

from __future__ import annotations

import copy
import itertools
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import ValidationError

from axonlab.errors import InputError
from axonlab.yaml_specs import describe


def set_key(data: dict, path: str, value: Any) -> None:
    """Set ``path`` (dotted, see the module docstring) in the spec dict ``data`` to ``value``."""
    parts = path.split(".")
    if len(parts) == 4 and parts[0] == "populations" and parts[2] == "model":
        parts[2] = "params"
    node: Any = data
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        where = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            named = [i for i, item in enumerate(node) if isinstance(item, dict)
                     and item.get("name") == part]  # fmt: skip
            if part.isdigit() and int(part) < len(node):
                index = int(part)
            elif named:
                index = named[0]
            else:
                raise InputError(f"`set` {path}: {where} is neither an index below "
                                 f"{len(node)} nor the name of an entry")  # fmt: skip
            if last:
                node[index] = value
            node = node[index]
        elif isinstance(node, dict):
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
        else:
            raise InputError(f"`set` {path}: {'.'.join(parts[:depth])} holds a value, not keys")


def grid_points(settings: dict[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the settings' values, the first key varying slowest."""
    keys = list(settings)
    return [dict(zip(keys, values, strict=True)) for values in
            itertools.product(*(settings[k] for k in keys))]  # fmt: skip


def _spec_at(base: dict, point: dict[str, Any]) -> dict:
    """The spec dict at ``point``, validated (the workers get dicts: spec models are made
    classes that do not pickle)."""
    from axonlab.neuro.spec import NetworkSpec

    data = copy.deepcopy(base)
    for path, value in point.items():
        set_key(data, path, value)
    try:
        NetworkSpec.model_validate(data)
        return data
    except ValidationError as err:
        message, _ = describe(err, data, "", NetworkSpec)
        shown = ", ".join(f"{k}={v}" for k, v in point.items())
        raise InputError(f"`set` {shown}: {message}") from None


def isi_cv(times: np.ndarray, neurons: np.ndarray) -> float | None:
    """Mean coefficient of variation of the interspike intervals over neurons with >= 3
    spikes (None if none has)."""
    order = np.lexsort((times, neurons))
    t, who = times[order], neurons[order]
    same = who[1:] == who[:-1]
    isi, owner = np.diff(t)[same], who[1:][same]
    counts = np.bincount(owner) if isi.size else np.zeros(0, np.int64)
    keep = counts >= 2
    if not keep.any():
        return None
    mean = np.bincount(owner, isi)[keep] / counts[keep]
    var = np.bincount(owner, isi**2)[keep] / counts[keep] - mean**2
    return float(np.mean(np.sqrt(np.maximum(var, 0.0)) / mean))


def point_summary(result: Any) -> dict[str, Any]:
    """One table row of results: per population rate (Hz), ISI CV, ATP and glucose; per plastic
    projection the mean final weight and the fractions near the bounds."""
    row: dict[str, Any] = {}
    energy = result.energy()
    atp = energy.per_population()
    supply = energy.supply().as_dict()["populations"]
    for name in result.network.populations:
        sp = result.spikes(name)
        row[f"{name}.rate_hz"] = sp.rate_hz
        row[f"{name}.cv_isi"] = isi_cv(sp.times, sp.neurons)
        row[f"{name}.atp"] = atp[name]
        row[f"{name}.glucose"] = supply[name]["glucose"]
    for name in result.layout.plastic:
        proj = result.weight_summary(name)
        for key in ("mean_weight", "fraction_above_90pct", "fraction_below_10pct"):
            row[f"{name}.{key}"] = proj[key]
    return row


def _run_point(data: dict, duration: float | None) -> tuple[dict[str, Any], float]:
    from axonlab.neuro.spec import NetworkSpec, network_from_spec

    spec = NetworkSpec.model_validate(data)
    result = network_from_spec(spec).run(spec.duration if duration is None else duration)
    return point_summary(result), result.sim_seconds


def run_grid(
    spec: str | Path,
    settings: dict[str, Sequence[Any]],
    *,
    jobs: int = 1,
    duration: float | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Simulate ``spec`` at every point of the grid ``settings`` (key path -> values) on ``jobs``
    processes: ``{"rows": [{key: value, ..., result columns}], "seconds", "jobs"}``, rows in
    grid order."""
    from axonlab.neuro.spec import load_spec

    load_spec(spec)  # the file itself is valid (errors name its lines)
    if not settings:
        raise InputError("no `set` values: name at least one key and its values")
    if jobs < 1:
        raise InputError(f"`jobs` must be >= 1, got {jobs}")
    base = yaml.safe_load(Path(spec).read_text())
    points = grid_points(settings)
    specs = [_spec_at(base, point) for point in points]  # every point checked before any runs
    start = time.perf_counter()
    # the first point runs here: it loads (or compiles) the engine once, before any fork
    first = _run_point(specs[0], duration)
    outcomes = [first]
    if progress is not None:
        progress(1)
    if jobs == 1 or len(specs) == 1:
        for s in specs[1:]:
            outcomes.append(_run_point(s, duration))
            if progress is not None:
                progress(1)
    else:
        context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
        with ProcessPoolExecutor(min(jobs, len(specs) - 1), mp_context=context) as pool:
            for outcome in pool.map(_run_point, specs[1:], itertools.repeat(duration)):
                outcomes.append(outcome)
                if progress is not None:
                    progress(1)
    rows = [{**point, **summary, "sim_seconds": sim}
            for point, (summary, sim) in zip(points, outcomes, strict=True)]  # fmt: skip
    return {"rows": rows, "seconds": time.perf_counter() - start, "jobs": jobs}


def parse_setting(text: str) -> tuple[str, list[Any]]:
    """``"a.b=[1, 2]"`` -> ``("a.b", [1, 2])``; a single value is a one-point list."""
    path, sep, values = text.partition("=")
    if not sep or not path.strip():
        raise InputError(f"`set` {text!r}: expected KEY.PATH=[v1,v2,...]")
    try:
        parsed = yaml.safe_load(values)
    except yaml.YAMLError:
        raise InputError(f"`set` {text!r}: the values are not a YAML list") from None
    parsed = parsed if isinstance(parsed, list) else [parsed]
    if not parsed:
        raise InputError(f"`set` {text!r}: no values")
    return path.strip(), parsed


def write_table(rows: list[dict[str, Any]], path: str | Path) -> Path:
    """Write the rows as CSV (``.csv``) or JSON (``.json``), atomically."""
    import csv
    import json

    from axonlab.runs import atomic_path

    path = Path(path)
    if path.suffix not in (".csv", ".json"):
        raise InputError("the table is written as .csv or .json", path=path)
    columns = list(dict.fromkeys(k for row in rows for k in row))
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as fh:
        if path.suffix == ".json":
            json.dump(rows, fh, indent=1)
        else:
            writer = csv.DictWriter(fh, columns)
            writer.writeheader()
            writer.writerows(rows)
    return path
