"""How clients do in each lesson, per language, for the trainers' dashboard.

Two numbers per (lesson, language), each with the counts behind it:

- completion rate: progress rows that are ``finished`` out of all progress rows (every row
  is a client who started the lesson in that language);
- quiz success rate: right answers out of all recorded answers (``LessonAnswer``), counted in
  the language each answer was given in.

A rate is ``None`` when there is nothing to divide by yet.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot.db.models import LessonAnswer, LessonProgress


@dataclasses.dataclass(frozen=True)
class LanguageStats:
    """One lesson in one language: who started, who finished, how the quiz went."""

    slug: str
    language: str
    started: int = 0
    finished: int = 0
    answers: int = 0
    correct: int = 0

    @property
    def completion_rate(self) -> float | None:
        return self.finished / self.started if self.started else None

    @property
    def quiz_success_rate(self) -> float | None:
        return self.correct / self.answers if self.answers else None


def lesson_stats(session: Session) -> dict[tuple[str, str], LanguageStats]:
    """Every (slug, language) that has progress or answers, with its counts."""
    progress = session.execute(
        select(
            LessonProgress.lesson_slug,
            LessonProgress.locale,
            func.count(LessonProgress.id),
            func.coalesce(func.sum(case((LessonProgress.status == "finished", 1), else_=0)), 0),
        ).group_by(LessonProgress.lesson_slug, LessonProgress.locale)
    ).all()
    answers = session.execute(
        select(
            LessonProgress.lesson_slug,
            LessonAnswer.locale,
            func.count(LessonAnswer.id),
            func.coalesce(func.sum(case((LessonAnswer.correct.is_(True), 1), else_=0)), 0),
        )
        .join(LessonProgress, LessonAnswer.progress_id == LessonProgress.id)
        .group_by(LessonProgress.lesson_slug, LessonAnswer.locale)
    ).all()

    found: dict[tuple[str, str], LanguageStats] = {}
    for slug, language, started, finished in progress:
        found[(slug, language)] = LanguageStats(slug, language, int(started), int(finished))
    for slug, language, total, correct in answers:
        current = found.get((slug, language), LanguageStats(slug, language))
        found[(slug, language)] = dataclasses.replace(
            current, answers=int(total), correct=int(correct)
        )
    return found


def stats_for(
    found: dict[tuple[str, str], LanguageStats], slug: str, language: str
) -> LanguageStats:
    """The counts of one lesson in one language, zero when nobody took it."""
    return found.get((slug, language), LanguageStats(slug, language))
