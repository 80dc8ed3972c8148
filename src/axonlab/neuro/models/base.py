"""What every neuron model is: parameters with their checks, parameter rows, state, kernel.

A model is one module of :mod:`axonlab.neuro.models` holding, in one place (as NEST keeps a
model in one unit): a dataclass of parameters (units in its docstring), checked as it is made;
the per-dt terms its kernel reads (:meth:`NeuronModel.derive`); its numba kernel, which advances
a block of neurons by one step; and its steady state (:meth:`NeuronModel.initial_state`). The
registry (:data:`axonlab.neuro.models.MODELS`) is where the engine, the YAML spec and the docs
find it.

Units (DESIGN.md): time ms, voltage mV, current density uA/cm2, conductance density mS/cm2,
capacitance uF/cm2. Every parameter may be a scalar (whole population) or a sequence of length
``n`` (one value per neuron); :meth:`NeuronModel.param_matrix` broadcasts them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import fields
from typing import Any, ClassVar

import numpy as np

from axonlab.errors import InputError

N_STATE = 4  # rows of the state matrix: v plus up to three model variables
N_PARAM = 10  # rows of the parameter matrix (kernel parameters, then derived per-dt terms)


class NeuronModel(ABC):
    """Base class: a dataclass of parameters, named state variables and parameter rows, a kernel.

    Subclasses set the class attributes below and decorate themselves with ``@dataclass``.
    """

    name: ClassVar[str]  # the registry name, also the YAML spec's ``model:``
    # kind code: the model's slot in the engine's dispatch, set by the registry
    kind: ClassVar[int] = -1
    state_names: ClassVar[tuple[str, ...]]
    kernel_params: ClassVar[tuple[str, ...]]  # parameter rows 0.. of the kernel, by field name
    derived_params: ClassVar[tuple[str, ...]] = ()  # rows after them, filled by :meth:`derive`
    # The numba kernel (a staticmethod): kernel(lo, hi, t, dt, state, p, uniform,
    # has_conductance, drive, spiked, spike_t, na_charge, table) advances neurons lo:hi from t to
    # t + dt, flags spikes in ``spiked`` with their time in ``spike_t`` (see models/__init__.py).
    kernel: ClassVar[Callable[..., Any]]
    positive: ClassVar[tuple[str, ...]] = ()
    # conductances (mS/cm2) and durations (ms) that a negative value would turn into nonsense
    # (a negative g_na drives V away from e_na) without the kernels noticing
    non_negative: ClassVar[tuple[str, ...]] = ()
    # (low, high): parameter ``low`` must stay below ``high`` (a reset at or above threshold
    # would fire every step)
    ordered: ClassVar[tuple[tuple[str, str], ...]] = ()
    presets: ClassVar[tuple[str, ...]] = ()  # classmethods returning ready-made parameter sets
    has_sodium_current: ClassVar[bool] = False  # the kernel integrates its Na+ charge (energy)
    # largest dt (ms) at which the model's integrator is accurate and stable through a spike;
    # None: no limit short of the dynamics themselves
    max_dt: ClassVar[float | None] = None

    def __post_init__(self) -> None:
        for name in self.positive:
            if np.any(np.asarray(getattr(self, name), dtype=float) <= 0):
                raise InputError(f"{type(self).__name__}.{name} must be > 0")
        for name in self.non_negative:
            value = np.asarray(getattr(self, name), dtype=float)
            if np.any(value < 0):
                raise InputError(
                    f"{type(self).__name__}.{name} must be >= 0, got {float(value.min()):g}"
                )
        for low, high in self.ordered:
            try:
                a, b = np.broadcast_arrays(
                    *(np.asarray(getattr(self, k), dtype=float) for k in (low, high))
                )
            except ValueError:
                continue  # one has the wrong length: param_matrix names it
            bad = np.flatnonzero(a >= b)
            if bad.size:
                raise InputError(
                    f"{type(self).__name__}.{low} must be < {high}, got {low} = "
                    f"{a.flat[bad[0]]:g} and {high} = {b.flat[bad[0]]:g}"
                )

    @classmethod
    def row(cls, name: str) -> int:
        """Row of the parameter matrix that holds parameter (or derived term) ``name``."""
        return (*cls.kernel_params, *cls.derived_params).index(name)

    def param_matrix(self, n: int, dt: float) -> np.ndarray:
        """(N_PARAM, n) float64 matrix of kernel parameters, each row broadcast to n neurons,
        followed by the derived per-dt terms (:meth:`derive`)."""
        out = np.zeros((N_PARAM, n))
        for row, name in enumerate(self.kernel_params):
            value = np.asarray(getattr(self, name), dtype=float)
            if value.ndim and value.shape != (n,):
                raise InputError(
                    f"{type(self).__name__}.{name}: expected a scalar or {n} values, "
                    f"got shape {value.shape}"
                )
            out[row] = value
        self.derive(out, dt)
        return out

    def derive(self, p: np.ndarray, dt: float) -> None:
        """Fill the rows of :attr:`derived_params` in ``p`` from the parameter rows, for time step
        ``dt`` (ms): terms the kernel would otherwise recompute every step. None by default."""
        return None

    def channel_weight(self, p: np.ndarray, tau_c: float, dt: float) -> np.ndarray | None:
        """(n,) weight with which an exponential current channel of time constant ``tau_c`` (ms)
        enters the kernel's drive row 0 (``p``: the population's parameter columns). None: 1, the
        channel's current itself (uA/cm2), which is how all but exactly integrated models take
        it."""
        return None

    @classmethod
    def table(cls, dt: float) -> np.ndarray | None:
        """A 2-D float64 lookup table the kernel reads (the same for every population of the
        model at this ``dt``), or None."""
        return None

    def initial_state(self, v0: np.ndarray) -> np.ndarray:
        """(N_STATE, n) initial state for membrane potentials ``v0`` (mV): the model's other
        variables at their steady state there."""
        state = np.zeros((N_STATE, v0.size))
        state[0] = v0
        return state

    @property
    @abstractmethod
    def resting_potential(self) -> float:
        """Default initial membrane potential (mV)."""

    def membrane_capacitance(self, n: int) -> np.ndarray:
        """(n,) membrane capacitance in uF/cm2 (used by the energy account)."""
        return np.broadcast_to(np.asarray(self.c_m, dtype=float), (n,)).copy()

    def __repr__(self) -> str:
        args = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self))
        return f"{type(self).__name__}({args})"
