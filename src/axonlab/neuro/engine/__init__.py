"""The clock-driven engine: one numba loop that advances the whole network step by step.

Modules: loop (the loop and its output), stages (the steps of one step besides the neurons'
kernels), drive (what reaches each neuron), learning (the rules as the loop runs them),
compiled (numba settings and the cache's freshness key).
"""

from axonlab.lazy import lazy_exports

# imported on first use: the model kernels import engine.compiled, which must not
# import the loop that holds those kernels
_EXPORTS = {
    "RawOutput": "axonlab.neuro.engine.loop",
    "Unstable": "axonlab.neuro.engine.loop",
    "jit": "axonlab.neuro.engine.compiled",
    "run_steps": "axonlab.neuro.engine.loop",
    "simulate": "axonlab.neuro.engine.loop",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
