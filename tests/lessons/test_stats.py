"""Completion and quiz-success counts per lesson and language (bot.lessons.stats), on SQLite
and PostgreSQL."""

from __future__ import annotations

import itertools

from sqlalchemy.orm import Session

from bot.db.models import ChatIdentity, LessonAnswer, LessonProgress
from bot.lessons.stats import LanguageStats, lesson_stats, stats_for

_people = itertools.count(1)


def took(
    session: Session,
    slug: str,
    language: str,
    finished: bool,
    answers: tuple[bool, ...] = (),
    answered_in: str | None = None,
) -> None:
    """One client who started ``slug`` in ``language``, with their quiz answers."""
    identity = ChatIdentity(channel="telegram", channel_user_id=f"person-{next(_people)}")
    session.add(identity)
    session.flush()
    session.add(
        LessonProgress(
            chat_identity_id=identity.id,
            lesson_slug=slug,
            locale=language,
            status="finished" if finished else "started",
            answers=[
                LessonAnswer(
                    question_id=f"q{n}",
                    choice_id="a",
                    correct=right,
                    locale=answered_in or language,
                )
                for n, right in enumerate(answers, start=1)
            ],
        )
    )
    session.flush()


def test_no_progress_no_numbers(session: Session) -> None:
    found = lesson_stats(session)

    assert found == {}
    empty = stats_for(found, "what-is-interest", "en")
    assert empty == LanguageStats("what-is-interest", "en", 0, 0, 0, 0)
    assert empty.completion_rate is None
    assert empty.quiz_success_rate is None


def test_counts_and_rates_per_lesson_and_language(session: Session) -> None:
    took(session, "what-is-interest", "en", True, (True, True))
    took(session, "what-is-interest", "en", True, (True, False))
    took(session, "what-is-interest", "en", False, (False,))
    took(session, "what-is-interest", "en", False)
    took(session, "what-is-interest", "sw", True, (True,))
    took(session, "paying-late", "en", False)

    found = lesson_stats(session)

    english = found[("what-is-interest", "en")]
    assert english == LanguageStats("what-is-interest", "en", 4, 2, 5, 3)
    assert english.completion_rate == 0.5
    assert english.quiz_success_rate == 0.6
    assert found[("what-is-interest", "sw")] == LanguageStats("what-is-interest", "sw", 1, 1, 1, 1)
    late = found[("paying-late", "en")]
    assert (late.started, late.finished, late.answers) == (1, 0, 0)
    assert late.completion_rate == 0.0
    assert late.quiz_success_rate is None
    assert set(found) == {
        ("what-is-interest", "en"),
        ("what-is-interest", "sw"),
        ("paying-late", "en"),
    }


def test_answers_count_in_the_language_they_were_given_in(session: Session) -> None:
    # Started in English, then switched to French for the quiz.
    took(session, "paying-early", "en", True, (True, False, False), answered_in="fr")

    found = lesson_stats(session)

    assert found[("paying-early", "en")] == LanguageStats("paying-early", "en", 1, 1, 0, 0)
    assert found[("paying-early", "fr")] == LanguageStats("paying-early", "fr", 0, 0, 3, 1)
    assert round(found[("paying-early", "fr")].quiz_success_rate or 0, 3) == 0.333
