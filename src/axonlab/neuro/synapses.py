"""Synapse types: what crosses from one neuron to another, and in what units.

- :class:`ChemicalSynapse` — transmitter release, cleft clearance and receptor binding
  (see :mod:`axonlab.neuro.transmitters`); per-synapse state T (mM) and r (bound fraction).
- :class:`ExpCurrentSynapse` — a spike adds ``weight`` uA/cm2 to a current decaying with ``tau``.
- :class:`ExpConductanceSynapse` — a spike adds ``weight`` mS/cm2 to a conductance decaying with
  ``tau``; current g*(e_rev - V).
- :class:`GapJunction` — electrical coupling I = g*(V_other - V_self), symmetric by construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from axonlab.errors import InputError
from axonlab.neuro.transmitters import Receptor, Transmitter, receptor, transmitter


class Synapse:
    """Base class of synapse descriptions."""

    weight: float


@dataclass
class ChemicalSynapse(Synapse):
    """Kinetic chemical synapse (Destexhe, Mainen & Sejnowski 1994).

    transmitter/receptor: preset names ("glutamate"/"AMPA", "glutamate"/"NMDA", "GABA"/"GABA_A",
    "GABA"/"GABA_B", "acetylcholine"/"nicotinic"). g_max mS/cm2. Any of release (mM per spike),
    k_clear (1/ms), alpha (1/(mM ms)), beta (1/ms), e_rev (mV), mg (mM, NMDA only) overrides
    the preset.
    """

    transmitter: str = "glutamate"
    receptor: str = "AMPA"
    g_max: float = 0.5
    release: float | None = None
    k_clear: float | None = None
    alpha: float | None = None
    beta: float | None = None
    e_rev: float | None = None
    mg: float = 1.0
    _t: Transmitter = field(init=False, repr=False)
    _r: Receptor = field(init=False, repr=False)

    def __post_init__(self) -> None:
        try:
            self._t, self._r = transmitter(self.transmitter), receptor(self.receptor)
        except KeyError as err:
            raise InputError(str(err.args[0])) from None
        if self._r.transmitter != self._t.name:
            raise InputError(
                f"receptor {self._r.name} binds {self._r.transmitter}, not {self._t.name}"
            )
        for name in ("g_max", "release", "k_clear", "alpha", "beta", "mg"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise InputError(f"ChemicalSynapse.{name} must be >= 0, got {value}")

    @property
    def weight(self) -> float:
        return self.g_max

    def constants(self) -> dict[str, float]:
        """The resolved kinetic constants, presets overridden by explicit values."""
        pick = lambda own, preset: preset if own is None else own  # noqa: E731
        return {
            "release": pick(self.release, self._t.release),
            "k_clear": pick(self.k_clear, self._t.k_clear),
            "alpha": pick(self.alpha, self._r.alpha),
            "beta": pick(self.beta, self._r.beta),
            "e_rev": pick(self.e_rev, self._r.e_rev),
            "mg": self.mg if self._r.mg_block else 0.0,
        }


@dataclass
class ExpCurrentSynapse(Synapse):
    """Exponentially decaying synaptic current: weight uA/cm2 per spike, tau ms."""

    weight: float = 0.1
    tau: float = 5.0

    def __post_init__(self) -> None:
        if self.tau <= 0:
            raise InputError(f"ExpCurrentSynapse.tau must be > 0, got {self.tau}")


@dataclass
class ExpConductanceSynapse(Synapse):
    """Exponentially decaying conductance: weight mS/cm2 per spike, tau ms, e_rev mV."""

    weight: float = 0.01
    tau: float = 5.0
    e_rev: float = 0.0

    def __post_init__(self) -> None:
        if self.tau <= 0:
            raise InputError(f"ExpConductanceSynapse.tau must be > 0, got {self.tau}")
        if self.weight < 0:  # inhibition comes from e_rev
            raise InputError(f"ExpConductanceSynapse.weight must be >= 0, got {self.weight}")


@dataclass
class GapJunction(Synapse):
    """Electrical synapse of conductance g (mS/cm2); each pair is coupled both ways."""

    g: float = 0.05

    def __post_init__(self) -> None:
        if self.g < 0:
            raise InputError(f"GapJunction.g must be >= 0, got {self.g}")

    @property
    def weight(self) -> float:
        return self.g


# The synapse types by the name a YAML spec gives them (``synapse: {type: ...}``); the spec's
# synapse entries are made from these classes' fields (axonlab.neuro.spec).
SYNAPSE_TYPES: dict[str, type[Synapse]] = {
    "chemical": ChemicalSynapse,
    "exp_current": ExpCurrentSynapse,
    "exp_conductance": ExpConductanceSynapse,
    "gap_junction": GapJunction,
}
