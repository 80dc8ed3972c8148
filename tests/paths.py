"""Where the tests find the repository and their shipped data, wherever a test module sits."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository
TEST_DATA = ROOT / "tests" / "data"  # the samples the tests ship (attributions in its README)
