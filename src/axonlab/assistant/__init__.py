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

Modules: :mod:`~axonlab.assistant.answers` (the book) and :mod:`~axonlab.assistant.replies`
(the assistant). Its commands are ``axonlab assist`` (:mod:`axonlab.cli.assist`); its HTTP route,
``POST /v1/models/{name}/assist``, is in :mod:`axonlab.serve.application_routes`.
"""

from axonlab.assistant.answers import ANSWER_FILES, FALLBACK, Answer, AnswerBook, find_answers
from axonlab.assistant.replies import FAQ_SIMILARITY, Assistant

__all__ = [
    "ANSWER_FILES",
    "FALLBACK",
    "FAQ_SIMILARITY",
    "Answer",
    "AnswerBook",
    "Assistant",
    "find_answers",
]
