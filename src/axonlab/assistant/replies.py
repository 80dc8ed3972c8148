"""The assistant: an intent model answering from an answer book, with FAQ matching by meaning
and an honest fallback."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from axonlab.assistant.answers import AnswerBook, find_answers
from axonlab.errors import InputError

# Cosine similarity from which an FAQ question counts as asked. With all-MiniLM-L6-v2, paraphrases
# ("what time do you close today?" / "what time does the branch close?") score 0.65-0.71 and
# unrelated questions on the same subject ("what time is it?") 0.56.
FAQ_SIMILARITY = 0.65


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
