"""The arrays of a network while :mod:`axonlab.neuro.arrays.build` makes them, shared with the
modules
that make some groups of them (:mod:`~axonlab.neuro.arrays.learning`,
:mod:`~axonlab.neuro.arrays.recording`), so that those need not import the builder."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from axonlab.neuro.arrays.layout import RecordColumn


@dataclass
class BuildParts:
    """The arrays while they are being made, by group (each group becomes one named tuple)."""

    dt: float
    offsets: dict[str, int]
    sizes: dict[str, int]
    c_m: np.ndarray
    neurons: dict[str, np.ndarray]
    channels: list[tuple[bool, float, float]] = field(default_factory=list)
    channel_of: dict[str, int] = field(default_factory=dict)
    chem_index: dict[str, slice] = field(default_factory=dict)
    exp_index: dict[str, slice] = field(default_factory=dict)  # in connection order
    exp_position: np.ndarray | None = None  # connection order -> position in ExpSynapses
    plastic_index: dict[str, slice] = field(default_factory=dict)
    columns: list[RecordColumn] = field(default_factory=list)
    groups: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.neurons["state"].shape[1])
