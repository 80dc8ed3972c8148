"""The customer-service assistant: an intent model, a book of answers, and an honest fallback.

An :class:`AnswerBook` (YAML or JSON) maps intents to answer texts; an entry may also list
paraphrase questions, which makes it an FAQ entry matched by meaning (cosine similarity of
sentence embeddings) whether or not the intent model knows it::

    fallback: Sorry, I can't help with that.
    answers:
      card_arrival: Cards arrive within 3 working days; track yours in the app.
      change_pin:
        answer: Change your PIN at any of our cash machines.
        title: Changing your PIN
      opening_hours:                    # not an intent of the model: an FAQ entry
        answer: Branches open 9:00-17:00, Monday to Friday.
        questions: ["when are you open?", "what time does the branch close?"]

:meth:`Assistant.reply` answers each question: an FAQ entry whose question is close enough, else
the answer of the predicted intent, else, for an out-of-scope question (or an intent without an
answer), the fallback with the nearest intents as suggestions.

    >>> assistant = Assistant.load("runs/banking")   # reads runs/banking/answers.yaml
    >>> assistant.reply(["my card hasn't come yet"])[0]["answer"]
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from axonlab.errors import InputError

ANSWER_FILES = ("answers.yaml", "answers.yml", "answers.json")  # looked for in the run folder
FALLBACK = "Sorry, I can't help with that."
# Cosine similarity from which an FAQ question counts as asked. With all-MiniLM-L6-v2, paraphrases
# ("what time do you close today?" / "what time does the branch close?") score 0.65-0.71 and
# unrelated questions on the same subject ("what time is it?") 0.56.
FAQ_SIMILARITY = 0.65


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


class Assistant:
    """An intent model answering from an :class:`AnswerBook`."""

    def __init__(self, model: Any, book: AnswerBook, *, faq_similarity: float = FAQ_SIMILARITY):
        if getattr(model, "task", None) != "intent":
            raise InputError(
                f"an assistant needs an intent model; {model.run_dir} is a {model.task!r} run"
            )
        book.check(model.labels)
        self.model, self.book, self.faq_similarity = model, book, faq_similarity
        self.index = None
        self.faq = book.faq  # (question, entry) by index row
        if self.faq:
            from axonlab.text.embeddings.encoder import SentenceEncoder
            from axonlab.text.embeddings.search_index import SearchIndex

            # the backbone's own embedding space: fine-tuning for intents blurs paraphrases
            self.index = SearchIndex(None, SentenceEncoder(model.backbone))
            self.index.add([question for question, _ in self.faq])  # ids: row numbers

    @classmethod
    def load(cls, run_dir: str | Path, answers: str | Path | None = None) -> Assistant:
        from axonlab import text

        book = AnswerBook.read(answers if answers is not None else find_answers(run_dir))
        return cls(text.load(run_dir), book)

    def reply(self, questions: Sequence[str]) -> list[dict[str, Any]]:
        """One reply per question: ``{"intent", "confidence", "answer", "source"
        ("faq" | "intent" | "fallback"), "suggestions": [{"intent", "title", "score"}]}``."""
        return self.compose(questions, self.model.predict(list(questions)))

    def compose(
        self, questions: Sequence[str], predictions: Sequence[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """The replies to ``questions`` given the intent model's ``predictions`` of them (a
        server predicts in micro-batches, then composes)."""
        faq_hits = self.index.search(questions, k=1) if self.index is not None else None
        replies = []
        for i, prediction in enumerate(predictions):
            hit = faq_hits[i][0] if faq_hits else None
            suggestions = [
                {"intent": s["label"], "title": self._title(s["label"]), "score": s["score"]}
                for s in prediction["suggestions"]
                if s["label"] in self.book.answers
            ]
            if hit is not None and hit["score"] >= self.faq_similarity:
                entry = self.faq[int(hit["id"])][1]
                reply = {"intent": entry.intent, "confidence": hit["score"], "source": "faq"}
                answer = entry.text
            elif prediction["in_scope"] and prediction["label"] in self.book.answers:
                reply = {"intent": prediction["label"], "confidence": prediction["score"]}
                reply["source"] = "intent"
                answer = self.book.answers[prediction["label"]].text
            else:
                reply = {"intent": prediction["label"], "confidence": prediction["score"]}
                reply["source"] = "fallback"
                answer = self.book.fallback
            replies.append({**reply, "answer": answer, "suggestions": suggestions})
        return replies

    def _title(self, intent: str) -> str:
        return self.book.answers[intent].display
