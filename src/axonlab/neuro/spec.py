"""YAML network specs, validated with pydantic; every mistake is reported with its key path.

dt: 0.1            # ms
duration: 1000     # ms
seed: 1234
populations:
  exc: {model: lif, n: 3200, params: {tau_m: 20}, v_init: {uniform: [-60, -50]},
        synapse_init: {exc->exc: 0.5}}   # initial channel value per incoming projection
connections:
  - {pre: exc, post: exc, rule: fixed_probability, p: 0.02,
     synapse: {type: exp_current, weight: 0.081, tau: 5},
     plasticity: {a_plus: 0.01, w_max: 0.2, dopamine: dopamine},   # STDP (optional)
     short_term: {U: 0.5, tau_rec: 800}}                            # chemical synapses only
volumes:  [{source: reward, transmitter: dopamine}]  # transmitter released into a volume
stimuli:  [{population: exc, current: 1.0, start: 0, stop: 100, noise: 0.0}]
poisson:  [{population: exc, rate_hz: 5, n_sources: 10, synapse: {type: exp_current}}]
monitors: [{target: exc, variables: [v], neurons: [0, 1], every: 0.5}]
"""

from __future__ import annotations

import dataclasses
import difflib
import typing
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)

from axonlab.errors import InputError
from axonlab.neuro import connect as rules
from axonlab.neuro import plasticity as learning
from axonlab.neuro import synapses as syn
from axonlab.neuro.models import MODEL_NAMES, MODELS, PRESETS
from axonlab.neuro.network import Network, default_projection_name
from axonlab.yaml_specs import load_yaml

Number = float | list[float]


class _Strict(BaseModel):
    # unknown keys are typos (reported with the closest known key); .inf and .nan are never a
    # sensible duration, current or weight
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class UniformSpec(_Strict):
    uniform: tuple[float, float]


class NormalSpec(_Strict):
    normal: tuple[float, float]


ValueSpec = float | list[float] | UniformSpec | NormalSpec


class PopulationSpec(_Strict):
    # the registered models (axonlab.neuro.models.REGISTRY) and their presets: a new model module
    # is a new ``model:`` value, its dataclass fields its ``params``
    model: Literal[MODEL_NAMES]  # type: ignore[valid-type]
    n: int = Field(1, ge=1)
    preset: Literal[PRESETS] | None = None  # type: ignore[valid-type]
    params: dict[str, Number] = {}
    v_init: ValueSpec | None = None
    synapse_init: dict[str, ValueSpec] = {}

    @field_validator("params")
    @classmethod
    def _check_params(cls, params: dict[str, Number], info: ValidationInfo) -> dict:
        model, preset = info.data.get("model"), info.data.get("preset")
        if model is None:  # already reported
            return params
        known = {f.name for f in dataclasses.fields(MODELS[model])}
        unknown = sorted(set(params) - known)
        if unknown:
            close = difflib.get_close_matches(unknown[0], known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(
                f"unknown parameter(s) {unknown} for {model}{hint} "
                f"(expected some of {sorted(known)})"
            )
        try:  # the model checks its own values (e.g. conductances >= 0)
            dataclasses.replace(_base_model(model, preset), **params)
        except InputError as err:
            raise ValueError(str(err)) from None
        return params

    @model_validator(mode="after")
    def _check_preset(self) -> PopulationSpec:
        presets = MODELS[self.model].presets
        if self.preset is not None and self.preset not in presets:
            have = [name for name, m in MODELS.items() if self.preset in m.presets]
            raise ValueError(
                f"preset {self.preset} is for model: {', '.join(have)}"
                if not presets
                else f"preset {self.preset} is not one of {self.model}'s: {list(presets)}"
            )
        return self


class _SynapseSpec(_Strict):
    """A synapse entry: the fields of the synapse class named by ``type``, checked by the class
    itself (e.g. a conductance weight >= 0), so the spec cannot drift from the Python API."""

    @model_validator(mode="after")
    def _check_synapse(self) -> _SynapseSpec:
        try:
            to_synapse(self)
        except InputError as err:
            raise ValueError(str(err)) from None
        return self


def _synapse_spec(tag: str, cls: type) -> type[_SynapseSpec]:
    """A spec model: ``type: tag`` and the init fields (types, defaults) of dataclass ``cls``."""
    hints = typing.get_type_hints(cls)
    fields: dict = {"type": (Literal[tag], ...)}
    fields.update({f.name: (hints[f.name], f.default) for f in dataclasses.fields(cls) if f.init})
    return create_model(f"{cls.__name__}Spec", __base__=_SynapseSpec, **fields)


_SPECS = {tag: _synapse_spec(tag, cls) for tag, cls in syn.SYNAPSE_TYPES.items()}
ChemicalSpec, ExpCurrentSpec = _SPECS["chemical"], _SPECS["exp_current"]
ExpConductanceSpec, GapSpec = _SPECS["exp_conductance"], _SPECS["gap_junction"]
SynapseSpec = Annotated[
    ChemicalSpec | ExpCurrentSpec | ExpConductanceSpec | GapSpec,  # type: ignore[valid-type]
    Field(discriminator="type"),
]


def to_synapse(spec: BaseModel) -> syn.Synapse:
    """The synapse a validated synapse entry describes."""
    return syn.SYNAPSE_TYPES[spec.type](**spec.model_dump(exclude={"type"}))  # type: ignore[attr-defined]


class _RuleSpec(_Strict):
    """A learning rule entry: the fields of its dataclass, checked by the class itself."""

    @model_validator(mode="after")
    def _check_rule(self) -> _RuleSpec:
        try:
            self._cls(**self.model_dump())  # type: ignore[attr-defined]
        except InputError as err:
            raise ValueError(str(err)) from None
        return self


def _rule_spec(cls: type) -> type[_RuleSpec]:
    hints = typing.get_type_hints(cls)
    fields: dict = {f.name: (hints[f.name], f.default) for f in dataclasses.fields(cls) if f.init}
    spec = create_model(f"{cls.__name__}Spec", __base__=_RuleSpec, **fields)
    spec._cls = cls
    return spec


STDPSpec = _rule_spec(learning.STDP)
TsodyksMarkramSpec = _rule_spec(learning.TsodyksMarkram)


class VolumeSpec(_Strict):
    source: str
    transmitter: str = "dopamine"
    name: str | None = None
    release: float | None = Field(None, ge=0)
    k_clear: float | None = Field(None, ge=0)
    baseline: float = Field(0.0, ge=0)


class ConnectionSpec(_Strict):
    pre: str
    post: str
    synapse: SynapseSpec
    plasticity: STDPSpec | None = None  # type: ignore[valid-type]
    short_term: TsodyksMarkramSpec | None = None  # type: ignore[valid-type]
    name: str | None = None
    rule: Literal[rules.RULES] = "all_to_all"  # type: ignore[valid-type]
    p: float | None = Field(None, ge=0, le=1)
    k: int | None = Field(None, ge=0)
    pairs: list[tuple[int, int]] | None = None
    weight: ValueSpec | None = None
    delay: ValueSpec = 0.0
    allow_self: bool = True

    @model_validator(mode="after")
    def _check_weight(self) -> ConnectionSpec:
        values = [self.weight] if isinstance(self.weight, float | int) else self.weight
        if self.synapse.type != "exp_current" and isinstance(values, list) and min(values) < 0:
            raise ValueError(
                f"weight {min(values):g}: the weight of a {self.synapse.type} "
                "synapse is a conductance (mS/cm2) and must be >= 0 (inhibition "
                "comes from e_rev)"
            )
        return self


class StimulusSpec(_Strict):
    population: str
    current: Number
    start: float = Field(0.0, ge=0)
    stop: float | None = None
    noise: float = Field(0.0, ge=0)

    @model_validator(mode="after")
    def _check_window(self) -> StimulusSpec:
        if self.stop is not None and self.stop <= self.start:
            raise ValueError(
                f"stop ({self.stop:g} ms) must come after start ({self.start:g} ms); "
                "leave stop out to inject to the end of the run"
            )
        return self


class PoissonSpec(_Strict):
    population: str
    rate_hz: float = Field(ge=0)
    n_sources: int = Field(1, ge=1)
    synapse: Annotated[
        ExpCurrentSpec | ExpConductanceSpec,  # type: ignore[valid-type]
        Field(discriminator="type"),
    ]


class MonitorSpec(_Strict):
    target: str
    variables: list[str] = ["v"]
    neurons: list[int] | None = None
    every: float | None = Field(None, gt=0)


class NetworkSpec(_Strict):
    name: str = "network"
    description: str = ""
    dt: float = Field(0.1, gt=0)
    duration: float = Field(gt=0)
    seed: int | None = Field(None, ge=0)
    populations: dict[str, PopulationSpec] = Field(min_length=1)
    connections: list[ConnectionSpec] = []
    stimuli: list[StimulusSpec] = []
    poisson: list[PoissonSpec] = []
    monitors: list[MonitorSpec] = []
    volumes: list[VolumeSpec] = []

    @model_validator(mode="after")
    def _check_names(self) -> NetworkSpec:
        pops = set(self.populations)
        refs = [
            (f"connections.{i}.{end}", getattr(c, end))
            for i, c in enumerate(self.connections)
            for end in ("pre", "post")
        ]
        refs += [(f"stimuli.{i}.population", s.population) for i, s in enumerate(self.stimuli)]
        refs += [(f"poisson.{i}.population", s.population) for i, s in enumerate(self.poisson)]
        refs += [(f"volumes.{i}.source", v.source) for i, v in enumerate(self.volumes)]
        for where, name in refs:
            if name not in pops:
                raise ValueError(f"{where}: no population named {name!r}; have {sorted(pops)}")
        for pop_name, pop in self.populations.items():
            incoming = sorted(
                c.name or default_projection_name(c.pre, c.post)
                for c in self.connections
                if c.post == pop_name
            )
            for key in pop.synapse_init:
                if key not in incoming:
                    raise ValueError(
                        f"populations.{pop_name}.synapse_init.{key}: no connection "
                        f"of that name into {pop_name!r}; have {incoming}"
                    )
        return self


def _value(v: ValueSpec | None):
    if isinstance(v, UniformSpec):
        return rules.Uniform(*v.uniform)
    if isinstance(v, NormalSpec):
        return rules.Normal(*v.normal)
    return v


def load_spec(path: str | Path) -> NetworkSpec:
    """Read and validate a YAML spec; raises :class:`InputError` naming the file and key path."""
    return load_yaml(
        path, NetworkSpec, kind="spec", expected="a mapping with dt, duration, populations, ..."
    )


def _base_model(model: str, preset: str | None):
    """A model with its preset's (or the default) parameters."""
    cls = MODELS[model]
    return getattr(cls, preset)() if preset in cls.presets else cls()  # a wrong preset: reported


def network_from_spec(spec: NetworkSpec) -> Network:
    """Build the :class:`Network` a validated spec describes."""
    net = Network(dt=spec.dt, seed=spec.seed)
    for name, p in spec.populations.items():
        model = dataclasses.replace(_base_model(p.model, p.preset), **p.params)
        net.add(
            name,
            model,
            n=p.n,
            v_init=_value(p.v_init),
            synapse_init={k: _value(v) for k, v in p.synapse_init.items()},
        )
    for v in spec.volumes:
        net.volume(v.source, v.transmitter, name=v.name, release=v.release, k_clear=v.k_clear,
                   baseline=v.baseline)  # fmt: skip
    for c in spec.connections:
        net.connect(
            c.pre,
            c.post,
            to_synapse(c.synapse),
            rule=c.rule,
            p=c.p,
            k=c.k,
            pairs=c.pairs,
            weight=_value(c.weight),
            delay=_value(c.delay),
            allow_self=c.allow_self,
            name=c.name,
            plasticity=learning.STDP(**c.plasticity.model_dump()) if c.plasticity else None,
            short_term=(
                learning.TsodyksMarkram(**c.short_term.model_dump()) if c.short_term else None
            ),
        )
    for s in spec.stimuli:
        net.stimulate(s.population, s.current, s.start, s.stop, s.noise)
    for s in spec.poisson:
        net.poisson(s.population, s.rate_hz, to_synapse(s.synapse), s.n_sources)
    for m in spec.monitors:
        net.monitor(m.target, m.variables, m.neurons, m.every)
    return net
