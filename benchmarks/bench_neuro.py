"""axonlab.neuro against its anchors: HH spike times vs NEURON CVODE / NEST RKF45 (stored figures),
CUBA speed and rate vs Brian2's numpy target (live, in a separate venv, if it can be run).

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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from axonlab import neuro  # noqa: E402
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


def cuba_axonlab(repeats: int) -> tuple[list[float], float]:
    sims, rate = [], 0.0
    for _ in range(repeats):
        net = neuro.network_from_spec(neuro.load_spec(ROOT / "examples/neuro/cuba.yaml"))
        res = net.run(1000.0)
        sims.append(res.sim_seconds)
        sp = [res.spikes(p) for p in ("exc", "inh")]
        rate = sum(len(s) for s in sp) / 4000.0
    return sims, rate


def cuba_brian2(python: str, repeats: int) -> tuple[list[float], float] | None:
    sims, rate = [], 0.0
    for _ in range(repeats):
        out = subprocess.run([python, "-c", BRIAN2_CUBA], capture_output=True, text=True)
        if out.returncode != 0:
            print(out.stderr[-2000:], file=sys.stderr)
            return None
        data = json.loads(out.stdout.strip().splitlines()[-1])
        sims.append(data["sim_s"])
        rate = data["rate_hz"]
    return sims, rate


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--brian2-python", default="/tmp/brian2-venv/bin/python")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    lines = ["### HH spike times (dt = 0.01 ms, RK4) vs stored reference figures", "",
             "| reference | currents | same spike counts | worst spike-time error (ms) |",
             "|---|---|---|---|", *hh_errors(), "",
             "### CUBA (4000 LIF, p = 0.02, 1 s, dt 0.1 ms): simulation loop", "",
             "| simulator | runs | sim loop s (median) | mean rate Hz |", "|---|---|---|---|"]
    t0 = time.perf_counter()
    sims, rate = cuba_axonlab(args.repeats)
    lines.append(f"| axonlab (numba) | {len(sims)} | {statistics.median(sims):.3f} | {rate:.2f} |")
    have_b2 = Path(args.brian2_python).exists()
    b2 = cuba_brian2(args.brian2_python, args.repeats) if have_b2 else None
    if b2 is not None:
        lines.append(f"| Brian2 numpy (live, same run) | {len(b2[0])} | "
                     f"{statistics.median(b2[0]):.3f} | {b2[1]:.2f} |")
        ratio = statistics.median(b2[0]) / statistics.median(sims)
        lines += ["", f"axonlab / Brian2 numpy speed-up: {ratio:.2f}x (target >= 6x)."]
    else:
        lines += ["", "Brian2 could not be run live here; stored reference (2-core machine, "
                  "Brian2 2.11 numpy): sim loop 0.61 s, 5.88 Hz. "
                  f"Speed-up against that figure: {0.61 / statistics.median(sims):.2f}x "
                  "(target >= 6x)."]
    lines.append(f"\nBenchmark wall time {time.perf_counter() - t0:.1f} s.")
    body = "\n".join(lines)
    print(body)
    write_section("neuro", body)


if __name__ == "__main__":
    main()
