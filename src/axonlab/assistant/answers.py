"""The book of answers: intents to answer texts, FAQ entries with their questions, and the
fallback; read from YAML or JSON with every mistake named by file and entry."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from axonlab.errors import InputError

ANSWER_FILES = ("answers.yaml", "answers.yml", "answers.json")  # looked for in the run folder
FALLBACK = "Sorry, I can't help with that."


@dataclass(frozen=True)
class Answer:
    intent: str
    text: str
    title: str = ""
    questions: tuple[str, ...] = ()

    @property
    def display(self) -> str:
        """What a suggestion shows: the title, or the intent's name in words."""
        return self.title or self.intent.replace("_", " ")


@dataclass
class AnswerBook:
    """Answers by intent, and the fallback for what none of them covers."""

    answers: dict[str, Answer]
    fallback: str = FALLBACK
    path: Path | None = field(default=None, compare=False)

    @classmethod
    def read(cls, path: str | Path) -> AnswerBook:
        """Read and check a YAML/JSON answers file (clear errors naming the entry)."""
        path = Path(path)
        if not path.is_file():
            raise InputError("answers file not found", path=path)
        try:
            if path.suffix.lower() == ".json":
                content = json.loads(path.read_text(encoding="utf-8"))
            else:
                import yaml

                content = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as err:
            raise InputError(f"not valid {path.suffix[1:].upper()}: {err}", path=path) from err
        except Exception as err:  # yaml's own errors carry the line
            raise InputError(f"not valid YAML: {err}", path=path) from err
        if not isinstance(content, dict) or not isinstance(content.get("answers"), dict):
            raise InputError("expected a mapping with an `answers:` mapping inside", path=path)
        fallback = content.get("fallback", FALLBACK)
        if not isinstance(fallback, str) or not fallback.strip():
            raise InputError("`fallback` must be a non-empty text", path=path)
        answers = {
            str(intent): _entry(str(intent), value, path)
            for intent, value in content["answers"].items()
        }
        if not answers:
            raise InputError("`answers` is empty; give at least one intent's answer", path=path)
        return cls(answers, fallback.strip(), path)

    def check(self, intents: Sequence[str]) -> None:
        """Every entry must be an intent of the model, or an FAQ entry with questions."""
        unknown = [
            a.intent for a in self.answers.values() if a.intent not in intents and not a.questions
        ]
        if unknown:
            raise InputError(
                f"answers for {unknown} name no intent of the model (its intents: "
                f"{list(intents)}); fix the name, or give the entry `questions` to make it an "
                "FAQ entry",
                path=self.path,
            )

    @property
    def faq(self) -> list[tuple[str, Answer]]:
        """Every (question, entry) of the FAQ entries."""
        return [(q, a) for a in self.answers.values() for q in a.questions]


def _entry(intent: str, value: Any, path: Path) -> Answer:
    if isinstance(value, str):
        value = {"answer": value}
    if not isinstance(value, dict):
        raise InputError(f"answer for {intent!r}: expected a text or a mapping", path=path)
    text = value.get("answer")
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"answer for {intent!r} is empty; write the answer text", path=path)
    questions = value.get("questions", [])
    if not isinstance(questions, list) or not all(
        isinstance(q, str) and q.strip() for q in questions
    ):
        raise InputError(f"questions of {intent!r}: expected a list of texts", path=path)
    unknown = sorted(set(value) - {"answer", "title", "questions"})
    if unknown:
        raise InputError(
            f"answer for {intent!r}: unknown keys {unknown} (answer, title, questions)", path=path
        )
    return Answer(intent, text.strip(), str(value.get("title", "")), tuple(questions))


def find_answers(run_dir: str | Path) -> Path:
    """The answers file kept in a run folder."""
    for name in ANSWER_FILES:
        if (Path(run_dir) / name).is_file():
            return Path(run_dir) / name
    raise InputError(
        f"no answers file in the run folder (looked for {', '.join(ANSWER_FILES)}); write one "
        "there or pass `answers`",
        path=run_dir,
    )
