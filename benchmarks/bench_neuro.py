"""axonlab.neuro against its anchors: HH spike times vs NEURON CVODE / NEST RKF45 (stored figures),
CUBA and COBAHH speed and rate vs Brian2's numpy target (live, in a separate venv, if it can be
run; stored figures otherwise).

    flock /tmp/cpu.lock python benchmarks/bench_neuro.py [--brian2-python PYTHON]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from axonlab import neuro  # noqa: E402
from axonlab.neuro.arrays.build import build  # noqa: E402
from axonlab.neuro.spec import NetworkSpec  # noqa: E402
from report import write_section  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
REF = ROOT.parent / "shared" / "reference" / "neuro"
BRIAN2_CUBA = textwrap.dedent("""
    import json, time
    from brian2 import *
    prefs.codegen.target = "numpy"
    seed(1234)
    taum, taue, taui = 20*ms, 5*ms, 10*ms
    Vt, Vr, El = -50*mV, -60*mV, -49*mV
    eqs = '''dv/dt = (ge+gi-(v-El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : volt
    dgi/dt = -gi/taui : volt'''
    P = NeuronGroup(4000, eqs, threshold='v>Vt', reset='v = Vr', refractory=5*ms, method='exact')
    P.v = 'Vr + rand() * (Vt - Vr)'
    we, wi = (60*0.27/10)*mV, (-20*4.5/10)*mV
    Ce = Synapses(P, P, on_pre='ge += we'); Ce.connect('i<3200', p=0.02)
    Ci = Synapses(P, P, on_pre='gi += wi'); Ci.connect('i>=3200', p=0.02)
    s_mon = SpikeMonitor(P)
    net = Network(collect()); net.run(0*ms)
    t = time.perf_counter(); net.run(1*second); sim = time.perf_counter() - t
    print(json.dumps({"sim_s": sim, "rate_hz": s_mon.num_spikes / 4000.0}))
""")

# Brette et al. (2007) COBAHH as Brian2's examples/COBAHH.py writes it (its equations and
# constants); timed like the CUBA script above.
BRIAN2_COBAHH = textwrap.dedent("""
    import json, time
    from brian2 import *
    prefs.codegen.target = "numpy"
    seed(1234)
    area = 20000*umetre**2
    Cm = (1*ufarad*cm**-2) * area
    gl = (5e-5*siemens*cm**-2) * area
    El, EK, ENa, VT = -60*mV, -90*mV, 50*mV, -63*mV
    g_na = (100*msiemens*cm**-2) * area
    g_kd = (30*msiemens*cm**-2) * area
    taue, taui, Ee, Ei, we, wi = 5*ms, 10*ms, 0*mV, -80*mV, 6*nS, 67*nS
    eqs = Equations('''
    dv/dt = (gl*(El-v)+ge*(Ee-v)+gi*(Ei-v)-g_na*(m*m*m)*h*(v-ENa)-g_kd*(n*n*n*n)*(v-EK))/Cm : volt
    dm/dt = alpha_m*(1-m)-beta_m*m : 1
    dn/dt = alpha_n*(1-n)-beta_n*n : 1
    dh/dt = alpha_h*(1-h)-beta_h*h : 1
    dge/dt = -ge*(1./taue) : siemens
    dgi/dt = -gi*(1./taui) : siemens
    alpha_m = 0.32*(mV**-1)*4*mV/exprel((13*mV-v+VT)/(4*mV))/ms : Hz
    beta_m = 0.28*(mV**-1)*5*mV/exprel((v-VT-40*mV)/(5*mV))/ms : Hz
    alpha_h = 0.128*exp((17*mV-v+VT)/(18*mV))/ms : Hz
    beta_h = 4./(1+exp((40*mV-v+VT)/(5*mV)))/ms : Hz
    alpha_n = 0.032*(mV**-1)*5*mV/exprel((15*mV-v+VT)/(5*mV))/ms : Hz
    beta_n = .5*exp((10*mV-v+VT)/(40*mV))/ms : Hz
    ''')
    P = NeuronGroup(4000, model=eqs, threshold='v>-20*mV', refractory=3*ms,
                    method='exponential_euler')
    Ce = Synapses(P[:3200], P, on_pre='ge+=we'); Ce.connect(p=0.02)
    Ci = Synapses(P[3200:], P, on_pre='gi+=wi'); Ci.connect(p=0.02)
    P.v = 'El + (randn() * 5 - 5)*mV'
    P.ge = '(randn() * 1.5 + 4) * 10.*nS'
    P.gi = '(randn() * 12 + 20) * 10.*nS'
    s_mon = SpikeMonitor(P)
    net = Network(collect()); net.run(0*ms)
    t = time.perf_counter(); net.run(1*second); sim = time.perf_counter() - t
    print(json.dumps({"sim_s": sim, "rate_hz": s_mon.num_spikes / 4000.0}))
""")


def hh_errors() -> list[str]:
    rows = []
    for name in ("neuron_hh_cvode", "nest_hh"):
        ref = json.loads((REF / f"{name}.json").read_text())["per_current"]
        currents = [r["I_uA_cm2"] for r in ref]
        net = neuro.Network(dt=0.01)
        net.add("hh", neuro.HodgkinHuxley(), n=len(currents))
        net.stimulate("hh", current=currents)
        sp = net.run(200.0).spikes("hh")
        worst, counts_ok = 0.0, True
        for j, r in enumerate(ref):
            mine, theirs = sp.train(j), np.array(r["spike_times_ms"])
            counts_ok &= mine.size == theirs.size
            if mine.size == theirs.size and mine.size:
                worst = max(worst, float(np.abs(mine - theirs).max()))
        rows.append(f"| {name} | {len(ref)} currents (0-20 uA/cm2) | {counts_ok} | {worst:.5f} |")
    return rows


def cuba_spec(n: int) -> NetworkSpec:
    """The bundled CUBA spec scaled to ``n`` neurons at ~80 synapses each (p = 80/N)."""
    spec = yaml.safe_load((ROOT / "examples/neuro/cuba.yaml").read_text())
    spec["populations"]["exc"]["n"], spec["populations"]["inh"]["n"] = n * 4 // 5, n // 5
    for conn in spec["connections"]:
        conn["p"] = 80 / n
    return NetworkSpec.model_validate(spec)


def timed_runs(spec: NetworkSpec, repeats: int) -> tuple[list[float], float, neuro.Network]:
    """Simulation-loop seconds of ``repeats`` runs of ``spec``, the mean rate (Hz) over all its
    neurons, and the last network built."""
    sims, rate = [], 0.0
    n = sum(p.n for p in spec.populations.values())
    for run in range(repeats + 1):  # the first is a warm-up (fresh pages, cold caches), not kept
        net = neuro.network_from_spec(spec)
        res = net.run(spec.duration)
        if run:
            sims.append(res.sim_seconds)
        rate = sum(len(res.spikes(p)) for p in spec.populations) / n
    return sims, rate, net


def cobahh_axonlab(repeats: int) -> tuple[list[float], float]:
    """Simulation-loop seconds per run of the bundled COBAHH spec and its mean rate (Hz)."""
    sims, rate, _ = timed_runs(neuro.load_spec(ROOT / "examples/neuro/cobahh.yaml"), repeats)
    return sims, rate


def cuba_axonlab(n: int, repeats: int) -> tuple[list[float], float, float]:
    """Simulation-loop seconds per run, mean rate (Hz) and synapse memory (bytes per synapse)."""
    sims, rate, net = timed_runs(cuba_spec(n), repeats)
    synapses = build(net, 1).loop.exp
    columns = (synapses.post, synapses.ch, synapses.w, synapses.d)
    per_syn = sum(a.nbytes for a in columns) / synapses.post.size
    return sims, rate, per_syn


def whole_process(repeats: int) -> list[float]:
    """Seconds from a fresh ``axonlab sim run cuba.yaml --json`` process to its output."""
    times = []
    for _ in range(repeats + 1):  # the first run fills numba's cache
        t = time.perf_counter()
        subprocess.run(
            [
                str(Path(sys.executable).parent / "axonlab"),
                "sim",
                "run",
                str(ROOT / "examples/neuro/cuba.yaml"),
                "--json",
            ],
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - t)
    return times[1:]


def brian2_live(python: str, script: str, repeats: int) -> tuple[list[float], float] | None:
    """Simulation-loop seconds per run and mean rate of a Brian2 script, or None if it fails."""
    sims, rate = [], 0.0
    for _ in range(repeats):
        out = subprocess.run([python, "-c", script], capture_output=True, text=True)
        if out.returncode != 0:
            print(out.stderr[-2000:], file=sys.stderr)
            return None
        data = json.loads(out.stdout.strip().splitlines()[-1])
        sims.append(data["sim_s"])
        rate = data["rate_hz"]
    return sims, rate


# Brian2 2.11 on this kind of machine, from ../shared/reference/neuro/summary.md (p = 80/N, 1 s)
BRIAN2_SCALE = {4000: (0.610, 0.045), 16000: (1.278, 0.176), 64000: (4.247, 0.947)}
BRIAN2_STANDALONE_WARM_TOTAL = 1.583  # s, construction to results, C++ standalone, compiled
# COBAHH (4000 neurons, 1 s) from the same summary: sim loop s and mean rate Hz
BRIAN2_COBAHH_NUMPY, BRIAN2_COBAHH_STANDALONE, NEST_COBAHH = (
    (7.600, 35.54),
    (2.944, 33.78),
    (13.874, 37.42),
)


def brian2_row(args, script: str, have_b2: bool) -> tuple[float, str] | None:
    """Median simulation-loop seconds of a live Brian2 numpy run and its table row, or None."""
    b2 = brian2_live(args.brian2_python, script, args.repeats) if have_b2 else None
    if b2 is None:
        return None
    b2_sim = statistics.median(b2[0])
    return b2_sim, (
        f"| Brian2 2.11 numpy (live, same run) | {len(b2[0])} | {b2_sim:.3f} | {b2[1]:.2f} |"
    )


def cobahh_lines(args, have_b2: bool) -> list[str]:
    sims, rate = cobahh_axonlab(args.repeats)
    ours = statistics.median(sims)
    lines = [
        "",
        "### COBAHH (4000 Traub–Miles HH neurons, conductance synapses, p = 0.02, 1 s, "
        "dt 0.1 ms), 1 thread",
        "",
        "| simulator | runs | sim loop s (median) | mean rate Hz |",
        "|---|---|---|---|",
        f"| axonlab (numba, exponential Euler, gate tables) | {len(sims)} | {ours:.3f} | "
        f"{rate:.2f} |",
    ]
    b2 = brian2_row(args, BRIAN2_COBAHH, have_b2)
    stored = BRIAN2_COBAHH_NUMPY[0]
    b2_sim = stored if b2 is None else b2[0]
    lines += [] if b2 is None else [b2[1]]
    lines += [
        f"| Brian2 2.11 numpy (stored figure) | 3 | {stored:.3f} | {BRIAN2_COBAHH_NUMPY[1]:.2f} |",
        f"| Brian2 C++ standalone (stored figure) | 3 | {BRIAN2_COBAHH_STANDALONE[0]:.3f} | "
        f"{BRIAN2_COBAHH_STANDALONE[1]:.2f} |",
        f"| NEST 3.10, 1 thread (stored figure) | 3 | {NEST_COBAHH[0]:.3f} | "
        f"{NEST_COBAHH[1]:.2f} |",
        "",
        f"axonlab / Brian2 numpy speed-up: **{b2_sim / ours:.2f}x** "
        f"({'stored figure' if b2 is None else 'live, same run'}; target >= 4x); "
        f"against the stored {stored:.3f} s figure {stored / ours:.2f}x; vs Brian2 C++ "
        f"standalone (stored) {BRIAN2_COBAHH_STANDALONE[0] / ours:.2f}x. Brian2 run live "
        "in this venv has been 2-3x slower than its stored figures (cause not established), "
        "so the stored figure is the anchor. The mean rate moves with the seed (34-42 Hz "
        "over seeds 1-3 in a check here); Brian2's example starts the gates at 0, ours at "
        "their steady state.",
    ]
    return lines


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--brian2-python", default="/tmp/brian2-venv/bin/python")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    t0 = time.perf_counter()
    lines = [
        "## Neuron simulation (`axonlab.neuro`)",
        "",
        "### HH spike times (dt = 0.01 ms, RK4) vs stored reference figures",
        "",
        "| reference | currents | same spike counts | worst spike-time error (ms) |",
        "|---|---|---|---|",
        *hh_errors(),
        "",
        "### CUBA (4000 LIF, p = 0.02, 1 s, dt 0.1 ms): simulation loop, 1 thread",
        "",
        "| simulator | runs | sim loop s (median) | mean rate Hz |",
        "|---|---|---|---|",
    ]
    sims, rate, _ = cuba_axonlab(4000, args.repeats)
    ours = statistics.median(sims)
    lines.append(f"| axonlab (numba) | {len(sims)} | {ours:.3f} | {rate:.2f} |")
    have_b2 = Path(args.brian2_python).exists()
    b2 = brian2_row(args, BRIAN2_CUBA, have_b2)
    if b2 is not None:
        b2_sim = b2[0]
        lines.append(b2[1])
    else:
        b2_sim = BRIAN2_SCALE[4000][0]
        lines.append(
            f"| Brian2 2.11 numpy (stored figure; not runnable here) | 3 | {b2_sim:.3f} | 5.88 |"
        )
    lines.append("| Brian2 C++ standalone (stored figure) | 3 | 0.043 | 5.70 |")
    lines.append("| NEST 3.10, 1 thread (stored figure) | 3 | 0.576 | 5.52 |")
    procs = whole_process(args.repeats)
    lines += [
        "",
        f"axonlab / Brian2 numpy speed-up: **{b2_sim / ours:.2f}x** in this run "
        f"(target >= 6x); against the stored 0.610 s figure {0.610 / ours:.2f}x; "
        f"vs NEST 1 thread (stored) {0.576 / ours:.2f}x.",
        "Whole process (`axonlab sim run examples/neuro/cuba.yaml --json`, numba cache warm, "
        f"median of {len(procs)}): {statistics.median(procs):.2f} s vs Brian2 C++ standalone "
        f"warm total {BRIAN2_STANDALONE_WARM_TOTAL} s (target: no slower).",
        "",
        "### CUBA scaling (p = 80/N, 1 s); Brian2 columns are stored figures",
        "",
        "| N | axonlab sim loop s (median) | ns per neuron-step | rate Hz | "
        "bytes per synapse | Brian2 numpy s | vs Brian2 numpy | Brian2 C++ standalone s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n, (numpy_s, cpp_s) in BRIAN2_SCALE.items():
        sims, rate, per_syn = cuba_axonlab(n, args.repeats)
        med = statistics.median(sims)
        lines.append(
            f"| {n} | {med:.3f} | {med / n / 10_000 * 1e9:.2f} | {rate:.2f} | "
            f"{per_syn:.0f} | {numpy_s:.3f} | {numpy_s / med:.2f}x | {cpp_s:.3f} |"
        )
    lines += cobahh_lines(args, have_b2)
    lines += ["", f"Benchmark wall time {time.perf_counter() - t0:.1f} s."]
    body = "\n".join(lines)
    print(body)
    write_section("neuro", body)


if __name__ == "__main__":
    main()
