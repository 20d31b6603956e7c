"""Lessons in the database: loaded from files, edited and published by trainers, read by the bot.

Each (lesson, language) is one row. A language is published on its own, and only when the
lesson has that language in full (``check`` finds nothing wrong with it) and its quiz has the
same shape as the English one; the bot shows a lesson in English, and says so, where the
client's language is not published.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import models
from bot.lessons.content import LANGUAGES, SOURCE_LANGUAGE, Lesson, quiz_from_json
from bot.lessons.files import Problem, check


class NotPublishable(ValueError):
    """A language of a lesson that cannot be published; the message says why."""


@dataclasses.dataclass(frozen=True)
class ImportResult:
    added: int
    changed: int
    unchanged: int


@dataclasses.dataclass(frozen=True)
class LessonStatus:
    """A lesson in the trainers' list: its English title and each language's state."""

    slug: str
    position: int
    topic: str
    title: str
    languages: dict[str, str]  # language -> "published", "draft" or "missing"


def to_lesson(row: models.Lesson) -> Lesson:
    return Lesson(
        slug=row.slug,
        language=row.locale,
        position=row.position,
        topic=row.topic,
        title=row.title,
        messages=tuple(row.messages),
        quiz=quiz_from_json(row.quiz),
        published=row.published,
    )


def _fill(row: models.Lesson, lesson: Lesson, by: str) -> None:
    row.position = lesson.position
    row.topic = lesson.topic
    row.title = lesson.title
    row.messages = list(lesson.messages)
    row.quiz = lesson.quiz_as_json()
    row.published = lesson.published
    row.updated_by = by


def _row(session: Session, slug: str, language: str) -> models.Lesson | None:
    return session.scalars(
        select(models.Lesson).where(models.Lesson.slug == slug, models.Lesson.locale == language)
    ).one_or_none()


def import_lessons(session: Session, lessons: Iterable[Lesson]) -> ImportResult:
    """Load lessons (already checked) into the database: a row per language, added or brought
    up to date; a row that already says the same is left alone, so a second import changes
    nothing."""
    added = changed = unchanged = 0
    for lesson in lessons:
        row = _row(session, lesson.slug, lesson.language)
        if row is None:
            row = models.Lesson(slug=lesson.slug, locale=lesson.language)
            _fill(row, lesson, "import")
            session.add(row)
            added += 1
        elif to_lesson(row) == lesson:
            unchanged += 1
        else:
            _fill(row, lesson, "import")
            changed += 1
    session.flush()
    return ImportResult(added, changed, unchanged)


def all_lessons(session: Session) -> list[Lesson]:
    """Every lesson in every language, drafts too, in the order of the topics list."""
    rows = session.scalars(
        select(models.Lesson).order_by(
            models.Lesson.position, models.Lesson.slug, models.Lesson.locale
        )
    )
    return [to_lesson(row) for row in rows]


def get(session: Session, slug: str, language: str) -> Lesson | None:
    row = _row(session, slug, language)
    return to_lesson(row) if row is not None else None


def versions(session: Session, slug: str) -> dict[str, Lesson]:
    """Every language of one lesson, drafts too."""
    rows = session.scalars(select(models.Lesson).where(models.Lesson.slug == slug))
    return {row.locale: to_lesson(row) for row in rows}


def problems_in(session: Session, lesson: Lesson) -> list[Problem]:
    """What stops ``lesson`` being saved: its own mistakes; for the English version, a position
    another lesson has (the files could not be exported and read back); for a translation, a
    quiz, position or topic that differs from the English version."""
    found = check(lesson)
    if found:
        return found
    if lesson.language == SOURCE_LANGUAGE:
        taken = session.scalars(
            select(models.Lesson.slug).where(
                models.Lesson.locale == SOURCE_LANGUAGE,
                models.Lesson.position == lesson.position,
                models.Lesson.slug != lesson.slug,
            )
        ).first()
        if taken is not None:
            return [_problem(lesson, "position", f"{lesson.position} is lesson {taken}'s")]
        return []
    source = get(session, lesson.slug, SOURCE_LANGUAGE)
    if source is None:
        return [_problem(lesson, "language", "write the English version first")]
    found = [
        _problem(lesson, field, f"differs from English ({getattr(source, field)})")
        for field in ("position", "topic")
        if getattr(lesson, field) != getattr(source, field)
    ]
    if lesson.quiz_shape() != source.quiz_shape():
        found.append(_problem(lesson, "quiz", "questions, choices or answers differ from English"))
    return found


def _problem(lesson: Lesson, field: str, message: str) -> Problem:
    return Problem("dashboard", 0, lesson.slug, lesson.language, field, message)


def save(session: Session, lesson: Lesson, by: str) -> list[Problem]:
    """Add or replace one language of a lesson (as a draft unless ``lesson.published``);
    nothing is written when there are problems, which are returned."""
    found = problems_in(session, lesson)
    if found:
        return found
    row = _row(session, lesson.slug, lesson.language)
    if row is None:
        row = models.Lesson(slug=lesson.slug, locale=lesson.language)
        session.add(row)
    _fill(row, lesson, by)
    session.flush()
    return []


def publish(session: Session, slug: str, language: str, by: str, published: bool = True) -> None:
    """Publish (or withdraw) one language of a lesson."""
    row = _row(session, slug, language)
    if row is None:
        raise NotPublishable(f"lesson {slug} has no {language} version to publish")
    if published:
        found = problems_in(session, dataclasses.replace(to_lesson(row), published=True))
        if found:
            raise NotPublishable("; ".join(f"{p.field}: {p.message}" for p in found))
        if language != SOURCE_LANGUAGE:
            source = _row(session, slug, SOURCE_LANGUAGE)
            if source is None or not source.published:
                raise NotPublishable("publish the English version first")
    row.published = published
    row.updated_by = by
    session.flush()


def catalogue(session: Session) -> list[LessonStatus]:
    """Every lesson with each language's state, for the trainers' list."""
    by_slug: dict[str, dict[str, models.Lesson]] = {}
    for row in session.scalars(select(models.Lesson)):
        by_slug.setdefault(row.slug, {})[row.locale] = row
    statuses = []
    for slug, rows in by_slug.items():
        source = rows.get(SOURCE_LANGUAGE) or next(iter(rows.values()))
        statuses.append(
            LessonStatus(
                slug=slug,
                position=source.position,
                topic=source.topic,
                title=source.title,
                languages={
                    language: (
                        "missing"
                        if language not in rows
                        else "published"
                        if rows[language].published
                        else "draft"
                    )
                    for language in LANGUAGES
                },
            )
        )
    return sorted(statuses, key=lambda status: (status.position, status.slug))


def published_lessons(session: Session, language: str) -> list[tuple[Lesson, bool]]:
    """The lessons a client sees, in order: each in ``language`` when published in it, else in
    English (the flag says it fell back); lessons whose English is not published are left out."""
    rows = session.scalars(
        select(models.Lesson)
        .where(models.Lesson.published.is_(True))
        .where(models.Lesson.locale.in_({language, SOURCE_LANGUAGE}))
        .order_by(models.Lesson.position, models.Lesson.slug)
    )
    by_slug: dict[str, dict[str, models.Lesson]] = {}
    for row in rows:
        by_slug.setdefault(row.slug, {})[row.locale] = row
    shown = []
    for versions_ in by_slug.values():
        if SOURCE_LANGUAGE not in versions_:
            continue
        if language in versions_:
            shown.append((to_lesson(versions_[language]), False))
        else:
            shown.append((to_lesson(versions_[SOURCE_LANGUAGE]), language != SOURCE_LANGUAGE))
    return sorted(shown, key=lambda pair: (pair[0].position, pair[0].slug))


def published_lesson(session: Session, slug: str, language: str) -> tuple[Lesson, bool] | None:
    """One lesson as a client sees it (see ``published_lessons``), or None."""
    for lesson, fell_back in published_lessons(session, language):
        if lesson.slug == slug:
            return lesson, fell_back
    return None
