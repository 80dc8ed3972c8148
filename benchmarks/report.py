"""Write one benchmark's table into ``docs/benchmarks.md``; read back a benchmark's run log.

Each benchmark owns one section of that page, delimited by HTML comments, and replaces only its
own section, so benchmarks can be re-run one at a time without touching each other's results.
"""

from __future__ import annotations

import fcntl
import os
import platform
import sys
from datetime import date
from pathlib import Path

PAGE = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
HEADER = (
    "# Benchmarks\n\n"
    "Each section is written by the script named in it, which measures axonlab and its anchor in\n"
    "the same run. Machines are shared and noisy: compare ratios and medians, not single timings.\n"
)


def read_log(path: Path) -> list[dict]:
    """The records of a benchmark's JSON-lines log (one run a line; blank lines skipped)."""
    import json

    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def machine_line() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def write_section(name: str, body: str) -> None:
    """Replace section ``name`` of docs/benchmarks.md with ``body`` (markdown), stamped with
    the command line that produced it, the date and the machine."""
    args = list(sys.argv[1:])
    if "--note" in args:  # the note is printed under the table, not in the command
        at = args.index("--note")
        args[at : at + 2] = ["--note", "..."]
    command = "python " + " ".join([os.path.relpath(sys.argv[0], PAGE.parent.parent), *args])
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    stamped = (
        f"{start}\n{body.rstrip()}\n\n"
        f"_Made by `{command}` on {date.today().isoformat()} ({machine_line()})._\n{end}"
    )
    PAGE.parent.mkdir(parents=True, exist_ok=True)
    with open(PAGE.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        text = PAGE.read_text() if PAGE.exists() else HEADER
        if start in text and end in text:
            before, rest = text.split(start, 1)
            after = rest.split(end, 1)[1]
            text = before + stamped + after
        else:
            text = text.rstrip() + "\n\n" + stamped + "\n"
        tmp = PAGE.with_suffix(".md.tmp")
        tmp.write_text(text)
        os.replace(tmp, PAGE)
