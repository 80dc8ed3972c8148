"""Synapses that learn, against their anchors, in one run:

- Song, Miller & Abbott (2000) as Brian2's examples/synapses/STDP.py: 1,000 Poisson inputs
  (15 Hz) with additive STDP onto one LIF neuron, 100 s; the fractions of weights above 0.9 and
  below 0.1 w_max (mean over seeds) vs Brian2 run live (numpy target, its own venv), and the
  simulation-loop time vs Brian2's numpy target and C++ standalone;
- Tsodyks–Markram: released transmitter of a regular and a Poisson train vs the recursion;
- dopamine-gated STDP (examples/neuro/dopamine_reward.yaml): the rewarded synapse vs the rest;
- a 16-point CUBA grid with --jobs 2 vs serially.

    flock /tmp/cpu.lock python benchmarks/bench_plasticity.py [--brian2-python PY] [--seeds 5]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from axonlab import neuro  # noqa: E402
from axonlab.neuro.grid import run_grid  # noqa: E402
from axonlab.neuro.spec import load_spec, network_from_spec  # noqa: E402
from report import write_section  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SONG = ROOT / "examples/neuro/stdp_song2000.yaml"
REWARD = ROOT / "examples/neuro/dopamine_reward.yaml"
BRIAN2_SONG = textwrap.dedent('''
    import json, sys, time as clock
    from brian2 import *
    target, seed_value, duration_s = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    if target == "cpp_standalone":
        set_device("cpp_standalone", directory=sys.argv[4], build_on_run=False)
    else:
        prefs.codegen.target = "numpy"
    seed(seed_value)
    N = 1000
    taum = 10*ms; taupre = 20*ms; taupost = taupre; Ee = 0*mV; vt = -54*mV; vr = -60*mV
    El = -74*mV; taue = 5*ms; F = 15*Hz; gmax = .01; dApre = .01
    dApost = -dApre * taupre / taupost * 1.05
    dApost *= gmax; dApre *= gmax
    eqs_neurons = """dv/dt = (ge * (Ee-v) + El - v) / taum : volt
    dge/dt = -ge / taue : 1"""
    poisson_input = PoissonGroup(N, rates=F)
    neurons = NeuronGroup(1, eqs_neurons, threshold="v>vt", reset="v = vr", method="euler")
    S = Synapses(poisson_input, neurons,
                 """w : 1
                    dApre/dt = -Apre / taupre : 1 (event-driven)
                    dApost/dt = -Apost / taupost : 1 (event-driven)""",
                 on_pre="""ge += w
                        Apre += dApre
                        w = clip(w + Apost, 0, gmax)""",
                 on_post="""Apost += dApost
                         w = clip(w + Apre, 0, gmax)""")
    S.connect()
    S.w = "rand() * gmax"
    net = Network(collect())
    if target == "cpp_standalone":
        start = clock.perf_counter()
        net.run(duration_s * second)
        device.build(run=True)
        total, sim = clock.perf_counter() - start, float(device._last_run_time)
    else:
        net.run(0 * ms)
        start = clock.perf_counter()
        net.run(duration_s * second)
        sim = total = clock.perf_counter() - start
    w = S.w[:] / gmax
    print(json.dumps({"sim_s": sim, "total_s": total, "above": float((w > 0.9).mean()),
                      "below": float((w < 0.1).mean())}))
''')


def song_axonlab(seed: int, duration_ms: float) -> dict:
    spec = load_spec(SONG).model_copy(update={"seed": seed})
    result = network_from_spec(spec).run(duration_ms)
    w = result.weights("stdp") / 0.001
    return {
        "sim_s": result.sim_seconds,
        "above": float(np.mean(w > 0.9)),
        "below": float(np.mean(w < 0.1)),
        "rate_hz": result.spikes("neuron").rate_hz,
    }


def song_brian2(python: str, target: str, seed: int, duration_ms: float) -> dict | None:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [python, "-c", BRIAN2_SONG, target, str(seed), str(duration_ms / 1000), tmp],
            capture_output=True,
            text=True,
            cwd=tmp,
        )
    if out.returncode != 0:
        print(out.stderr[-3000:], file=sys.stderr)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def song_lines(args) -> list[str]:
    seeds = range(1, args.seeds + 1)
    ours = [song_axonlab(s, args.duration) for s in seeds]
    numpy_runs = [song_brian2(args.brian2_python, "numpy", s, args.duration) for s in seeds]
    numpy_runs = [r for r in numpy_runs if r is not None]
    cpp = song_brian2(args.brian2_python, "cpp_standalone", 1, args.duration)
    mean = lambda runs, key: statistics.mean(r[key] for r in runs)  # noqa: E731
    med = lambda runs: statistics.median(r["sim_s"] for r in runs)  # noqa: E731
    lines = [
        f"### Song, Miller & Abbott (2000): 1000 Poisson inputs (15 Hz), additive STDP, one LIF "
        f"neuron, {args.duration / 1000:g} s, dt 0.1 ms, {args.seeds} seeds each",
        "",
        "| simulator | seeds | weights > 0.9 w_max | weights < 0.1 w_max | sim loop s (median) |",
        "|---|---|---|---|---|",
        f"| axonlab | {len(ours)} | {mean(ours, 'above'):.1%} | {mean(ours, 'below'):.1%} | "
        f"{med(ours):.2f} |",
    ]
    if numpy_runs:
        lines.append(
            f"| Brian2 2.11 numpy (live, same run) | {len(numpy_runs)} | "
            f"{mean(numpy_runs, 'above'):.1%} | {mean(numpy_runs, 'below'):.1%} | "
            f"{med(numpy_runs):.2f} |"
        )
    if cpp is not None:
        lines.append(
            f"| Brian2 2.11 C++ standalone (live, compiled in the run) | 1 | {cpp['above']:.1%} | "
            f"{cpp['below']:.1%} | {cpp['sim_s']:.2f} (whole build+run {cpp['total_s']:.1f} s) |"
        )
    if numpy_runs:
        gap_above = abs(mean(ours, "above") - mean(numpy_runs, "above")) * 100
        gap_below = abs(mean(ours, "below") - mean(numpy_runs, "below")) * 100
        lines += [
            "",
            f"Fractions agree within **{gap_above:.1f} / {gap_below:.1f} points** (above / "
            f"below; target <= 5). Simulation loop **{med(numpy_runs) / med(ours):.1f}x** "
            "faster than Brian2's numpy target (target >= 5x)"
            + (f", {cpp['sim_s'] / med(ours):.2f}x Brian2 C++ standalone's." if cpp else "."),
            "Per seed, axonlab above/below: "
            + ", ".join(f"{r['above']:.1%}/{r['below']:.1%}" for r in ours)
            + "; Brian2 numpy: "
            + ", ".join(f"{r['above']:.1%}/{r['below']:.1%}" for r in numpy_runs)
            + f". Output rate (axonlab) {statistics.mean(r['rate_hz'] for r in ours):.1f} Hz. "
            "Brian2 integrates V by forward Euler, axonlab exactly; both draw their own Poisson "
            "trains, so seeds do not pair up.",
        ]
    return lines


def stp_lines() -> list[str]:
    stp = neuro.TsodyksMarkram(U=0.3, tau_rec=120.0, tau_facil=60.0)
    dt = 0.1
    net = neuro.Network(dt=dt, seed=4)
    net.add("regular", neuro.LIF(t_ref=0.0))
    net.add("poisson", neuro.PoissonSource(rate_hz=30.0))
    net.add("post", neuro.LIF(), n=2)
    syn = neuro.ChemicalSynapse("glutamate", "AMPA", g_max=0.01)
    for target, pre in enumerate(("regular", "poisson")):
        net.connect(
            pre, "post", syn, rule="pairs", pairs=[(0, target)], name=f"{pre}_syn", short_term=stp
        )
        net.monitor(f"{pre}_syn", ["T"])
    for k in range(1, 41):  # 20 Hz
        net.stimulate("regular", current=1e4, start=50.0 * k / 2 - dt, stop=50.0 * k / 2)
    result = net.run(2000.0)
    decay = math.exp(-syn.constants()["k_clear"] * dt)
    rows = []
    for pre in ("regular", "poisson"):
        times = np.asarray(result.spikes(pre).times)
        cleft = np.asarray(result.trace(f"{pre}_syn", "T"))
        at = np.rint(times / dt).astype(int)
        released = cleft[at] - cleft[at - 1] * decay
        expected = syn.constants()["release"] * np.array(stp.efficacies(times.tolist()))
        worst = float(np.max(np.abs(released / expected - 1)))
        rows.append(
            f"| {pre} | {times.size} | {expected.min():.4f}-{expected.max():.4f} | {worst:.1e} |"
        )
    return [
        "### Tsodyks–Markram short-term plasticity vs its recursion (U 0.3, tau_rec 120 ms, "
        "tau_facil 60 ms)",
        "",
        "| train | spikes | released per spike (mM) | worst relative error |",
        "|---|---|---|---|",
        *rows,
        "",
        "Target: 1e-9 relative.",
    ]


def reward_lines(duration_ms: float) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    spec = load_spec(REWARD)
    result = network_from_spec(spec).run(duration_ms)
    w_max = spec.connections[0].plasticity.w_max
    w = result.weights("plastic") / w_max
    start = spec.connections[0].weight / w_max
    trace = result.trace("plastic", "w") / w_max
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.plot(trace.t / 1000, trace[:, 1:], color="0.75", lw=0.5)
    ax.plot(trace.t / 1000, trace[:, 0], color="C3", lw=2, label="rewarded synapse")
    ax.set(xlabel="time (s)", ylabel="weight / w_max", ylim=(-0.02, 1.02))
    ax.legend(loc="upper left")
    fig.tight_layout()
    image = ROOT / "docs/img/dopamine_reward.png"
    fig.savefig(image, dpi=110)
    others = w[1:]
    rewards = len(result.spikes("dopaminergic"))
    return [
        f"### Dopamine-gated STDP: distal reward of one synapse of 100 "
        f"(`examples/neuro/dopamine_reward.yaml`, {duration_ms / 1000:g} s)",
        "",
        "| synapse | start | final weight / w_max |",
        "|---|---|---|",
        f"| rewarded (input 0) | {start:.2f} | {w[0]:.3f} |",
        f"| the other 99: mean (10th-90th percentile) | {start:.2f} | {others.mean():.3f} "
        f"({np.percentile(others, 10):.3f}-{np.percentile(others, 90):.3f}) |",
        "",
        f"{rewards} dopamine releases; sim loop {result.sim_seconds:.1f} s. Plot: "
        "![weights over time](img/dopamine_reward.png)",
    ]


def sweep_lines(repeats: int) -> list[str]:
    grid = {
        "populations.exc.model.tau_m": [10, 15, 20, 25],
        "connections.0.weight": [0.05, 0.07, 0.09, 0.11],
    }
    spec = ROOT / "examples/neuro/cuba.yaml"
    run_grid(spec, grid, duration=1000.0)  # warm: the engine is loaded, files are cached
    times = {1: [], 2: []}
    for _ in range(repeats):
        for jobs in (1, 2):
            start = time.perf_counter()
            run_grid(spec, grid, jobs=jobs, duration=1000.0)
            times[jobs].append(time.perf_counter() - start)
    serial, parallel = statistics.median(times[1]), statistics.median(times[2])
    return [
        "### Sweep: CUBA (4000 LIF), 16-point grid (tau_m x weight), 1 s each",
        "",
        f"| jobs | wall s (median of {repeats}) |",
        "|---|---|",
        f"| 1 | {serial:.2f} |",
        f"| 2 | {parallel:.2f} |",
        "",
        f"`--jobs 2` takes **{parallel / serial:.2f}x** the serial time (target <= 0.6x).",
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--brian2-python", default="/tmp/brian2-venv/bin/python")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--duration", type=float, default=100_000.0, help="Song network, ms")
    ap.add_argument("--reward-duration", type=float, default=600_000.0)
    ap.add_argument("--sweep-repeats", type=int, default=3)
    args = ap.parse_args()
    body = "\n".join(
        [
            *song_lines(args),
            "",
            *stp_lines(),
            "",
            *reward_lines(args.reward_duration),
            "",
            *sweep_lines(args.sweep_repeats),
        ]
    )
    print(body)
    write_section("plasticity", body)


if __name__ == "__main__":
    main()
