"""Lesson forms: a language column of the edit page to a ``Lesson`` and back.

Every language column has a title, up to six message boxes and up to three questions with up
to four choices and an explanation. The quiz's shape (question ids, choice ids, right answer)
belongs to the lesson, not to a language: it is typed once, in the English column, and shown
read-only in the others. Empty boxes are left out of the lesson, so a trainer writes three
messages and leaves the other boxes empty; ``bot.lessons.files.check`` (through
``bot.lessons.store.save``) says what is wrong with what is left.
"""

from __future__ import annotations

import dataclasses
import re

from werkzeug.datastructures import MultiDict

from bot.lessons import content
from bot.lessons.content import Choice, Lesson, Question
from bot.lessons.files import Problem

MESSAGE_BOXES = content.MESSAGES[1]
QUESTION_BOXES = content.QUESTIONS[1]
CHOICE_BOXES = content.MAX_CHOICES
DEFAULT_CHOICE_IDS = ("a", "b", "c", "d")


@dataclasses.dataclass
class ChoiceField:
    id: str
    text: str = ""


@dataclasses.dataclass
class QuestionField:
    id: str
    answer: str
    text: str = ""
    explanation: str = ""
    choices: list[ChoiceField] = dataclasses.field(default_factory=list)

    def is_blank(self) -> bool:
        return not (self.text or self.explanation or any(c.text for c in self.choices))


@dataclasses.dataclass
class Column:
    """One language of a lesson as the form shows it (always every box, empty or not)."""

    language: str
    title: str = ""
    messages: list[str] = dataclasses.field(default_factory=list)
    questions: list[QuestionField] = dataclasses.field(default_factory=list)

    def is_empty(self) -> bool:
        return not (
            self.title or any(self.messages) or any(not q.is_blank() for q in self.questions)
        )


@dataclasses.dataclass(frozen=True)
class QuestionShape:
    id: str
    choice_ids: tuple[str, ...]
    answer: str


Shape = list[QuestionShape]


def default_shape() -> Shape:
    return [QuestionShape(f"q{n}", DEFAULT_CHOICE_IDS, "") for n in range(1, QUESTION_BOXES + 1)]


def shape_of(lesson: Lesson | None) -> Shape:
    """The quiz shape of a stored lesson, padded with empty boxes."""
    shape = default_shape()
    if lesson is None:
        return shape
    for index, question in enumerate(lesson.quiz[:QUESTION_BOXES]):
        ids = [c.id for c in question.choices][:CHOICE_BOXES]
        spare = [i for i in DEFAULT_CHOICE_IDS if i not in ids]
        ids += spare[: CHOICE_BOXES - len(ids)]
        shape[index] = QuestionShape(question.id, tuple(ids), question.answer)
    return shape


def shape_from_form(form: MultiDict[str, str]) -> Shape:
    """The quiz shape typed in the English column."""
    shape = []
    for n in range(1, QUESTION_BOXES + 1):
        ids = tuple(
            form.get(f"q{n}-choice-{k}-id", "").strip() or DEFAULT_CHOICE_IDS[k - 1]
            for k in range(1, CHOICE_BOXES + 1)
        )
        shape.append(
            QuestionShape(
                form.get(f"q{n}-id", "").strip() or f"q{n}",
                ids,
                form.get(f"q{n}-answer", "").strip(),
            )
        )
    return shape


def column_of(language: str, lesson: Lesson | None, shape: Shape) -> Column:
    """The boxes of one language, filled from a stored lesson (or empty)."""
    messages = list(lesson.messages) if lesson else []
    messages += [""] * (MESSAGE_BOXES - len(messages))
    questions = []
    for index, question_shape in enumerate(shape):
        stored = lesson.quiz[index] if lesson and index < len(lesson.quiz) else None
        choices = [
            ChoiceField(
                choice_id,
                stored.choice(choice_id).text if stored and stored.choice(choice_id) else "",
            )
            for choice_id in question_shape.choice_ids
        ]
        questions.append(
            QuestionField(
                id=question_shape.id,
                answer=question_shape.answer,
                text=stored.text if stored else "",
                explanation=stored.explanation if stored else "",
                choices=choices,
            )
        )
    return Column(language, lesson.title if lesson else "", messages[:MESSAGE_BOXES], questions)


def column_from_form(form: MultiDict[str, str], language: str, shape: Shape) -> Column:
    """What the trainer typed in one language column, kept as typed (trimmed)."""

    def value(name: str) -> str:
        return form.get(f"{language}-{name}", "").strip()

    questions = [
        QuestionField(
            id=question_shape.id,
            answer=question_shape.answer,
            text=value(f"q{n}-text"),
            explanation=value(f"q{n}-explanation"),
            choices=[
                ChoiceField(choice_id, value(f"q{n}-choice-{k}"))
                for k, choice_id in enumerate(question_shape.choice_ids, start=1)
            ],
        )
        for n, question_shape in enumerate(shape, start=1)
    ]
    messages = [value(f"message-{n}") for n in range(1, MESSAGE_BOXES + 1)]
    return Column(language, value("title"), messages, questions)


def lesson_of(
    column: Column, slug: str, position: int, topic: str, published: bool = False
) -> Lesson:
    """The lesson the column says, empty boxes left out."""
    quiz = tuple(
        Question(
            id=question.id,
            text=question.text,
            choices=tuple(Choice(c.id, c.text) for c in question.choices if c.text),
            answer=question.answer,
            explanation=question.explanation,
        )
        for question in column.questions
        if not question.is_blank()
    )
    return Lesson(
        slug=slug,
        language=column.language,
        position=position,
        topic=topic,
        title=column.title,
        messages=tuple(m for m in column.messages if m),
        quiz=quiz,
        published=published,
    )


def parse_position(raw: str) -> int:
    """The position typed; 0 (which the checks refuse) when it is not a whole number."""
    raw = raw.strip()
    return int(raw) if raw.isdigit() and len(raw) < 7 else 0


_QUIZ_FIELD = re.compile(r"^quiz\[(\d+)\](?:\.(\w+)(?:\.(\w+))?)?$")
_MESSAGE_FIELD = re.compile(r"^messages\[(\d+)\]$")
_PART_NAMES = {
    "id": "question id",
    "question": "question",
    "answer": "right answer",
    "explanation": "explanation",
    "choices": "choices",
}
_FIELD_NAMES = {
    "slug": "Short name",
    "position": "Position",
    "topic": "Topic",
    "title": "Title",
    "messages": "Messages",
    "quiz": "Quiz",
    "language": "Language",
    "published": "Published",
}


def field_name(field: str) -> str:
    """A problem's field in words: ``quiz[1].choices.b`` is "Question 1, choice b"."""
    if match := _MESSAGE_FIELD.match(field):
        return f"Message {match.group(1)}"
    if match := _QUIZ_FIELD.match(field):
        number, part, choice = match.groups()
        if part is None:
            return f"Question {number}"
        if part == "choices" and choice:
            return f"Question {number}, choice {choice}"
        return f"Question {number}, {_PART_NAMES.get(part, part)}"
    return _FIELD_NAMES.get(field, field.capitalize())


def plain(problems: list[Problem]) -> list[str]:
    """Problems as sentences for the trainer: "Message 2: must be some text"."""
    return [f"{field_name(p.field)}: {p.message}" for p in problems]
