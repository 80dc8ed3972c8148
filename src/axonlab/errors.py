"""Typed errors shared by every subpackage.

Library code raises these; only ``axonlab.cli`` turns them into messages and exit codes. A
message names a parameter in backticks (``choose another `output` file``); the command line
shows it as its flag (``--output``), Python users see their keyword argument.
"""

from __future__ import annotations

from pathlib import Path


class AxonlabError(Exception):
    """Base class for every error axonlab raises on purpose (bad input, bad config)."""


class InputError(AxonlabError, ValueError):
    """Bad user input: a data file, a spec or an argument. Names where, and what was expected."""

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None):
        self.path = None if path is None else Path(path)
        self.line = line
        where = ""
        if path is not None:
            where = f"{path}"
            if line is not None:
                where += f", line {line}"
            where += ": "
        super().__init__(where + message)


class RunTooLargeError(InputError):
    """A run needs more memory than the machine has. ``needed`` and ``available`` are bytes;
    ``max_neurons`` (at this duration) and ``max_duration_ms`` (at this size) say what fits,
    None where nothing does (raised by ``axonlab.neuro`` before anything is allocated)."""

    def __init__(
        self,
        message: str,
        *,
        needed: int,
        available: int,
        max_neurons: int | None,
        max_duration_ms: float | None,
    ):
        super().__init__(message)
        self.needed, self.available = needed, available
        self.max_neurons, self.max_duration_ms = max_neurons, max_duration_ms


class RunDirectoryError(AxonlabError):
    """A run directory is missing, incomplete or not the kind the command expected."""


class TrainingDivergedError(AxonlabError):
    """Training produced a non-finite loss (NaN or infinity): the weights are no longer usable."""


class TrainingCollapsedError(AxonlabError):
    """Training ended no better than a constant predictor (the run is kept, marked so)."""


class SimulationError(AxonlabError):
    """A simulation could not go on (e.g. it went numerically unstable)."""


class CoarseTimeStepWarning(UserWarning):
    """A simulation's time step is larger than its integrator handles well (silence it with
    ``warnings.simplefilter("ignore", CoarseTimeStepWarning)``)."""


class LearnedNothingWarning(UserWarning):
    """A loaded run was marked, when it was trained, as no better than a constant predictor."""


class IncompleteCheckpointWarning(UserWarning):
    """A checkpoint was found half-written (a run killed while saving); an older one is used."""
