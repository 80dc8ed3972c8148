"""Run one ``axonlab`` command in a fresh interpreter and report which heavy modules it
imported: the one-shot commands' promise (no torch where the light path answers)."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("torch", "transformers")


def run_fresh(*args: str) -> tuple[str, list[str]]:
    """``(stdout, heavy modules imported)`` of ``axonlab ARGS`` run in a new Python process;
    a non-zero exit fails the calling test with the command's stderr."""
    code = (
        "import json, sys\n"
        "from axonlab.cli import main\n"
        f"sys.argv = ['axonlab', *{list(args)!r}]\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    *answer, imported = result.stdout.strip().splitlines()
    return "\n".join(answer), json.loads(imported)
