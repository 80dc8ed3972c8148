"""Output helpers shared by the sub-apps: consoles and ``--json`` printing."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console

console = Console()
err_console = Console(stderr=True)


def print_json(obj: Any) -> None:
    """Print one JSON object on stdout (the ``--json`` contract): nothing else goes to stdout."""
    sys.stdout.write(json.dumps(obj, default=float) + "\n")
    sys.stdout.flush()
