"""docs/architecture.md's table of allowed imports is the code's: every package imports exactly
the axonlab packages its row names, so the page cannot drift from the code."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from tests.paths import ROOT
from tests.test_import_graph import SRC, import_graph

PAGE = ROOT / "docs" / "architecture.md"


def allowed_imports(page: str) -> dict[str, set[str]]:
    """``{package: packages it may import}`` from the table between the page's markers."""
    table = page.split("<!-- allowed-imports")[1].split("<!-- end allowed-imports")[0]
    rows = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = set(re.findall(r"`([\w.]+)`", cells[1]))
    return rows


def package_of(module: str) -> str:
    """``axonlab.text.tasks.ner`` -> ``text``; ``axonlab`` -> ``axonlab``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def package_imports(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    imports: dict[str, set[str]] = defaultdict(set)
    for module, targets in graph.items():
        imports[package_of(module)]  # a package that imports nothing still has a row
        for target in targets:
            if package_of(target) != package_of(module):
                imports[package_of(module)].add(package_of(target))
    return dict(imports)


def test_the_architecture_table_is_the_code():
    table = allowed_imports(PAGE.read_text(encoding="utf-8"))
    code = package_imports(import_graph(SRC))
    assert set(table) == set(code), (
        f"rows, not packages: {sorted(set(table) - set(code))}; "
        f"packages without a row: {sorted(set(code) - set(table))}"
    )
    wrong = {
        package: {
            "imported but not allowed": sorted(code[package] - table[package]),
            "allowed but not imported": sorted(table[package] - code[package]),
        }
        for package in code
        if code[package] != table[package]
    }
    assert not wrong, f"docs/architecture.md's table differs from the code: {wrong}"


def test_the_table_is_read_cell_by_cell():
    page = (
        "<!-- allowed-imports -->\n| package | may import |\n|---|---|\n"
        "| `serve` | `text`, `runs` |\n| `errors` | — |\n<!-- end allowed-imports -->\n"
        "| `cli` | `text` |\n"
    )
    assert allowed_imports(page) == {"serve": {"text", "runs"}, "errors": set()}


def test_test_folders_mirror_the_source_packages():
    tests = ROOT / "tests"
    folders = {
        path.parent.relative_to(tests)
        for path in tests.rglob("test_*.py")
        if path.parent != tests and "data" not in path.parent.relative_to(tests).parts[:1]
    }
    strays = sorted(str(f) for f in folders if not (SRC / "axonlab" / f / "__init__.py").exists())
    assert not strays, f"test folders that mirror no package in src/axonlab: {strays}"
    assert Path("text/tasks") in folders and Path("neuro/models") in folders
