"""The registry of text tasks: the one list the CLI, the server and the Python API read.

Light on purpose (no torch, no transformers): ``--help`` and the server's routes read the names
without loading a task. A task is a :class:`~axonlab.text.tasks.base.TextTask` subclass (made by
:func:`axonlab.text.tasks.base.get_task`); adding one is one entry here and one module.
"""

from __future__ import annotations

from typing import NamedTuple

MODEL_DIR = "model"  # a text run's Hugging Face model folder


class TaskEntry(NamedTuple):
    module: str
    cls: str
    summary: str  # what the task is for, in a few words (--help)
    metrics: tuple[str, ...]  # dev metrics that can pick the best epoch; the first is the default


TASKS: dict[str, TaskEntry] = {
    "classify": TaskEntry(
        "axonlab.text.tasks.classify",
        "Classification",
        "a label per text",
        ("macro_f1", "accuracy"),
    ),
    "intent": TaskEntry(
        "axonlab.text.tasks.intent",
        "IntentClassification",
        "intents, rejecting out-of-scope texts (rows labelled oos)",
        ("accuracy", "macro_f1"),
    ),
    "multilabel": TaskEntry(
        "axonlab.text.tasks.multilabel",
        "MultiLabelClassification",
        "any number of labels per text (a|b; - for none)",
        ("micro_f1", "macro_f1"),
    ),
    "ner": TaskEntry(
        "axonlab.text.tasks.ner",
        "EntityRecognition",
        "named entities in CoNLL/JSONL",
        ("micro_f1", "macro_f1", "precision", "recall"),
    ),
}


# Tasks whose models `text explain` explains: a classifier head over the whole text (NER is
# explained entity by entity, axonlab.text.explain.entities).
EXPLAINED_TASKS = ("classify", "intent", "multilabel")


def task_names() -> tuple[str, ...]:
    return tuple(TASKS)
