"""Synapses that learn: the descriptions of the rules (the engine's
:mod:`axonlab.neuro.engine.learning`
runs them).

- :class:`STDP` — pair-based spike-timing-dependent plasticity with a presynaptic trace x_pre and
  a postsynaptic trace x_post (decaying with ``tau_pre``/``tau_post`` ms). A presynaptic spike
  depresses the weight by the postsynaptic trace, a postsynaptic spike potentiates it by the
  presynaptic trace (Song, Miller & Abbott 2000; traces as in Morrison, Diesmann & Gerstner 2008):

      additive:        on post  dw = +a_plus  * w_max * x_pre
                       on pre   dw = -a_minus * w_max * x_post
      multiplicative:  on post  dw = +a_plus  * (w_max - w) * x_pre
                       on pre   dw = -a_minus * (w - w_min) * x_post

  ``pairing="all_to_all"``: each spike adds 1 to its trace (every earlier spike pairs);
  ``"nearest"``: each spike sets its trace to 1 (only the nearest earlier spike pairs). Weights are
  clipped to [w_min, w_max]. For one pre/post pair at lag dt = t_post - t_pre the additive change
  is a_plus * w_max * exp(-dt/tau_pre) (dt >= 0) or -a_minus * w_max * exp(dt/tau_post) (dt < 0).
  Spikes are paired at the times the neurons fire (axonal delays are not added).
- three-factor learning: with ``dopamine`` naming a :class:`~axonlab.neuro.network.Volume` of the
  network, the pairings above go to an eligibility trace c (decaying with ``tau_eligibility`` ms)
  instead of the weight, and the weight follows dw/dt = gain * c * [DA] (Izhikevich 2007,
  ds/dt = c d). One release of the dopamine preset (0.5 uM cleared at 0.005/ms: 0.1 mM ms)
  turns about gain * 0.1 of the eligibility into weight; the default gain 0.1 (1/(mM ms)) makes
  that 1%, so that only a pairing rewarded again and again (not a chance one) moves its weight.
- :class:`TsodyksMarkram` — short-term depression and facilitation of a chemical synapse: the
  transmitter released by the n-th spike is ``release * u_n * R_n`` with (Maass & Markram 2002)

      R_{n+1} = 1 + (R_n - R_n u_n - 1) exp(-dt/tau_rec)
      u_{n+1} = U + u_n (1 - U) exp(-dt/tau_facil)

  from u_1 = U and R_1 = 1 (``tau_facil`` 0: no facilitation, u stays U).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from axonlab.errors import InputError

RULES = ("additive", "multiplicative")
PAIRINGS = ("all_to_all", "nearest")


def _finite(owner: str, **values: float) -> None:
    for name, value in values.items():
        if not math.isfinite(value):
            raise InputError(f"{owner}.{name} must be a finite number, got {value}")


@dataclass
class STDP:
    """Pair-based STDP (see the module docstring). tau_pre, tau_post, tau_eligibility ms (> 0);
    a_plus, a_minus fractions of ``w_max`` per pairing (>= 0); w_min, w_max in the synapse's
    weight unit (mS/cm2 or uA/cm2); ``dopamine``: the name of a volume whose concentration gates
    the change (three-factor learning), with ``gain`` 1/(mM ms)."""

    tau_pre: float = 20.0
    tau_post: float = 20.0
    a_plus: float = 0.01
    a_minus: float = 0.0105
    w_min: float = 0.0
    w_max: float = 1.0
    rule: Literal["additive", "multiplicative"] = "additive"
    pairing: Literal["all_to_all", "nearest"] = "all_to_all"
    dopamine: str | None = None
    tau_eligibility: float = 1000.0
    gain: float = 0.1

    def __post_init__(self) -> None:
        _finite("STDP", tau_pre=self.tau_pre, tau_post=self.tau_post, a_plus=self.a_plus,
                a_minus=self.a_minus, w_min=self.w_min, w_max=self.w_max,
                tau_eligibility=self.tau_eligibility, gain=self.gain)  # fmt: skip
        for name in ("tau_pre", "tau_post", "tau_eligibility"):
            if getattr(self, name) <= 0:
                raise InputError(f"STDP.{name} must be > 0 ms, got {getattr(self, name)}")
        for name in ("a_plus", "a_minus", "gain"):
            if getattr(self, name) < 0:
                raise InputError(f"STDP.{name} must be >= 0, got {getattr(self, name)}")
        if not self.w_min < self.w_max:
            raise InputError(f"STDP.w_min ({self.w_min}) must be < w_max ({self.w_max})")
        if self.rule not in RULES:
            raise InputError(f"STDP.rule must be one of {list(RULES)}, got {self.rule!r}")
        if self.pairing not in PAIRINGS:
            raise InputError(f"STDP.pairing must be one of {list(PAIRINGS)}, got {self.pairing!r}")

    def pair_change(self, lag: float, w: float | None = None) -> float:
        """Weight change of one pre/post pair of spikes ``lag`` = t_post - t_pre ms apart, from
        weight ``w`` (multiplicative rule; default the middle of the bounds), before clipping."""
        w = (self.w_min + self.w_max) / 2 if w is None else w
        if lag >= 0:
            scale = self.w_max if self.rule == "additive" else self.w_max - w
            return self.a_plus * scale * math.exp(-lag / self.tau_pre)
        scale = self.w_max if self.rule == "additive" else w - self.w_min
        return -self.a_minus * scale * math.exp(lag / self.tau_post)


@dataclass
class TsodyksMarkram:
    """Short-term plasticity of a chemical synapse: utilisation U (0 < U <= 1), recovery
    ``tau_rec`` ms (> 0) and facilitation ``tau_facil`` ms (>= 0; 0 = none)."""

    U: float = 0.5
    tau_rec: float = 800.0
    tau_facil: float = 0.0

    def __post_init__(self) -> None:
        _finite("TsodyksMarkram", U=self.U, tau_rec=self.tau_rec, tau_facil=self.tau_facil)
        if not 0 < self.U <= 1:
            raise InputError(f"TsodyksMarkram.U must be in (0, 1], got {self.U}")
        if self.tau_rec <= 0:
            raise InputError(f"TsodyksMarkram.tau_rec must be > 0 ms, got {self.tau_rec}")
        if self.tau_facil < 0:
            raise InputError(f"TsodyksMarkram.tau_facil must be >= 0 ms, got {self.tau_facil}")

    def efficacies(self, arrivals_ms: list[float] | tuple[float, ...]) -> list[float]:
        """u_n * R_n of each spike of a train arriving at ``arrivals_ms`` (the recursion above)."""
        out: list[float] = []
        u, r, last = self.U, 1.0, None
        for t in arrivals_ms:
            if last is not None:
                gap = t - last
                r = 1.0 + (r - r * u - 1.0) * math.exp(-gap / self.tau_rec)
                facil = math.exp(-gap / self.tau_facil) if self.tau_facil > 0 else 0.0
                u = self.U + u * (1.0 - self.U) * facil
            out.append(u * r)
            last = t
        return out
