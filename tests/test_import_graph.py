"""No module of src/ imports itself round a circle: the import graph, read from the source.

Every import counts, wherever it is written (top of the module, inside a function, under
``TYPE_CHECKING``): a circle through a lazy import is still a circle for a reader, and only
by luck not at run time. ``from package import name`` is an edge to ``package.name`` where that
is a module, else to ``package`` (whose ``__init__`` runs).
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.paths import ROOT

SRC = ROOT / "src"


def modules(src: Path) -> dict[str, tuple[Path, bool]]:
    """``{dotted name: (file, is a package)}`` of every module under ``src``."""
    found = {}
    for file in sorted(src.rglob("*.py")):
        parts = list(file.relative_to(src).with_suffix("").parts)
        package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if package else parts)] = (file, package)
    return found


def imported(name: str, file: Path, package: bool, known: set[str]) -> set[str]:
    """The modules among ``known`` that the module ``name`` (in ``file``) imports."""
    here = name if package else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"), str(file))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: climb from this module's package
                base = here.split(".")[: len(here.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                as_module = f"{source}.{alias.name}"
                targets.add(as_module if as_module in known else source)
    return {t for t in targets if t in known and t != name}


def import_graph(src: Path) -> dict[str, set[str]]:
    found = modules(src)
    return {name: imported(name, file, pkg, set(found)) for name, (file, pkg) in found.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle ``[a, b, ..., a]`` in ``graph``, or None (depth-first, three colours)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = 2
        path.pop()
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_src_has_no_import_cycle():
    graph = import_graph(SRC)
    assert len(graph) > 100 and "axonlab.neuro.network" in graph  # the source was found
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_a_cycle_is_found_and_named(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg import b\n")
    (package / "b.py").write_text("def f():\n    from .c import g\n")
    (package / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.a import x\n"
    )
    (package / "d.py").write_text("import pkg.a\n")
    graph = import_graph(tmp_path)
    assert graph["pkg.a"] == {"pkg.b"} and graph["pkg.d"] == {"pkg.a"}
    assert find_cycle(graph) == ["pkg.a", "pkg.b", "pkg.c", "pkg.a"]
    (package / "c.py").write_text("import os\n")
    assert find_cycle(import_graph(tmp_path)) is None
