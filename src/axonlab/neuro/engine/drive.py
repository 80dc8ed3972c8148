"""The synaptic drive of a block of neurons: what reaches each neuron over one step.

The engine calls :func:`synaptic_drive` for each block of neurons ``lo:hi`` right before the
block's model kernel (:mod:`axonlab.neuro.models`) reads the result with
:func:`membrane_inputs` (or, for LIF, the rows directly). The loop is bound by memory traffic,
so one pass per channel both sums the drive and moves the channel on by a step.
"""

from __future__ import annotations

from axonlab.neuro.engine.compiled import jit, jit_inline


@jit
def synaptic_drive(
    lo,
    hi,
    dt,
    uniform,
    has_conductance,
    track_currents,
    state,
    cur,
    ch_val,
    ch_decay,
    ch_is_cond,
    ch_erev,
    ch_prop,
    ring,
    slot,
    drive,
    syn_charge,
):
    """Sum the inputs of neurons lo:hi into ``drive[:, i - lo]`` and advance their channels.

    ``drive`` rows: 0 current channels weighted by ``ch_prop`` (LIF: the exact voltage jump over
    the step; other models: 1, the current itself), 1 sum of conductances g (mS/cm2), 2 sum of
    g*e_rev, 3 external + gap-junction + chemical-synapse current (uA/cm2, rows 0-2 of ``cur``;
    only read if ``track_currents``, when the channels' current is also added to ``cur[2]`` for
    recording). Rows 1-3 are zero and left alone in networks without those inputs (the caller
    allocates ``drive`` zeroed). The inward (depolarising) part of the synaptic current is
    integrated into ``syn_charge`` (nC/cm2, the energy account). ``uniform``: the block's
    neurons share their ``ch_prop`` column (one population, no per-neuron parameters).

    Channels (rows of ``ch_val``) are currents (uA/cm2) or conductances (mS/cm2, current
    g*(e_rev - V)); each is read at t and, in the same pass, replaced by its value at t + dt:
    decayed, plus what arrives through slot ``slot`` of the delay ring (if the network has
    delays; spikes without delay are added by the engine after this step's spikes).
    Channel-major, so every pass is a branch-free loop over neurons that LLVM vectorises.
    """
    _clear_drive(lo, hi, has_conductance, drive)
    if track_currents:
        _external_drive(lo, hi, dt, cur, drive, syn_charge)
    for c in range(ch_val.shape[0]):
        if track_currents:
            _add_channel_current(c, lo, hi, state, ch_val, ch_is_cond[c], ch_erev[c], cur)
        if ch_is_cond[c]:
            _conductance_channel(
                c, lo, hi, dt, ch_decay[c], ch_erev[c], state, ch_val, drive, syn_charge
            )
        elif uniform:
            _current_channel(c, lo, hi, dt, ch_decay[c], ch_prop[c, lo], ch_val, drive, syn_charge)
        else:
            _current_channel_neurons(c, lo, hi, dt, ch_decay[c], ch_prop, ch_val, drive, syn_charge)
        if ring.shape[0] > 1:
            _ring_arrivals(c, lo, hi, slot, ring, ch_val)


# One loop per compiled function below: that is what LLVM reliably vectorises (several loops
# chosen between by run-time flags in one function came out up to five times slower).


@jit
def _clear_drive(lo, hi, has_conductance, drive):
    for i in range(lo, hi):
        drive[0, i - lo] = 0.0
    if has_conductance:
        drive[1:3, : hi - lo] = 0.0


@jit
def _external_drive(lo, hi, dt, cur, drive, syn_charge):
    for i in range(lo, hi):
        drive[3, i - lo] = cur[0, i] + cur[1, i] + cur[2, i]
        syn_charge[i] += max(cur[2, i], 0.0) * dt


@jit
def _conductance_channel(c, lo, hi, dt, decay, e_rev, state, ch_val, drive, syn_charge):
    for i in range(lo, hi):
        g = ch_val[c, i]
        drive[1, i - lo] += g
        drive[2, i - lo] += g * e_rev
        syn_charge[i] += max(g * (e_rev - state[0, i]), 0.0) * dt
        ch_val[c, i] = g * decay


@jit
def _current_channel(c, lo, hi, dt, decay, prop, ch_val, drive, syn_charge):
    for i in range(lo, hi):
        _take_current(c, i, lo, dt, prop, decay, ch_val, drive, syn_charge)


@jit
def _current_channel_neurons(c, lo, hi, dt, decay, ch_prop, ch_val, drive, syn_charge):
    for i in range(lo, hi):
        _take_current(c, i, lo, dt, ch_prop[c, i], decay, ch_val, drive, syn_charge)


@jit_inline
def _take_current(c, i, lo, dt, prop, decay, ch_val, drive, syn_charge):
    val = ch_val[c, i]
    drive[0, i - lo] += val * prop
    syn_charge[i] += max(val, 0.0) * dt
    ch_val[c, i] = val * decay


@jit
def _ring_arrivals(c, lo, hi, slot, ring, ch_val):
    for i in range(lo, hi):
        ch_val[c, i] += ring[slot, c, i]
        ring[slot, c, i] = 0.0


@jit
def _add_channel_current(c, lo, hi, state, ch_val, is_conductance, e_rev, cur):
    """Add channel c's current at t (uA/cm2) to ``cur[2]``, the recorded synaptic current."""
    for i in range(lo, hi):
        val = ch_val[c, i]
        cur[2, i] += val * (e_rev - state[0, i]) if is_conductance else val


@jit
def membrane_inputs(drive, j):
    """(current uA/cm2, sum g mS/cm2, sum g*e_rev) reaching the neuron in column j of a block's
    drive, for the models that integrate current channels as currents (all but LIF)."""
    return drive[3, j] + drive[0, j], drive[1, j], drive[2, j]
