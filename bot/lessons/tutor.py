"""Lessons in chat: the topics, one message at a time, the quiz, pausing, resuming, progress.

Every step is stored as it is shown, so a lesson left half way resumes where it stopped, on
any channel the client is known on. Progress belongs to the chat identity; once the identity
is linked to a client, the progress of all the client's identities counts as one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from bot.buttons import Button
from bot.db import models
from bot.i18n import N_, gettext
from bot.lessons import store
from bot.lessons.content import Lesson, Question
from bot.lessons.render import render

SUGGEST_EVERY = dt.timedelta(days=7)  # at most one suggested lesson a week
PAGE_SIZE = 8  # topics per menu page: WhatsApp lists hold 10 rows, with room for "More"

MENU = N_("Pick a lesson. The ones you finished have a ✓.")
NO_LESSONS = N_("There are no lessons yet. Please ask again later.")
MORE = N_("More lessons")
BACK = N_("First lessons")
NEXT = N_("Next ▶")
PAUSE = N_("Pause")
LISTEN = N_("🔊 Listen")
CONTINUE = N_("Continue the lesson")
ALL_LESSONS = N_("All lessons")
NEXT_LESSON = N_("Next lesson")
MY_PROGRESS = N_("My progress")
IN_ENGLISH = N_("This lesson is not yet in your language, so here it is in English.")
WELCOME_BACK = N_("Welcome back to “%(title)s”: we go on from where you stopped.")
PAUSED = N_(
    "Paused at part %(step)s of %(steps)s of “%(title)s”. Say “next lesson” or tap Continue "
    "when you want to go on."
)
NOTHING_TO_PAUSE = N_("You are not in a lesson right now.")
QUESTION = N_("Question %(number)s of %(count)s: %(question)s")
RIGHT = N_("Right! %(explanation)s")
WRONG = N_("Not quite: the answer is “%(answer)s”. %(explanation)s")
ALREADY_ANSWERED = N_("You already answered that question.")
NOT_THIS_LESSON = N_("That button is from another lesson. Here is where you are now.")
UNKNOWN_LESSON = N_("I do not know that lesson. Here are the lessons there are.")
FINISHED = N_("You finished “%(title)s”! Quiz: %(score)s of %(count)s right.")
ALL_DONE = N_("You have finished every lesson. Well done! You can take any of them again.")
PROGRESS_NONE = N_("You have not started a lesson yet. Say “lessons” to see them.")
PROGRESS_HEAD = N_(
    "Lessons finished: %(done)s of %(count)s. Quiz answers right: %(right)s of %(answered)s."
)
PROGRESS_DONE = N_("✓ %(title)s: quiz %(score)s of %(count)s")
SUGGEST = N_("A short lesson that may help you now: “%(title)s”.")
TAKE_IT = N_("Take the lesson")
PROGRESS_STARTED = N_("… %(title)s: part %(step)s of %(steps)s")


@dataclasses.dataclass(frozen=True)
class Reply:
    """What to say: messages in order, the buttons going with the last one."""

    texts: tuple[str, ...]
    buttons: tuple[Button, ...] = ()


def payload(intent: str, **entities: str | int) -> str:
    return f"/{intent}{json.dumps(entities, separators=(',', ':'))}" if entities else f"/{intent}"


@dataclasses.dataclass
class Tutor:
    """Lessons for one chat identity in one conversation."""

    session: Session
    person: models.ChatIdentity
    language: str
    currency: str
    now: dt.datetime
    voice: bool = False  # whether lesson parts can be sent as voice notes (bot.lessons.voice)

    def _(self, message: str) -> str:
        return gettext(self.language, message)

    # --- whose progress ---------------------------------------------------------------------

    def _whose_progress(self) -> ColumnElement[bool]:
        """The progress rows that are this person's: their chat identity's, or once verified,
        those of every chat identity of their client. A subquery, not a list of ids: the SQL
        stays one statement however many identities a client has (a list made a new statement
        for each count, which filled psycopg's statement caches with ever longer entries)."""
        column = models.LessonProgress.chat_identity_id
        if self.person.client_id is None:
            return column == self.person.id
        return column.in_(
            select(models.ChatIdentity.id).where(
                models.ChatIdentity.client_id == self.person.client_id
            )
        )

    def _progress_rows(self) -> dict[str, models.LessonProgress]:
        """Each lesson's progress across the person's identities: the furthest, the latest."""
        rows = self.session.scalars(select(models.LessonProgress).where(self._whose_progress()))
        best: dict[str, models.LessonProgress] = {}
        for row in rows:
            kept = best.get(row.lesson_slug)
            if kept is None or (row.updated_at, row.id) > (kept.updated_at, kept.id):
                best[row.lesson_slug] = row
        return best

    def _own_row(self, slug: str) -> models.LessonProgress:
        """This identity's progress row for a lesson, taking over another identity's state."""
        row = self.session.scalars(
            select(models.LessonProgress).where(
                models.LessonProgress.chat_identity_id == self.person.id,
                models.LessonProgress.lesson_slug == slug,
            )
        ).one_or_none()
        latest = self._progress_rows().get(slug)
        if row is None:
            row = models.LessonProgress(
                chat_identity_id=self.person.id,
                lesson_slug=slug,
                locale=self.language,
                status="new",
                step=0,
                questions_answered=0,
                started_at=self.now,
                updated_at=self.now,
            )
            self.session.add(row)
        if latest is not None and latest is not row:
            row.status, row.step = latest.status, latest.step
            row.questions_answered, row.score = latest.questions_answered, latest.score
        return row

    def _current(self) -> models.LessonProgress | None:
        started = [row for row in self._progress_rows().values() if row.status == "started"]
        return max(started, key=lambda row: (row.updated_at, row.id), default=None)

    # --- what the client sees -------------------------------------------------------------

    def menu(self, page: int = 1) -> Reply:
        lessons = store.published_lessons(self.session, self.language)
        if not lessons:
            return Reply((self._(NO_LESSONS),))
        progress = self._progress_rows()
        pages = max(1, -(-len(lessons) // PAGE_SIZE))
        page = min(max(page, 1), pages)
        shown = lessons[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        buttons = [
            Button(
                (
                    "✓ "
                    if progress.get(lesson.slug) and progress[lesson.slug].status == "finished"
                    else ""
                )
                + lesson.title,
                payload("lesson_open", lesson=lesson.slug),
            )
            for lesson, _fell_back in shown
        ]
        if page < pages:
            buttons.append(Button(self._(MORE), payload("lessons", page=page + 1)))
        elif pages > 1:
            buttons.append(Button(self._(BACK), payload("lessons", page=1)))
        return Reply((self._(MENU),), tuple(buttons))

    def open(self, slug: str) -> Reply:
        """Start a lesson, resume it where it stopped, or take a finished one again."""
        found = store.published_lesson(self.session, slug, self.language)
        if found is None:
            menu = self.menu()
            return Reply((self._(UNKNOWN_LESSON), *menu.texts), menu.buttons)
        lesson, fell_back = found
        row = self._own_row(slug)
        before: list[str] = []
        if fell_back:
            before.append(self._(IN_ENGLISH))
        if row.status == "started" and (row.step > 0 or row.questions_answered > 0):
            before.append(self._(WELCOME_BACK) % {"title": lesson.title})
        else:
            row.status, row.step, row.questions_answered, row.score = "started", 0, 0, 0
            row.started_at, row.completed_at = self.now, None
        row.locale = lesson.language
        return self._step(lesson, row, tuple(before))

    def next(self) -> Reply:
        """ "Next lesson": go on with the lesson in progress, or start the first one not done."""
        current = self._current()
        if current is not None:
            return self.open(current.lesson_slug)
        progress = self._progress_rows()
        for lesson, _fell_back in store.published_lessons(self.session, self.language):
            row = progress.get(lesson.slug)
            if row is None or row.status != "finished":
                return self.open(lesson.slug)
        menu = self.menu()
        return Reply((self._(ALL_DONE),), menu.buttons)

    def go_on(self) -> Reply:
        """The lesson's "Next" button: the next part of the lesson in progress."""
        current = self._current()
        found = (
            store.published_lesson(self.session, current.lesson_slug, self.language)
            if current is not None
            else None
        )
        if current is None or found is None:
            return self.next()
        return self._step(found[0], self._own_row(current.lesson_slug), ())

    def pause(self) -> Reply:
        current = self._current()
        if current is None:
            return Reply((self._(NOTHING_TO_PAUSE),), self._home_buttons())
        found = store.published_lesson(self.session, current.lesson_slug, self.language)
        if found is None:
            return Reply((self._(NOTHING_TO_PAUSE),), self._home_buttons())
        lesson = found[0]
        steps = len(lesson.messages) + len(lesson.quiz)
        text = self._(PAUSED) % {
            "step": min(current.step + current.questions_answered, steps),
            "steps": steps,
            "title": lesson.title,
        }
        return Reply((text,), (Button(self._(CONTINUE), payload("lesson_continue")),))

    def answer(self, slug: str, question_id: str, choice_id: str) -> Reply:
        """Score an answer to the question being asked; a stale button changes nothing."""
        current = self._current()
        found = store.published_lesson(self.session, slug, self.language)
        if current is None or current.lesson_slug != slug or found is None:
            reply = self.next() if current is not None else self.menu()
            return Reply((self._(NOT_THIS_LESSON), *reply.texts), reply.buttons)
        lesson = found[0]
        row = self._own_row(slug)
        asked = self._asked(lesson, row)
        question = lesson.question(question_id)
        if asked is None or question is None or question.id != asked.id:
            reply = self._step(lesson, row, ())
            return Reply((self._(ALREADY_ANSWERED), *reply.texts), reply.buttons)
        choice = question.choice(choice_id)
        if choice is None:
            return self._step(lesson, row, ())
        correct = choice.id == question.answer
        row.answers.append(
            models.LessonAnswer(
                question_id=question.id,
                choice_id=choice.id,
                correct=correct,
                locale=lesson.language,
                answered_at=self.now,
            )
        )
        row.questions_answered += 1
        row.score = (row.score or 0) + (1 if correct else 0)
        explanation = self._render(question.explanation)
        if correct:
            said = self._(RIGHT) % {"explanation": explanation}
        else:
            right = question.choice(question.answer)
            said = self._(WRONG) % {
                "answer": self._render(right.text if right else question.answer),
                "explanation": explanation,
            }
        return self._step(lesson, row, (said,))

    def progress(self) -> Reply:
        rows = self._progress_rows()
        if not rows:
            return Reply((self._(PROGRESS_NONE),), (Button(self._(ALL_LESSONS), "/lessons"),))
        lessons = store.published_lessons(self.session, self.language)
        lines, done, right, answered = [], 0, 0, 0
        for lesson, _fell_back in lessons:
            row = rows.get(lesson.slug)
            if row is None or row.status == "new":
                continue
            if row.status == "finished":
                done += 1
                lines.append(
                    self._(PROGRESS_DONE)
                    % {"title": lesson.title, "score": row.score or 0, "count": len(lesson.quiz)}
                )
            else:
                steps = len(lesson.messages) + len(lesson.quiz)
                lines.append(
                    self._(PROGRESS_STARTED)
                    % {
                        "title": lesson.title,
                        "step": row.step + row.questions_answered,
                        "steps": steps,
                    }
                )
        for row in rows.values():
            answered += len(row.answers)
            right += sum(1 for answer in row.answers if answer.correct)
        head = self._(PROGRESS_HEAD) % {
            "done": done,
            "count": len(lessons),
            "right": right,
            "answered": answered,
        }
        return Reply(("\n".join([head, *lines]),), self._home_buttons())

    def spoken(self, slug: str, step: str) -> tuple[str, str] | None:
        """The text of a part of a lesson to read aloud, and its language; None for a lesson
        or part that does not exist. Reading aloud changes no progress."""
        found = store.published_lesson(self.session, slug, self.language)
        if found is None or not step.isdigit():
            return None
        lesson = found[0]
        number = int(step)
        if not 1 <= number <= len(lesson.messages):
            return None
        return self._render(lesson.messages[number - 1]), lesson.language

    def suggest(self, topic: str | None) -> Reply | None:
        """At most once a week, one lesson not yet finished: the first on ``topic`` (what the
        client's loan calls for), else the first one not finished; None when it is too soon."""
        last = self.person.lesson_suggested_at  # per chat: one a week on each channel
        if last is not None and self.now - last < SUGGEST_EVERY:
            return None
        progress = self._progress_rows()
        open_ = [
            lesson
            for lesson, _fell_back in store.published_lessons(self.session, self.language)
            if progress.get(lesson.slug) is None or progress[lesson.slug].status != "finished"
        ]
        picked = next((lesson for lesson in open_ if lesson.topic == topic), None)
        if picked is None and open_:
            picked = open_[0]
        if picked is None:
            return None
        self.person.lesson_suggested_at = self.now
        return Reply(
            (self._(SUGGEST) % {"title": picked.title},),
            (Button(self._(TAKE_IT), payload("lesson_open", lesson=picked.slug)),),
        )

    # --- steps --------------------------------------------------------------------------------

    def _render(self, text: str) -> str:
        return render(text, self.currency, self.language)

    @staticmethod
    def _asked(lesson: Lesson, row: models.LessonProgress) -> Question | None:
        if row.step < len(lesson.messages) or row.questions_answered >= len(lesson.quiz):
            return None
        return lesson.quiz[row.questions_answered]

    def _step(self, lesson: Lesson, row: models.LessonProgress, before: tuple[str, ...]) -> Reply:
        """Show the next message, or the next question, or the end of the lesson."""
        row.updated_at = self.now
        if row.step < len(lesson.messages):
            row.step += 1
            text = f"{lesson.title} ({row.step}/{len(lesson.messages)})\n\n" + self._render(
                lesson.messages[row.step - 1]
            )
            buttons = (
                Button(self._(NEXT), payload("lesson_continue")),
                Button(self._(PAUSE), payload("lesson_pause")),
            )
            if self.voice:
                listen = payload("lesson_listen", lesson=lesson.slug, step=row.step)
                buttons = (*buttons, Button(self._(LISTEN), listen))
            return Reply((*before, text), buttons)
        question = self._asked(lesson, row)
        if question is not None:
            text = self._(QUESTION) % {
                "number": row.questions_answered + 1,
                "count": len(lesson.quiz),
                "question": self._render(question.text),
            }
            choices = "\n".join(
                f"{number}. {self._render(choice.text)}"
                for number, choice in enumerate(question.choices, start=1)
            )
            buttons = tuple(
                Button(
                    self._render(choice.text),
                    payload(
                        "lesson_answer", lesson=lesson.slug, question=question.id, choice=choice.id
                    ),
                )
                for choice in question.choices
            )
            return Reply((*before, f"{text}\n{choices}"), buttons)
        if row.status != "finished":
            row.status, row.completed_at = "finished", self.now
        text = self._(FINISHED) % {
            "title": lesson.title,
            "score": row.score or 0,
            "count": len(lesson.quiz),
        }
        return Reply((*before, text), self._home_buttons(next_lesson=True))

    def _home_buttons(self, next_lesson: bool = False) -> tuple[Button, ...]:
        buttons = [
            Button(self._(ALL_LESSONS), "/lessons"),
            Button(self._(MY_PROGRESS), "/my_progress"),
        ]
        if next_lesson:
            buttons.insert(0, Button(self._(NEXT_LESSON), payload("next_lesson")))
        return tuple(buttons)
