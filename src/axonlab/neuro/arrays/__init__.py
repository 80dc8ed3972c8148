"""A network description made into the flat, named arrays the engine runs on.

Modules: layout (the named structures), build (description -> arrays), parts (the arrays while
they are made), synapses (connections, channels, chemical synapses, gap junctions), learning and
recording (the plastic synapses' and the recorders' arrays),
memory (a run's size, estimated before anything is allocated).
"""

from axonlab.lazy import lazy_exports

_EXPORTS = {
    "Arrays": "axonlab.neuro.arrays.build",
    "Layout": "axonlab.neuro.arrays.layout",
    "MemoryEstimate": "axonlab.neuro.arrays.memory",
    "build": "axonlab.neuro.arrays.build",
    "check_memory": "axonlab.neuro.arrays.memory",
    "estimate_memory": "axonlab.neuro.arrays.memory",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
