"""What a run returns, and what is made from it: energy, NWB and .npz files, figures.

Modules: recorded (spikes, traces, weights), result (Result: recorded plus its reports), energy
(ATP),
nwb, plot, outputs (output paths checked before a run).
"""

from axonlab.lazy import lazy_exports

_EXPORTS = {
    "Energy": "axonlab.neuro.results.energy",
    "Recorded": "axonlab.neuro.results.recorded",
    "Result": "axonlab.neuro.results.result",
    "Spikes": "axonlab.neuro.results.recorded",
    "Trace": "axonlab.neuro.results.recorded",
    "energy_report": "axonlab.neuro.results.energy",
    "plot_result": "axonlab.neuro.results.plot",
    "save_nwb": "axonlab.neuro.results.nwb",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
