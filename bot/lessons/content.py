"""What a lesson is: plain values, the same in files, in the database and in chat."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from bot.i18n import LANGUAGES, SOURCE_LANGUAGE

__all__ = [
    "LANGUAGES",
    "MAX_CHOICES",
    "MAX_MESSAGE_CHARS",
    "MESSAGES",
    "MIN_CHOICES",
    "QUESTIONS",
    "SLUG",
    "SOURCE_LANGUAGE",
    "TOPICS",
    "Choice",
    "Lesson",
    "Question",
]

MAX_MESSAGE_CHARS = 500  # one chat bubble on a small phone
MESSAGES = (3, 6)  # fewest and most messages in a lesson
QUESTIONS = (1, 3)  # fewest and most quiz questions
MIN_CHOICES, MAX_CHOICES = 2, 4
MAX_TITLE_CHARS = 60
MAX_CHOICE_CHARS = (
    40  # a button label: keep it short (WhatsApp shows 20 characters of a reply button)
)
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ID = re.compile(r"^[a-z0-9_]{1,16}$")

# What a lesson is about, for lessons timed to the client's loan (bot.lessons.suggest).
TOPICS = (
    "interest",
    "rates",
    "cost",
    "fees",
    "schedule",
    "late",
    "prepayment",
    "budget",
    "saving",
    "debt",
    "fraud",
    "rights",
    "other",
)


@dataclasses.dataclass(frozen=True)
class Choice:
    id: str
    text: str


@dataclasses.dataclass(frozen=True)
class Question:
    id: str
    text: str
    choices: tuple[Choice, ...]
    answer: str  # the id of the right choice
    explanation: str

    def choice(self, choice_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)

    def shape(self) -> tuple[str, tuple[str, ...], str]:
        """What must be the same in every language: ids and the right answer."""
        return self.id, tuple(c.id for c in self.choices), self.answer


@dataclasses.dataclass(frozen=True)
class Lesson:
    """One lesson in one language."""

    slug: str
    language: str
    position: int  # order in the list of topics, shared by every language
    topic: str
    title: str
    messages: tuple[str, ...]
    quiz: tuple[Question, ...]
    published: bool = True

    def quiz_shape(self) -> tuple[tuple[str, tuple[str, ...], str], ...]:
        return tuple(question.shape() for question in self.quiz)

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.quiz if q.id == question_id), None)

    def quiz_as_json(self) -> list[dict[str, Any]]:
        return [
            {
                "id": q.id,
                "question": q.text,
                "choices": [{"id": c.id, "text": c.text} for c in q.choices],
                "answer": q.answer,
                "explanation": q.explanation,
            }
            for q in self.quiz
        ]


def quiz_from_json(items: list[dict[str, Any]]) -> tuple[Question, ...]:
    """The quiz as stored in the database (``Lesson.quiz_as_json``) back to values."""
    return tuple(
        Question(
            id=str(item["id"]),
            text=str(item["question"]),
            choices=tuple(Choice(str(c["id"]), str(c["text"])) for c in item["choices"]),
            answer=str(item["answer"]),
            explanation=str(item["explanation"]),
        )
        for item in items
    )
