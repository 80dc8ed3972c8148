"""Serve trained models over HTTP: a JSON API with micro-batching, and a web page to try them.

>>> from axonlab.serve import Settings, create_app
>>> app = create_app(Settings(run_dirs=["runs/spam", "runs/ner"]))  # then: uvicorn.run(app)

or from the shell: ``axonlab serve runs/spam runs/ner --port 8000``.
"""

from axonlab.serve.app import create_app
from axonlab.serve.batcher import MicroBatcher
from axonlab.serve.models import Generator, ModelRegistry, Predictor, load_run, load_runs
from axonlab.serve.settings import Settings

__all__ = [
    "Generator",
    "MicroBatcher",
    "ModelRegistry",
    "Predictor",
    "Settings",
    "create_app",
    "load_run",
    "load_runs",
]
