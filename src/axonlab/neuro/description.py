"""The network description: populations, projections, stimuli, monitors (no stepping here).

:class:`NetworkDescription` is what :mod:`axonlab.neuro.arrays.build` and
:mod:`axonlab.neuro.arrays.memory`
read; :class:`axonlab.neuro.network.Network` adds :meth:`~axonlab.neuro.network.Network.run`.
This module imports neither the building nor the running.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

from axonlab.errors import CoarseTimeStepWarning, InputError
from axonlab.neuro.connect import Value
from axonlab.neuro.models import NeuronModel
from axonlab.neuro.plasticity import STDP, TsodyksMarkram
from axonlab.neuro.synapses import ChemicalSynapse, GapJunction, Synapse
from axonlab.neuro.transmitters import transmitter as transmitter_preset

DEFAULT_TRACE_LIMIT = 16  # populations/projections up to this size record everything by default


def default_projection_name(pre: str, post: str) -> str:
    """The name a projection gets when :meth:`NetworkDescription.connect` is not given one."""
    return f"{pre}->{post}"


@dataclass
class Population:
    """``n`` neurons of one model; ``v_init`` mV (scalar, n values or a distribution).

    ``synapse_init`` maps the name of an incoming projection of exponential synapses to the
    initial value of the channel it feeds (mS/cm2 or uA/cm2; default 0). Channels are per
    synapse type (kind, tau, e_rev), not per projection: projections of one type share one.
    """

    name: str
    model: NeuronModel
    n: int
    v_init: Value | None = None
    synapse_init: dict[str, Value] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"Population({self.name!r}, {type(self.model).__name__}, n={self.n})"


@dataclass
class Projection:
    """Synapses from ``pre`` to ``post`` made by a connection rule."""

    name: str
    pre: Population
    post: Population
    synapse: Synapse
    rule: str
    p: float | None = None
    k: int | None = None
    pairs: Sequence[tuple[int, int]] | None = None
    weight: Value | None = None
    delay: Value = 0.0
    allow_self: bool = True
    plasticity: STDP | None = None
    short_term: TsodyksMarkram | None = None


@dataclass
class Volume:
    """A transmitter released by the spikes of ``source`` into one well-mixed extracellular
    volume (volume transmission, as dopamine acts): concentration C (mM) with
    dC/dt = -k_clear (C - baseline) + release * (spikes of ``source`` per ms); ``release`` mM per
    spike, ``k_clear`` 1/ms, ``baseline`` the tonic level (mM). Recorded as ``concentration``."""

    name: str
    source: Population
    transmitter: str
    release: float
    k_clear: float
    baseline: float = 0.0


@dataclass
class Stimulus:
    """Current step (uA/cm2) from ``start`` to ``stop`` ms, with Gaussian noise of std ``noise``
    uA/cm2 redrawn every step; ``current`` may hold one value per neuron."""

    population: Population
    current: Value
    start: float = 0.0
    stop: float | None = None
    noise: float = 0.0


@dataclass
class PoissonInput:
    """``n_sources`` independent Poisson sources at ``rate_hz`` per neuron, each event adding
    ``synapse.weight`` to an exponential synapse channel of the target."""

    population: Population
    rate_hz: float
    n_sources: int
    synapse: Synapse


@dataclass
class Monitor:
    """Record ``variables`` of ``neurons`` of a population (or synapses of a projection) every
    ``every`` ms (default: each step)."""

    target: str
    variables: tuple[str, ...]
    neurons: Sequence[int] | None = None
    every: float | None = None


@dataclass
class NetworkDescription:
    """What a network is, to be simulated with time step ``dt`` (ms) and random ``seed``: the
    part of :class:`axonlab.neuro.network.Network` that the building and running read."""

    dt: float = 0.1
    seed: int | None = None
    populations: dict[str, Population] = field(default_factory=dict)
    projections: dict[str, Projection] = field(default_factory=dict)
    stimuli: list[Stimulus] = field(default_factory=list)
    poisson_inputs: list[PoissonInput] = field(default_factory=list)
    monitors: list[Monitor] = field(default_factory=list)
    volumes: dict[str, Volume] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.dt) and self.dt > 0):
            raise InputError(f"dt must be a finite number of ms > 0, got {self.dt}")
        if self.seed is not None and not (isinstance(self.seed, int) and self.seed >= 0):
            raise InputError(f"seed must be a whole number >= 0, got {self.seed!r}")

    def __repr__(self) -> str:
        n = sum(p.n for p in self.populations.values())
        chem = sum(isinstance(p.synapse, ChemicalSynapse) for p in self.projections.values())
        gap = sum(isinstance(p.synapse, GapJunction) for p in self.projections.values())
        return (
            f"{type(self).__name__}({len(self.populations)} populations / {n:,} neurons, "
            f"{len(self.projections)} projections ({chem} chemical, {gap} gap), "
            f"dt={self.dt} ms)"
        )

    def add(
        self,
        name: str,
        model: NeuronModel,
        n: int = 1,
        *,
        v_init: Value | None = None,
        synapse_init: dict[str, Value] | None = None,
    ) -> Population:
        """Add ``n`` neurons of ``model`` named ``name``; returns the population.

        ``v_init``: initial membrane potential (mV); ``synapse_init``: initial synaptic
        conductance or current per incoming projection name (see :class:`Population`).
        """
        self._check_unused(name)
        if n < 1:
            raise InputError(f"population {name!r}: n must be >= 1, got {n}")
        if model.max_dt is not None and self.dt > model.max_dt:
            warnings.warn(
                f"population {name!r}: dt = {self.dt} ms is coarse for "
                f"{type(model).__name__} (accurate and stable up to {model.max_dt} ms); "
                f"use dt <= {model.max_dt} ms",
                CoarseTimeStepWarning,
                stacklevel=2,
            )
        pop = Population(name, model, int(n), v_init, dict(synapse_init or {}))
        self.populations[name] = pop
        return pop

    def connect(
        self,
        pre: Population | str,
        post: Population | str,
        synapse: Synapse,
        *,
        rule: str = "all_to_all",
        p: float | None = None,
        k: int | None = None,
        pairs: Sequence[tuple[int, int]] | None = None,
        weight: Value | None = None,
        delay: Value = 0.0,
        allow_self: bool = True,
        name: str | None = None,
        plasticity: STDP | None = None,
        short_term: TsodyksMarkram | None = None,
    ) -> Projection:
        """Connect two populations by ``rule`` (see :mod:`axonlab.neuro.connect`).

        ``weight`` overrides the synapse's own weight (uA/cm2 or mS/cm2, scalar, per-synapse
        values or a distribution); ``delay`` is the axonal delay in ms (rounded to whole steps).
        ``plasticity``: an :class:`~axonlab.neuro.plasticity.STDP` rule that changes the weights
        during the run (chemical and exponential synapses); ``short_term``: Tsodyks–Markram
        depression/facilitation of the release (chemical synapses).
        """
        pre_pop, post_pop = self._population(pre), self._population(post)
        name = name or default_projection_name(pre_pop.name, post_pop.name)
        self._check_unused(name, "; pass name=")
        if plasticity is not None and isinstance(synapse, GapJunction):
            raise InputError(f"projection {name!r}: gap junctions do not take STDP")
        if short_term is not None and not isinstance(synapse, ChemicalSynapse):
            raise InputError(
                f"projection {name!r}: short-term plasticity scales transmitter release, "
                f"so it needs a chemical synapse, not {type(synapse).__name__}"
            )
        if plasticity is not None and plasticity.dopamine is not None:
            if plasticity.dopamine not in self.volumes:
                raise InputError(
                    f"projection {name!r}: STDP is gated by volume {plasticity.dopamine!r}, "
                    f"which this network does not have (have {sorted(self.volumes)}); "
                    "add it with net.volume(...) first"
                )
        proj = Projection(name, pre_pop, post_pop, synapse, rule, p, k, pairs, weight, delay,
                          allow_self, plasticity, short_term)  # fmt: skip
        self.projections[name] = proj
        return proj

    def volume(
        self,
        source: Population | str,
        transmitter: str = "dopamine",
        *,
        name: str | None = None,
        release: float | None = None,
        k_clear: float | None = None,
        baseline: float = 0.0,
    ) -> Volume:
        """Let the spikes of ``source`` release ``transmitter`` into a volume (named ``name``,
        default the transmitter's name) whose concentration STDP rules may read as their third
        factor. ``release`` mM per spike and ``k_clear`` 1/ms default to the transmitter's
        preset (:mod:`axonlab.neuro.transmitters`); ``baseline`` mM."""
        pop = self._population(source)
        try:
            preset = transmitter_preset(transmitter)
        except KeyError as err:
            raise InputError(str(err.args[0])) from None
        name = name or preset.name
        self._check_unused(name, "; pass name=")
        release = preset.release if release is None else release
        k_clear = preset.k_clear if k_clear is None else k_clear
        for what, value in (("release", release), ("k_clear", k_clear), ("baseline", baseline)):
            if not (math.isfinite(value) and value >= 0):
                raise InputError(f"volume {name!r}: {what} must be >= 0, got {value}")
        vol = Volume(name, pop, preset.name, float(release), float(k_clear), float(baseline))
        self.volumes[name] = vol
        return vol

    def stimulate(
        self,
        population: Population | str,
        current: Value,
        start: float = 0.0,
        stop: float | None = None,
        noise: float = 0.0,
    ) -> Stimulus:
        """Inject ``current`` uA/cm2 (+ Gaussian ``noise`` std) from ``start`` to ``stop`` ms.

        ``stop`` None: to the end of the run. A step that would inject nothing (``stop`` at or
        before ``start``) is refused rather than silently doing nothing.
        """
        pop = self._population(population)
        if not (math.isfinite(start) and start >= 0):
            raise InputError(f"stimulus of {pop.name!r}: start must be >= 0 ms, got {start}")
        if stop is not None and not (math.isfinite(stop) and stop > start):
            raise InputError(
                f"stimulus of {pop.name!r}: stop ({stop} ms) must come after start "
                f"({start} ms); leave stop out to inject to the end of the run"
            )
        if not (math.isfinite(noise) and noise >= 0):
            raise InputError(f"stimulus of {pop.name!r}: noise must be >= 0 uA/cm2, got {noise}")
        stim = Stimulus(pop, current, start, stop, noise)
        self.stimuli.append(stim)
        return stim

    def poisson(
        self, population: Population | str, rate_hz: float, synapse: Synapse, n_sources: int = 1
    ) -> PoissonInput:
        """Drive every neuron with ``n_sources`` Poisson trains at ``rate_hz`` through ``synapse``
        (an exponential current or conductance synapse)."""
        if rate_hz < 0 or n_sources < 1:
            raise InputError("poisson input needs rate_hz >= 0 and n_sources >= 1")
        item = PoissonInput(self._population(population), rate_hz, n_sources, synapse)
        self.poisson_inputs.append(item)
        return item

    def monitor(
        self,
        target: Population | Projection | str,
        variables: Sequence[str] = ("v",),
        neurons: Sequence[int] | None = None,
        every: float | None = None,
    ) -> Monitor:
        """Record state ``variables`` (population: v, m, h, n, u, w, i_syn, i_gap, i_ext, and
        channel names; projection: T, r, and for a plastic one w and (three-factor)
        eligibility; volume: concentration) of ``neurons`` (synapses) every ``every`` ms."""
        name = target if isinstance(target, str) else target.name
        if (
            name not in self.populations
            and name not in self.projections
            and name not in self.volumes
        ):
            raise InputError(f"monitor: no population, projection or volume named {name!r}")
        mon = Monitor(name, tuple(variables), neurons, every)
        self.monitors.append(mon)
        return mon

    def _check_unused(self, name: str, hint: str = "") -> None:
        """Populations, projections and volumes share one namespace (monitors name any)."""
        if name in self.populations or name in self.projections or name in self.volumes:
            raise InputError(f"name {name!r} is already used in this network{hint}")

    def _population(self, pop: Population | str) -> Population:
        name = pop if isinstance(pop, str) else pop.name
        if name not in self.populations:
            raise InputError(f"no population named {name!r}; have {sorted(self.populations)}")
        return self.populations[name]
