"""The named structures between a network's description and its execution.

:func:`axonlab.neuro.arrays.build.build` fills them, :func:`axonlab.neuro.engine.loop.run_steps`
runs on
them: groups of flat arrays as named tuples (numba takes a named tuple of arrays as one argument;
the engine reads each field once per call), and names for the rows of the parameter, chemical
synapse, current and recording arrays.
Neurons of all populations share one global index (population after population).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

# Rows of a chemical synapse's parameter column (ChemicalSynapses.par)
CHEM_G_MAX, CHEM_RELEASE, CHEM_ALPHA, CHEM_BETA, CHEM_E_REV, CHEM_MG = 0, 1, 2, 3, 4, 5
CHEM_CLEAR_DECAY, CHEM_CLEAR_HALF_DECAY = 6, 7  # exp(-k_clear dt), exp(-k_clear dt / 2)
CHEM_U, CHEM_TAU_REC, CHEM_TAU_FACIL = 8, 9, 10  # Tsodyks–Markram (U 0: no short-term plasticity)
N_CHEM_PARAM = 11
# Rows of a chemical synapse's state (ChemicalSynapses.tr): cleft transmitter T (mM), bound r,
# the Tsodyks–Markram utilisation u and resources R, and the last arrival (ms; -1: none yet)
CHEM_T, CHEM_R, CHEM_STP_U, CHEM_STP_R, CHEM_LAST = 0, 1, 2, 3, 4
N_CHEM_STATE = 5
# Rows of an STDP rule's column (PlasticSynapses.rules); see axonlab.neuro.plasticity
RULE_TAU_PRE, RULE_TAU_POST, RULE_A_PLUS, RULE_A_MINUS, RULE_W_MIN, RULE_W_MAX = 0, 1, 2, 3, 4, 5
RULE_MULTIPLICATIVE, RULE_NEAREST, RULE_ELIG_DECAY, RULE_GAIN, RULE_VOLUME = 6, 7, 8, 9, 10
N_RULE_PARAM = 11  # RULE_ELIG_DECAY: exp(-dt/tau_eligibility); RULE_VOLUME -1: not gated
# Rows of a plastic synapse's state (PlasticSynapses.state)
PL_X_PRE, PL_X_POST, PL_LAST, PL_ELIG = 0, 1, 2, 3
# Rows of the current matrix (Currents.cur), uA/cm2: what a monitor calls them
CURRENT_ROWS = {"i_ext": 0, "i_gap": 1, "i_syn": 2}
I_EXT, I_GAP, I_SYN = 0, 1, 2
# Where a recorded column reads from (Recording.src); its row there is Recording.row
REC_STATE, REC_CHANNEL, REC_CHEMICAL, REC_CURRENT, REC_WEIGHT, REC_VOLUME = 0, 1, 2, 4, 5, 6


class Neurons(NamedTuple):
    """Populations as segments of the global index, and every neuron's state and parameters."""

    kind: np.ndarray  # (segments,) int64 model kind code (axonlab.neuro.models.REGISTRY order)
    lo: np.ndarray  # (segments,) uint64 first neuron; unsigned: see build._neurons
    hi: np.ndarray  # (segments,) uint64 one past the last neuron
    uniform: np.ndarray  # (segments,) bool: one parameter column (and channel weighting) for all
    table_of: np.ndarray  # (segments,) int64: which of ``tables`` the segment's kernel reads
    state: np.ndarray  # (N_STATE, n) float64: v (mV) and the model's variables
    params: np.ndarray  # (N_PARAM, n) float64: rows named by the model's kernel/derived params
    tables: np.ndarray  # (k, rows, cols) float64 lookup tables of the models (NeuronModel.table)


class Channels(NamedTuple):
    """Exponential synaptic channels: one value per (channel, neuron), shared by all synapses of
    one (kind, tau, e_rev)."""

    val: np.ndarray  # (k, n) float64 current (uA/cm2) or conductance (mS/cm2)
    decay: np.ndarray  # (k,) exp(-dt / tau)
    is_cond: np.ndarray  # (k,) bool: conductance (current g * (e_rev - V)) or current
    erev: np.ndarray  # (k,) mV
    prop: np.ndarray  # (k, n) weight of a current channel in the drive (NeuronModel.channel_weight)
    ring: np.ndarray  # (delay slots, k, n) arrivals d steps ahead


class ExpSynapses(NamedTuple):
    """Exponential synapses sorted by presynaptic neuron: 17 bytes each."""

    ptr: np.ndarray  # (n + 1,) uint64: synapses of neuron i are ptr[i]:ptr[i + 1]
    post: np.ndarray  # uint32 target neuron
    ch: np.ndarray  # uint8 (uint16 past 256 channels) channel
    w: np.ndarray  # float64 weight (uA/cm2 or mS/cm2)
    d: np.ndarray  # uint32 delay in steps


class ChemicalSynapses(NamedTuple):
    """Kinetic chemical synapses with per-synapse cleft transmitter and bound receptors."""

    pre: np.ndarray  # int64
    post: np.ndarray  # int64
    d: np.ndarray  # int64 delay in steps
    par: np.ndarray  # (N_CHEM_PARAM, m) float64, rows CHEM_*
    tr: np.ndarray  # (N_CHEM_STATE, m) float64, rows CHEM_T, CHEM_R, ...
    spike_hist: np.ndarray  # (delay slots, n) bool: who fired d steps back


class PlasticSynapses(NamedTuple):
    """Synapses whose weight STDP changes, in projection order; the weight itself stays where
    its synapse keeps it (``ExpSynapses.w`` or the g_max row of ``ChemicalSynapses.par``)."""

    on_chem: np.ndarray  # (m,) bool: the weight is chemical g_max (else an exponential weight)
    where: np.ndarray  # (m,) int64 position of the weight there
    pre: np.ndarray  # (m,) int64 global presynaptic neuron
    post: np.ndarray  # (m,) int64 global postsynaptic neuron
    rule: np.ndarray  # (m,) int64 column of ``rules``
    rules: np.ndarray  # (N_RULE_PARAM, k) float64, rows RULE_*
    state: np.ndarray  # (4, m) float64, rows PL_*: traces, their last update (ms), eligibility
    pre_ptr: np.ndarray  # (n + 1,) int64: plastic synapses of presynaptic neuron i are
    pre_syn: np.ndarray  # pre_syn[pre_ptr[i]:pre_ptr[i + 1]]
    post_ptr: np.ndarray  # (n + 1,) int64: likewise by postsynaptic neuron
    post_syn: np.ndarray
    gated: np.ndarray  # int64 the synapses whose rule is gated by a volume (three-factor)


class Volumes(NamedTuple):
    """Transmitter volumes (axonlab.neuro.network.Volume): one concentration each."""

    conc: np.ndarray  # (k,) float64 mM
    baseline: np.ndarray  # (k,) float64 mM
    decay: np.ndarray  # (k,) exp(-k_clear dt)
    release: np.ndarray  # (k,) float64 mM per spike
    lo: np.ndarray  # (k,) int64 first neuron of the source population
    hi: np.ndarray  # (k,) int64 one past its last


class GapJunctions(NamedTuple):
    a: np.ndarray  # int64 one end
    b: np.ndarray  # int64 the other end
    g: np.ndarray  # float64 conductance (mS/cm2)


class Stimuli(NamedTuple):
    """Current steps, one entry per stimulated neuron."""

    idx: np.ndarray  # int64 neuron
    on: np.ndarray  # int64 first step
    off: np.ndarray  # int64 step it stops at
    amp: np.ndarray  # float64 uA/cm2
    sd: np.ndarray  # float64 noise std, uA/cm2


class PoissonInputs(NamedTuple):
    """Poisson sources, one entry per driven neuron."""

    idx: np.ndarray  # int64 neuron
    lam: np.ndarray  # float64 expected events per step
    ch: np.ndarray  # int64 channel
    w: np.ndarray  # float64 weight per event


class Accumulators(NamedTuple):
    """What the loop adds up: currents of this step (recorded), charges of the whole run."""

    cur: np.ndarray  # (3, n) float64 uA/cm2, rows I_EXT, I_GAP, I_SYN
    na_charge: np.ndarray  # (n,) nC/cm2 Na+ charge through the model's own Na+ current
    syn_charge: np.ndarray  # (n,) nC/cm2 inward synaptic charge


class Recording(NamedTuple):
    """Recorded columns: column c reads ``src[c]`` row ``row[c]`` element ``idx[c]`` every
    ``every[c]`` steps into ``buf[:, c]``."""

    src: np.ndarray  # int64 REC_*
    row: np.ndarray  # int64
    idx: np.ndarray  # int64 global neuron or synapse index
    every: np.ndarray  # int64 steps
    buf: np.ndarray  # (rows, columns) float64


class Loop(NamedTuple):
    """Everything the engine's loop runs on, by group."""

    neurons: Neurons
    channels: Channels
    exp: ExpSynapses
    chem: ChemicalSynapses
    plastic: PlasticSynapses
    volumes: Volumes
    gaps: GapJunctions
    stimuli: Stimuli
    poisson: PoissonInputs
    acc: Accumulators
    rec: Recording


@dataclass
class RecordColumn:
    """One recorded quantity: ``var`` of element ``index`` of population/projection ``target``."""

    target: str
    var: str
    index: int
    every: int  # steps


@dataclass(frozen=True)
class Layout:
    """Where each population and recording sits in the flat arrays (what a result needs to read
    them back): ``offsets`` the first global index of each population, ``c_m`` (n,) uF/cm2,
    ``columns`` the recorded columns in order, ``seed`` the network's seed (drawn if it had
    none: it reproduces the whole run)."""

    dt: float
    seed: int
    offsets: dict[str, int]
    sizes: dict[str, int]
    c_m: np.ndarray
    columns: list[RecordColumn]
    plastic: dict[str, slice]  # each plastic projection's synapses in PlasticSynapses
    chemical: dict[str, slice]  # each chemical projection's synapses in ChemicalSynapses

    def neurons_of(self, population: str) -> slice:
        """Global indices of ``population``'s neurons."""
        lo = self.offsets[population]
        return slice(lo, lo + self.sizes[population])

    def population_of(self, neuron: int) -> str:
        """Name of the population holding global neuron index ``neuron``."""
        name = ""
        for pop, lo in self.offsets.items():
            if neuron >= lo:
                name = pop
        return name
