"""Suite-wide settings. With AXONLAB_NO_SKIP=1 (set by .ci/run) a skipped test fails the run:
a user's machine may lack an optional tool (Chromium), CI must not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.paths import TEST_DATA
from tests.tiny_bert import tiny_run

# The suite trains tiny random-weight models for plumbing (shapes, saving, resuming), which learn
# nothing by design: their runs are still marked and warn, but do not fail. The tests of the
# guard itself (tests/text/training/test_collapse.py) set it back to "error".
os.environ.setdefault("AXONLAB_LEARNED_NOTHING", "warn")


@pytest.fixture(scope="session", autouse=True)
def _epochs_as_given():
    """The suite's runs train a tiny model for the few epochs a test names: the floor of
    optimizer steps (``defaults.MIN_STEPS``) would turn 20 rows x 1 epoch into 300 steps. Its
    own tests (tests/text/training/test_recipe.py) set it back. Session-wide, so that it is in
    place before the session and module fixtures that train runs (a function-scoped one comes
    after them: they trained 300 steps each)."""
    from axonlab.text import defaults

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(defaults, "MIN_STEPS", 0)
        yield


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("AXONLAB_NO_SKIP") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(
            f"AXONLAB_NO_SKIP=1: {len(skipped)} test(s) skipped; CI runs them all", red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture()
def axonlab(capsys):
    """Run the ``axonlab`` console entry point in-process, as a user's shell would:
    ``axonlab("text", "eval", ...)`` returns ``(exit code, stdout, stderr)``."""
    import sys

    from axonlab.cli import main

    def invoke(*args: str) -> tuple[int, str, str]:
        argv, sys.argv = sys.argv, ["axonlab", *map(str, args)]
        capsys.readouterr()
        try:
            main()
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        finally:
            sys.argv = argv
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


@pytest.fixture(scope="session")
def banking_intents(tmp_path_factory):
    """An intent run: all-MiniLM-L6-v2 fine-tuned on 5 BANKING77 intents (16 questions each,
    tests/data/intent); dev has 8 out-of-scope questions, which set the threshold."""

    from axonlab import text

    data = TEST_DATA / "intent"
    return text.finetune(
        "intent",
        train=data / "banking_train.tsv",
        dev=data / "banking_dev.tsv",
        out=tmp_path_factory.mktemp("runs") / "banking",
        epochs=12,  # 60 steps: 8 leave card_arrival and lost_or_stolen_card near a tie
        learning_rate=2e-4,
        batch_size=16,
        threads=2,
    )


@pytest.fixture(scope="session")
def tiny_runs(tmp_path_factory) -> dict[str, Path]:
    """``{"spam": classify run, "ner": ner run}``, built once per session."""
    root = tmp_path_factory.mktemp("runs")
    return {
        "spam": tiny_run(root / "spam", "classify", ["ham", "spam"]),
        "ner": tiny_run(root / "ner", "ner", ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]),
    }
