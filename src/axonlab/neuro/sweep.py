"""Many specs, one table: run a list of YAML network specs here, or as Ray tasks on a cluster.

Each spec is an independent simulation, so a sweep is the simplest kind of parallel work: Ray
runs one task per spec (one CPU each) wherever it has room, and the table is the same one the
local engine makes, in the order the specs were given.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from axonlab.errors import InputError

ENGINES = ("local", "ray")


def spec_summary(spec: str | Path, duration: float | None = None) -> dict[str, Any]:
    """Simulate one YAML spec: :func:`run_summary` of its result."""
    from axonlab.neuro.spec import load_spec, network_from_spec

    parsed = load_spec(spec)
    result = network_from_spec(parsed).run(parsed.duration if duration is None else duration)
    return run_summary(result, spec)


def run_summary(result: Any, spec: str | Path) -> dict[str, Any]:
    """A result's summary (spike counts and rates per population) with ``spec`` and each
    population's figures at the top, and the f-I curves of current sweeps."""
    from axonlab.neuro.results.plot import current_sweeps

    summary = result.summary()
    summary["spec"] = str(spec)
    summary.update(
        {name: pop for name, pop in summary["populations"].items() if name not in summary}
    )
    sweeps = current_sweeps(result)
    if sweeps:
        summary["fi_curves"] = {
            s.population: {"current_ua_cm2": s.currents.tolist(), "rate_hz": s.rates_hz.tolist()}
            for s in sweeps
        }
    return summary


def run_sweep(
    specs: Sequence[str | Path],
    *,
    engine: str = "local",
    address: str | None = None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Simulate every spec: ``{"runs": [summary, ...] (in the order given), "seconds"}``.
    Every spec is checked before any runs."""
    from axonlab.neuro.spec import load_spec

    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}; expected one of {list(ENGINES)}")
    if not specs:
        raise InputError("no specs to run")
    for spec in specs:
        load_spec(spec)  # a bad spec stops the sweep before the first simulation
    start = time.perf_counter()
    if engine == "local":
        runs = []
        for spec in specs:
            runs.append(spec_summary(spec))
            if progress is not None:
                progress(1)
    else:
        runs = _on_ray([str(s) for s in specs], address, workers, progress)
    return {"runs": runs, "seconds": time.perf_counter() - start}


def _on_ray(specs: list[str], address, workers, progress) -> list[dict[str, Any]]:
    import ray

    started_here = not ray.is_initialized()
    if started_here:
        local = {"num_cpus": workers} if address is None and workers else {}
        ray.init(address=address, include_dashboard=False, logging_level="ERROR",
                 log_to_driver=False, **local)  # fmt: skip
    try:
        task = ray.remote(num_cpus=1)(spec_summary)
        pending = {task.remote(spec): i for i, spec in enumerate(specs)}
        runs: list[dict[str, Any] | None] = [None] * len(specs)
        while pending:
            [done], _ = ray.wait(list(pending))
            runs[pending.pop(done)] = ray.get(done)
            if progress is not None:
                progress(1)
        return runs  # type: ignore[return-value]
    finally:
        if started_here:
            ray.shutdown()
