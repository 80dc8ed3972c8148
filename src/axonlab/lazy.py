"""Public names that a package imports on first use (PEP 562), so that importing it stays light.

The command line's ``--help`` and the registries read ``axonlab.text``, ``axonlab.lm`` and
their defaults without waiting for torch; a package lists its public names once::

    __getattr__, __dir__ = lazy_exports(__name__, {"finetune": "axonlab.text.predict.model"})

A value is the module that defines the name, or ``"module:attribute.path"`` where the name
differs from the attribute (``"axonlab.lm.language_model:LanguageModel.load"``).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def lazy_exports(
    package: str, exports: dict[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``, resolving ``exports`` when first read."""

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, _, path = exports[name].partition(":")
        value: Any = importlib.import_module(module)
        for attribute in (path or name).split("."):
            value = getattr(value, attribute)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *exports})

    return __getattr__, __dir__
