"""Lessons in the database (bot.lessons.store), on SQLite and PostgreSQL: importing is
idempotent, exporting gives the files back, trainers' edits and publishing are checked, and
clients see each lesson in their language or, said so, in English."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.cli import LESSONS_DIR
from bot.db import models
from bot.db.session import session_scope
from bot.lessons import store
from bot.lessons.content import Choice, Lesson, Question
from bot.lessons.files import read_tree, write_tree


@pytest.fixture(scope="module")
def shipped() -> list[Lesson]:
    lessons, problems = read_tree(LESSONS_DIR)
    assert problems == []
    assert len(lessons) == 60
    return lessons


def _key(lesson: Lesson) -> tuple[str, str]:
    return lesson.slug, lesson.language


def _count(engine: Engine) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(models.Lesson)) or 0


def _one(shipped: list[Lesson], at: int, language: str, /, **changes: object) -> Lesson:
    """The shipped lesson at position ``at`` in ``language``, with ``changes``."""
    lesson = next(item for item in shipped if item.position == at and item.language == language)
    return dataclasses.replace(lesson, **changes)


# --- import and export ------------------------------------------------------------------


def test_importing_twice_changes_nothing(engine: Engine, shipped: list[Lesson]) -> None:
    with session_scope(engine) as session:
        first = store.import_lessons(session, shipped)
    assert first == store.ImportResult(added=60, changed=0, unchanged=0)
    assert _count(engine) == 60
    with session_scope(engine) as session:
        updated = {row.id: row.updated_at for row in session.scalars(select(models.Lesson))}
        second = store.import_lessons(session, shipped)
    assert second == store.ImportResult(added=0, changed=0, unchanged=60)
    assert _count(engine) == 60
    with session_scope(engine) as session:
        assert {row.id: row.updated_at for row in session.scalars(select(models.Lesson))} == (
            updated
        )
        assert {row.updated_by for row in session.scalars(select(models.Lesson))} == {"import"}


def test_changing_one_file_changes_one_row(
    engine: Engine, shipped: list[Lesson], tmp_path: Path
) -> None:
    with session_scope(engine) as session:
        store.import_lessons(session, shipped)
    folder = tmp_path / "lessons"
    shutil.copytree(LESSONS_DIR, folder)
    path = folder / "what-is-interest" / "sw.yml"
    text = path.read_text(encoding="utf-8")
    assert text.count("title: Riba ni nini?") == 1
    path.write_text(text.replace("title: Riba ni nini?", "title: Riba ni nini hasa?"), "utf-8")
    edited, problems = read_tree(folder)
    assert problems == []
    with session_scope(engine) as session:
        result = store.import_lessons(session, edited)
    assert result == store.ImportResult(added=0, changed=1, unchanged=59)
    assert _count(engine) == 60
    with session_scope(engine) as session:
        lesson = store.get(session, "what-is-interest", "sw")
        assert lesson is not None
        assert lesson.title == "Riba ni nini hasa?"
        assert lesson == next(e for e in edited if _key(e) == ("what-is-interest", "sw"))
        english = store.get(session, "what-is-interest", "en")
        assert english is not None and english.title == "What is interest?"


def test_import_adds_a_new_language_and_leaves_the_rest(
    engine: Engine, shipped: list[Lesson]
) -> None:
    without_hindi = [lesson for lesson in shipped if lesson.language != "hi"]
    with session_scope(engine) as session:
        assert store.import_lessons(session, without_hindi) == store.ImportResult(48, 0, 0)
    with session_scope(engine) as session:
        assert store.import_lessons(session, shipped) == store.ImportResult(12, 0, 48)
    assert _count(engine) == 60


def test_export_gives_back_the_lessons(
    engine: Engine, shipped: list[Lesson], tmp_path: Path
) -> None:
    with session_scope(engine) as session:
        store.import_lessons(session, shipped)
    with session_scope(engine) as session:
        exported = store.all_lessons(session)
    assert [(lesson.position, lesson.slug, lesson.language) for lesson in exported] == sorted(
        (lesson.position, lesson.slug, lesson.language) for lesson in exported
    )
    assert len(write_tree(tmp_path, exported)) == 60
    again, problems = read_tree(tmp_path)
    assert [str(p) for p in problems] == []
    assert sorted(again, key=_key) == sorted(shipped, key=_key)


def test_export_includes_a_trainers_edit_and_drafts(
    engine: Engine, shipped: list[Lesson], tmp_path: Path
) -> None:
    with session_scope(engine) as session:
        store.import_lessons(session, shipped)
    edited = _one(shipped, 2, "fr", title="Taux fixe ou dégressif ?", published=False)
    with session_scope(engine) as session:
        assert store.save(session, edited, by="wanjiru") == []
    with session_scope(engine) as session:
        write_tree(tmp_path, store.all_lessons(session))
    again, problems = read_tree(tmp_path)
    assert problems == []
    assert next(e for e in again if _key(e) == _key(edited)) == edited


# --- trainers' edits --------------------------------------------------------------------


def test_save_with_problems_writes_nothing(session: Session, shipped: list[Lesson]) -> None:
    broken = _one(shipped, 1, "en", title="x" * 61, messages=_one(shipped, 1, "en").messages[:2])
    problems = store.save(session, broken, by="wanjiru")
    assert [(p.field, p.message) for p in problems] == [
        ("title", "61 characters with the money written out; at most 60"),
        ("messages", "2 messages; 3 to 6"),
    ]
    assert {(p.path, p.lesson, p.language) for p in problems} == {("dashboard", broken.slug, "en")}
    assert store.get(session, broken.slug, "en") is None
    assert session.scalar(select(func.count()).select_from(models.Lesson)) == 0


def test_save_with_problems_leaves_the_saved_version(
    session: Session, shipped: list[Lesson]
) -> None:
    good = _one(shipped, 1, "en")
    assert store.save(session, good, by="wanjiru") == []
    stray = dataclasses.replace(good, messages=(*good.messages[:3], "Pay {money:300 today."))
    problems = store.save(session, stray, by="amina")
    assert [(p.field, p.message) for p in problems] == [
        ("messages[4]", "a brace that is not part of {money:N}")
    ]
    assert store.get(session, good.slug, "en") == good
    row = session.scalars(select(models.Lesson)).one()
    assert row.updated_by == "wanjiru"


def test_save_adds_then_replaces_one_language(session: Session, shipped: list[Lesson]) -> None:
    english = _one(shipped, 1, "en")
    assert store.save(session, english, by="wanjiru") == []
    swahili = _one(shipped, 1, "sw", published=False)
    assert store.save(session, swahili, by="wanjiru") == []
    assert store.versions(session, english.slug) == {"en": english, "sw": swahili}
    retitled = dataclasses.replace(swahili, title="Riba ni nini hasa?")
    assert store.save(session, retitled, by="amina") == []
    assert store.versions(session, english.slug) == {"en": english, "sw": retitled}
    assert session.scalar(select(func.count()).select_from(models.Lesson)) == 2


def test_a_translation_needs_the_english_first(session: Session, shipped: list[Lesson]) -> None:
    swahili = _one(shipped, 1, "sw")
    problems = store.save(session, swahili, by="wanjiru")
    assert [(p.language, p.field, p.message) for p in problems] == [
        ("sw", "language", "write the English version first")
    ]
    assert store.get(session, swahili.slug, "sw") is None


def _other_shape(lesson: Lesson) -> Lesson:
    """The same quiz with the first question's last choice under another id."""
    first, *rest = lesson.quiz
    *kept, last = first.choices
    assert last.id != "z" and first.answer != last.id
    reshaped = dataclasses.replace(first, choices=(*kept, Choice("z", last.text)))
    return dataclasses.replace(lesson, quiz=(reshaped, *rest))


def test_a_translation_whose_quiz_differs_from_english_is_refused(
    session: Session, shipped: list[Lesson]
) -> None:
    english = _one(shipped, 1, "en")
    swahili = _one(shipped, 1, "sw")
    assert store.save(session, english, by="wanjiru") == []
    assert store.save(session, swahili, by="wanjiru") == []

    reshaped = _other_shape(swahili)
    assert reshaped.quiz_shape() != english.quiz_shape()
    other_answer = dataclasses.replace(
        swahili,
        quiz=(
            dataclasses.replace(swahili.quiz[0], answer=swahili.quiz[0].choices[0].id),
            *swahili.quiz[1:],
        ),
    )
    assert other_answer.quiz[0].answer != english.quiz[0].answer
    for different in (reshaped, other_answer):
        problems = store.save(session, different, by="amina")
        assert [(p.field, p.message) for p in problems] == [
            ("quiz", "questions, choices or answers differ from English")
        ]
    assert store.get(session, swahili.slug, "sw") == swahili


def test_english_quiz_can_change_shape(session: Session, shipped: list[Lesson]) -> None:
    english = _one(shipped, 1, "en")
    reshaped = _other_shape(english)
    assert store.save(session, reshaped, by="wanjiru") == []
    assert store.get(session, english.slug, "en") == reshaped


def test_a_translation_at_another_position_or_topic_is_refused(
    session: Session, shipped: list[Lesson]
) -> None:
    assert store.save(session, _one(shipped, 1, "en"), by="wanjiru") == []
    moved = _one(shipped, 1, "sw", position=9)
    retopiced = _one(shipped, 1, "sw", topic="fees")
    assert [p.field for p in store.save(session, moved, by="amina")] == ["position"]
    assert [p.field for p in store.save(session, retopiced, by="amina")] == ["topic"]
    assert store.get(session, moved.slug, "sw") is None


def test_a_new_lesson_at_a_position_another_lesson_has_is_refused(
    session: Session, shipped: list[Lesson]
) -> None:
    assert store.save(session, _one(shipped, 1, "en"), by="wanjiru") == []
    newcomer = _one(shipped, 2, "en", position=1)
    problems = store.save(session, newcomer, by="wanjiru")
    assert [(p.field, p.message) for p in problems] == [
        ("position", f"1 is lesson {_one(shipped, 1, 'en').slug}'s")
    ]
    assert store.get(session, newcomer.slug, "en") is None
    assert store.save(session, _one(shipped, 1, "en", title="Interest, simply"), by="w") == []


# --- publishing -------------------------------------------------------------------------


def test_publishing_a_missing_language_is_refused(session: Session, shipped: list[Lesson]) -> None:
    store.import_lessons(session, [_one(shipped, 1, "en"), _one(shipped, 1, "sw")])
    with pytest.raises(store.NotPublishable, match="no hi version"):
        store.publish(session, "what-is-interest", "hi", by="wanjiru")
    with pytest.raises(store.NotPublishable, match="no en version"):
        store.publish(session, "no-such-lesson", "en", by="wanjiru")
    assert store.versions(session, "what-is-interest").keys() == {"en", "sw"}


def test_a_translation_is_published_after_the_english(
    session: Session, shipped: list[Lesson]
) -> None:
    english = _one(shipped, 1, "en", published=False)
    swahili = _one(shipped, 1, "sw", published=False)
    store.import_lessons(session, [english, swahili])
    with pytest.raises(store.NotPublishable, match="publish the English version first"):
        store.publish(session, english.slug, "sw", by="wanjiru")
    assert store.get(session, english.slug, "sw") == swahili  # still a draft

    store.publish(session, english.slug, "en", by="wanjiru")
    store.publish(session, english.slug, "sw", by="amina")
    assert store.get(session, english.slug, "en") == dataclasses.replace(english, published=True)
    assert store.get(session, english.slug, "sw") == dataclasses.replace(swahili, published=True)
    row = session.scalars(select(models.Lesson).where(models.Lesson.locale == "sw")).one()
    assert row.updated_by == "amina"

    store.publish(session, english.slug, "sw", by="amina", published=False)
    assert store.get(session, english.slug, "sw") == swahili


def test_a_version_with_problems_cannot_be_published(
    session: Session, shipped: list[Lesson]
) -> None:
    english = _one(shipped, 1, "en")
    reshaped = _other_shape(_one(shipped, 1, "sw", published=False))
    store.import_lessons(session, [english, reshaped])  # an import trusts its files
    with pytest.raises(store.NotPublishable, match="^quiz: questions, choices or answers differ"):
        store.publish(session, english.slug, "sw", by="wanjiru")
    assert store.get(session, english.slug, "sw") == reshaped


def test_catalogue_lists_each_language_state(session: Session, shipped: list[Lesson]) -> None:
    store.import_lessons(
        session,
        [
            _one(shipped, 2, "en"),
            _one(shipped, 2, "sw", published=False),
            _one(shipped, 2, "fr"),
            _one(shipped, 1, "en", published=False),
            *(lesson for lesson in shipped if lesson.position == 3),
        ],
    )
    statuses = store.catalogue(session)
    assert [(s.position, s.slug, s.topic, s.title) for s in statuses] == [
        (1, "what-is-interest", "interest", "What is interest?"),
        (2, "flat-vs-declining", "rates", _one(shipped, 2, "en").title),
        (3, "apr-and-total-cost", "cost", _one(shipped, 3, "en").title),
    ]
    assert [s.languages for s in statuses] == [
        {"en": "draft", "sw": "missing", "fr": "missing", "es": "missing", "hi": "missing"},
        {"en": "published", "sw": "draft", "fr": "published", "es": "missing", "hi": "missing"},
        {language: "published" for language in ("en", "sw", "fr", "es", "hi")},
    ]


def test_clients_see_their_language_or_english(session: Session, shipped: list[Lesson]) -> None:
    store.import_lessons(
        session,
        [
            # 1: English published, Kiswahili a draft -> English, saying so
            _one(shipped, 1, "en"),
            _one(shipped, 1, "sw", published=False),
            # 2: English a draft -> not shown at all, even with Kiswahili published
            _one(shipped, 2, "en", published=False),
            _one(shipped, 2, "sw"),
            # 3: both published -> Kiswahili
            _one(shipped, 3, "en"),
            _one(shipped, 3, "sw"),
            # 4: English only -> English, saying so
            _one(shipped, 4, "en"),
        ],
    )
    seen = store.published_lessons(session, "sw")
    assert [(lesson.slug, lesson.language, fell_back) for lesson, fell_back in seen] == [
        ("what-is-interest", "en", True),
        ("apr-and-total-cost", "sw", False),
        ("fees-insurance-savings", "en", True),
    ]
    assert seen[0][0] == _one(shipped, 1, "en")
    assert seen[1][0] == _one(shipped, 3, "sw")

    in_english = store.published_lessons(session, "en")
    assert [(lesson.position, lesson.language, fell_back) for lesson, fell_back in in_english] == [
        (1, "en", False),
        (3, "en", False),
        (4, "en", False),
    ]
    assert store.published_lesson(session, "what-is-interest", "sw") == (
        _one(shipped, 1, "en"),
        True,
    )
    assert store.published_lesson(session, "apr-and-total-cost", "sw") == (
        _one(shipped, 3, "sw"),
        False,
    )
    assert store.published_lesson(session, "flat-vs-declining", "sw") is None
    assert store.published_lesson(session, "flat-vs-declining", "en") is None


def test_withdrawing_the_english_hides_the_lesson(session: Session, shipped: list[Lesson]) -> None:
    store.import_lessons(session, [_one(shipped, 1, "en"), _one(shipped, 1, "fr")])
    assert store.published_lesson(session, "what-is-interest", "fr") == (
        _one(shipped, 1, "fr"),
        False,
    )
    store.publish(session, "what-is-interest", "en", by="wanjiru", published=False)
    assert store.published_lessons(session, "fr") == []
    assert store.catalogue(session)[0].languages["fr"] == "published"


def test_a_question_round_trips_through_the_database(session: Session) -> None:
    question = Question(
        id="q1",
        text="How much is 3% of {money:10000}?",
        choices=(Choice("a", "{money:30}"), Choice("b", "{money:300}")),
        answer="b",
        explanation="3% of {money:10000} is {money:300}.",
    )
    lesson = Lesson(
        slug="tiny",
        language="en",
        position=1,
        topic="interest",
        title="Tiny",
        messages=("One.", "Two {money:10000}.", "Three — ñ, हिन्दी."),
        quiz=(question,),
        published=False,
    )
    assert store.save(session, lesson, by="wanjiru") == []
    session.expire_all()
    assert store.get(session, "tiny", "en") == lesson
    assert store.all_lessons(session) == [lesson]
