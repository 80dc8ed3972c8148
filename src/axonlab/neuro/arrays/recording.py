"""Build the engine's recording arrays: which state each recorded column reads (the monitors the
user asked for, and the defaults: small populations' ``v``, small chemical projections' ``T``
and ``r``, small plastic projections' ``w``, every volume's concentration). Part of
:mod:`axonlab.neuro.arrays.build`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from axonlab.errors import InputError
from axonlab.neuro.arrays import layout as lay
from axonlab.neuro.arrays.layout import CURRENT_ROWS, RecordColumn
from axonlab.neuro.description import DEFAULT_TRACE_LIMIT, Monitor
from axonlab.neuro.engine.learning import plastic_weights
from axonlab.neuro.synapses import ChemicalSynapse

if TYPE_CHECKING:
    from axonlab.neuro.arrays.parts import BuildParts
    from axonlab.neuro.description import NetworkDescription

I64 = np.int64


def _default_monitors(net: NetworkDescription) -> list[Monitor]:
    """Small populations record v, small chemical projections T and r, unless monitored."""
    watched = {m.target for m in net.monitors}
    out = [
        Monitor(p.name, ("v",))
        for p in net.populations.values()
        if p.name not in watched and p.n <= DEFAULT_TRACE_LIMIT
    ]
    out += [
        Monitor(
            j.name,
            (("T", "r") if isinstance(j.synapse, ChemicalSynapse) else ())
            + (("w",) if j.plasticity is not None else ()),
        )
        for j in net.projections.values()
        if j.name not in watched
        and (isinstance(j.synapse, ChemicalSynapse) or j.plasticity is not None)
        and j.pre.n * j.post.n <= DEFAULT_TRACE_LIMIT
    ]
    out += [Monitor(v, ("concentration",)) for v in net.volumes if v not in watched]
    return out


def _source(
    net: NetworkDescription, a: BuildParts, target: str, var: str
) -> tuple[int, int, int, int]:
    """(REC_* source, row, global offset, element count) of ``var`` of ``target``."""
    if target in net.volumes:
        if var != "concentration":
            raise InputError(f"monitor {target!r}: a volume records 'concentration'")
        return lay.REC_VOLUME, 0, list(net.volumes).index(target), 1
    learned = ("w", "eligibility") if target in a.plastic_index else ()
    if var in learned:
        sl = a.plastic_index[target]
        return lay.REC_WEIGHT, learned.index(var), sl.start, sl.stop - sl.start
    if target in a.chem_index and var in ("T", "r"):
        sl = a.chem_index[target]
        return lay.REC_CHEMICAL, ("T", "r").index(var), sl.start, sl.stop - sl.start
    if target in net.projections:
        have = [*(("T", "r") if target in a.chem_index else ()), *learned]
        if not have:
            raise InputError(
                f"monitor {target!r}: only chemical and plastic projections have state to record"
            )
        raise InputError(f"monitor {target!r}: unknown variable {var!r}; expected one of {have}")
    pop = net.populations[target]
    size = (a.offsets[pop.name], pop.n)
    if var in pop.model.state_names:
        return (lay.REC_STATE, pop.model.state_names.index(var)) + size
    if var in CURRENT_ROWS:
        return (lay.REC_CURRENT, CURRENT_ROWS[var]) + size
    incoming = {j.name for j in net.projections.values() if j.post is pop}
    if var in incoming and var in a.channel_of:
        return (lay.REC_CHANNEL, a.channel_of[var]) + size
    allowed = [*pop.model.state_names, *CURRENT_ROWS, *sorted(incoming & set(a.channel_of))]
    raise InputError(f"monitor {target!r}: unknown variable {var!r}; expected one of {allowed}")


def recording(net: NetworkDescription, a: BuildParts, n_steps: int) -> dict[str, np.ndarray]:
    """The fields of :class:`~axonlab.neuro.arrays.layout.Recording`; appends each column to
    ``a.columns``."""
    src, row, idx, every = [], [], [], []
    for mon in [*net.monitors, *_default_monitors(net)]:
        step = max(1, int(round(mon.every / net.dt))) if mon.every else 1
        for var in mon.variables:
            code, r, offset, count = _source(net, a, mon.target, var)
            chosen = range(count) if mon.neurons is None else mon.neurons
            for i in chosen:
                if not 0 <= i < count:
                    raise InputError(f"monitor {mon.target!r}: index {i} outside 0..{count - 1}")
                a.columns.append(RecordColumn(mon.target, var, int(i), step))
                src.append(code)
                row.append(r)
                idx.append(offset + int(i))
                every.append(step)
    rows = n_steps // min(every, default=1) + 1
    buf = np.full((rows, len(src)), np.nan)
    state, ch_val = a.neurons["state"], a.groups["channels"]["val"]
    plastic, vols = a.groups["plastic"], a.groups["volumes"]
    weights = plastic_weights(
        plastic["on_chem"], plastic["where"], a.groups["exp"]["w"], a.groups["chem"]["par"]
    )
    for col, (code, r, i) in enumerate(zip(src, row, idx, strict=True)):
        if code == lay.REC_STATE:
            buf[0, col] = state[r, i]
        elif code == lay.REC_CHANNEL:
            buf[0, col] = ch_val[r, i]
        elif code == lay.REC_WEIGHT and r == 0:
            buf[0, col] = weights[i]
        elif code == lay.REC_VOLUME:
            buf[0, col] = vols["conc"][i]
        else:
            buf[0, col] = 0.0
    return dict(
        src=np.array(src, I64),
        row=np.array(row, I64),
        idx=np.array(idx, I64),
        every=np.array(every, I64),
        buf=buf,
    )
