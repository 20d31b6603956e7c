"""Lessons in chat, step by step, on a real database with the shipped lessons loaded."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from bot.cli import LESSONS_DIR
from bot.db import models
from bot.db.session import session_scope
from bot.i18n import gettext
from bot.lessons import store, tutor
from bot.lessons.files import read_tree
from bot.lessons.render import render
from bot.lessons.tutor import Tutor

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
SHIPPED, _problems = read_tree(LESSONS_DIR)


@pytest.fixture
def loaded(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        store.import_lessons(session, SHIPPED)
    return engine


def person(session: Session, user: str = "u1", client_id: int | None = None) -> models.ChatIdentity:
    row = session.scalars(
        select(models.ChatIdentity).where(models.ChatIdentity.channel_user_id == user)
    ).one_or_none()
    if row is None:
        row = models.ChatIdentity(channel="rest", channel_user_id=user, client_id=client_id)
        session.add(row)
        session.flush()
    return row


Turn = Callable[..., tutor.Reply]


def turn(engine: Engine, language: str = "en", user: str = "u1", currency: str = "KES") -> Turn:
    """Run one tutor method in its own transaction, as an action does."""

    def run(method: str, *args: str) -> tutor.Reply:
        with session_scope(engine) as session:
            who = person(session, user)
            return getattr(Tutor(session, who, language, currency, NOW), method)(*args)

    return run


def payload_args(payload: str) -> dict[str, str]:
    return json.loads(payload[payload.index("{") :])


def first_lesson(language: str = "en") -> str:
    return min((l_ for l_ in SHIPPED if l_.language == language), key=lambda l_: l_.position).slug


def test_the_menu_lists_every_lesson_in_pages_with_the_done_ones_marked(loaded: Engine) -> None:
    say = turn(loaded)
    menu = say("menu")
    assert menu.texts == (gettext("en", tutor.MENU),)
    titles = [b.title for b in menu.buttons]
    assert len(titles) == tutor.PAGE_SIZE + 1 and titles[-1] == "More lessons"
    second = say("menu", 2)
    assert len(second.buttons) == 12 - tutor.PAGE_SIZE + 1
    assert second.buttons[-1].payload == '/lessons{"page":1}'
    assert not any(t.startswith("✓") for t in titles)


def take(say: Turn, slug: str, answers: dict[str, str] | None = None) -> tutor.Reply:
    """Take a lesson to its end, answering each question with ``answers`` or the right one."""
    lesson = next(l_ for l_ in SHIPPED if l_.slug == slug and l_.language == "en")
    reply = say("open", slug)
    for _ in lesson.messages[1:]:
        reply = say("go_on")
    reply = say("go_on")  # the first question
    for question in lesson.quiz:
        choice = (answers or {}).get(question.id, question.answer)
        reply = say("answer", slug, question.id, choice)
    return reply


def test_a_lesson_one_message_at_a_time_then_the_quiz_scored_and_explained(
    loaded: Engine,
) -> None:
    say = turn(loaded)
    slug = "what-is-interest"
    lesson = next(l_ for l_ in SHIPPED if l_.slug == slug and l_.language == "en")
    first = say("open", slug)
    assert first.texts[-1].startswith(f"{lesson.title} (1/{len(lesson.messages)})")
    assert "Ksh" in "".join(say("go_on").texts) or "KES" in "".join(say("go_on").texts)
    reply = say("go_on")
    while not reply.texts[-1].startswith("Question 1"):
        reply = say("go_on")
    q1 = lesson.quiz[0]
    assert [payload_args(b.payload) for b in reply.buttons] == [
        {"lesson": slug, "question": q1.id, "choice": c.id} for c in q1.choices
    ]
    wrong = next(c.id for c in q1.choices if c.id != q1.answer)
    after_wrong = say("answer", slug, q1.id, wrong)
    assert after_wrong.texts[0].startswith("Not quite: the answer is")
    again = say("answer", slug, q1.id, q1.answer)  # a stale button: nothing scored
    assert again.texts[0] == gettext("en", tutor.ALREADY_ANSWERED)
    for question in lesson.quiz[1:]:
        end = say("answer", slug, question.id, question.answer)
    assert end.texts[-1] == (
        f"You finished “{lesson.title}”! Quiz: {len(lesson.quiz) - 1} of {len(lesson.quiz)} right."
    )
    with session_scope(loaded) as session:
        answers = session.scalars(select(models.LessonAnswer)).all()
        assert [(a.question_id, a.correct) for a in answers] == [
            (q1.id, False),
            *[(q.id, True) for q in lesson.quiz[1:]],
        ]
    assert say("menu").buttons[0].title == f"✓ {lesson.title}"


def test_pause_and_resume_where_it_stopped_and_progress(loaded: Engine) -> None:
    say = turn(loaded, language="sw")
    slug = first_lesson("sw")
    lesson = next(l_ for l_ in SHIPPED if l_.slug == slug and l_.language == "sw")
    say("open", slug)
    say("go_on")
    paused = say("pause")
    steps = len(lesson.messages) + len(lesson.quiz)
    assert paused.texts[0] == gettext("sw", tutor.PAUSED) % {
        "step": 2,
        "steps": steps,
        "title": lesson.title,
    }
    resumed = say("next")
    assert resumed.texts[0] == gettext("sw", tutor.WELCOME_BACK) % {"title": lesson.title}
    assert resumed.texts[1].startswith(f"{lesson.title} (3/{len(lesson.messages)})")
    progress = say("progress")
    assert f"… {lesson.title}" in progress.texts[0]
    take(say, slug)
    done = say("progress").texts[0]
    assert done.splitlines()[0] == gettext("sw", tutor.PROGRESS_HEAD) % {
        "done": 1,
        "count": 12,
        "right": len(lesson.quiz),
        "answered": len(lesson.quiz),
    }
    assert "✓" in done


def test_next_lesson_starts_the_first_not_finished(loaded: Engine) -> None:
    say = turn(loaded)
    take(say, first_lesson())
    reply = say("next")
    second = sorted((l_ for l_ in SHIPPED if l_.language == "en"), key=lambda l_: l_.position)[1]
    assert reply.texts[-1].startswith(f"{second.title} (1/")


def test_progress_follows_the_client_across_channels(loaded: Engine) -> None:
    with session_scope(loaded) as session:
        client = models.Client(
            name="A", phone="+254700000001", date_of_birth=dt.date(1990, 1, 1), locale="sw_KE"
        )
        session.add(client)
        session.flush()
        for user in ("telegram-1", "whatsapp-1"):
            session.add(models.ChatIdentity(channel="x", channel_user_id=user, client_id=client.id))
    slug = first_lesson()
    turn(loaded, user="telegram-1")("open", slug)
    turn(loaded, user="telegram-1")("go_on")
    resumed = turn(loaded, user="whatsapp-1")("next")
    assert resumed.texts[-1].startswith("What is interest? (3/")


def test_a_clients_progress_is_read_by_one_statement_however_many_chats_they_have(
    loaded: Engine,
) -> None:
    # A list of the client's identity ids made a new SQL text for each count, and each new
    # text a new entry in psycopg's statement caches: the action servers grew under load.
    with session_scope(loaded) as session:
        client = models.Client(
            name="A", phone="+254700000001", date_of_birth=dt.date(1990, 1, 1), locale="sw_KE"
        )
        session.add(client)
        session.flush()
        client_id = client.id
    seen: list[str] = []

    def record(*args: object) -> None:
        statement = str(args[2])
        if "FROM lesson_progress" in statement:
            seen.append(statement)

    event.listen(loaded, "before_cursor_execute", record)
    try:
        texts = []
        for count in (1, 2, 5):
            with session_scope(loaded) as session:
                for n in range(count - len(texts)):
                    session.add(
                        models.ChatIdentity(
                            channel="x", channel_user_id=f"chat-{count}-{n}", client_id=client_id
                        )
                    )
            seen.clear()
            turn(loaded, user=f"chat-{count}-0")("menu")
            assert seen, "the menu reads the client's progress"
            texts.append(seen[0])
    finally:
        event.remove(loaded, "before_cursor_execute", record)
    assert texts[0] == texts[1] == texts[2], texts


def test_a_language_not_published_falls_back_to_english_and_says_so(loaded: Engine) -> None:
    slug = first_lesson()
    with session_scope(loaded) as session:
        store.publish(session, slug, "hi", by="test", published=False)
    reply = turn(loaded, language="hi")("open", slug)
    assert reply.texts[0] == gettext("hi", tutor.IN_ENGLISH)
    english = next(l_ for l_ in SHIPPED if l_.slug == slug and l_.language == "en")
    assert reply.texts[1].startswith(english.title)


def test_money_is_in_the_clients_currency(loaded: Engine) -> None:
    slug = "what-is-interest"
    say = turn(loaded, language="fr", currency="XOF")
    say("open", slug)
    assert "50\u202f000\xa0F\u202fCFA" in say("go_on").texts[-1]  # Babel's spaces


def test_unknown_lessons_and_foreign_buttons_change_nothing(loaded: Engine) -> None:
    say = turn(loaded)
    unknown = say("open", "no-such-lesson")
    assert unknown.texts[0] == gettext("en", tutor.UNKNOWN_LESSON)
    stray = say("answer", "what-is-interest", "q1", "a")
    assert stray.texts[0] == gettext("en", tutor.NOT_THIS_LESSON)
    with session_scope(loaded) as session:
        assert session.scalar(select(func.count()).select_from(models.LessonAnswer)) == 0
    assert say("pause").texts == (gettext("en", tutor.NOTHING_TO_PAUSE),)


def test_no_published_lessons(engine: Engine) -> None:
    assert turn(engine)("menu").texts == (gettext("en", tutor.NO_LESSONS),)


def test_retaking_a_finished_lesson_starts_it_over(loaded: Engine) -> None:
    say = turn(loaded)
    slug = first_lesson()
    take(say, slug)
    again = say("open", slug)
    assert "(1/" in again.texts[-1]


def test_a_lesson_is_suggested_at_most_once_a_week_on_the_loans_topic(loaded: Engine) -> None:
    late = next(l_ for l_ in SHIPPED if l_.topic == "late" and l_.language == "en")

    def suggest(at: dt.datetime, topic: str | None) -> tutor.Reply | None:
        with session_scope(loaded) as session:
            return Tutor(session, person(session), "en", "KES", at).suggest(topic)

    first = suggest(NOW, "late")
    assert first is not None
    assert first.texts == (gettext("en", tutor.SUGGEST) % {"title": late.title},)
    assert first.buttons[0].payload == f'/lesson_open{{"lesson":"{late.slug}"}}'
    assert suggest(NOW + dt.timedelta(days=6), "late") is None
    later = suggest(NOW + dt.timedelta(days=7), None)  # nothing stands out: the first not done
    assert later is not None and first_lesson() in later.buttons[0].payload


def test_the_topic_a_clients_loans_call_for(demo_engine: Engine) -> None:
    """The demo data: Grace has an overdue installment (the late-payment lesson); the others
    pay on time with three or more installments to go (nothing stands out)."""
    from bot.lessons.suggest import topic_for
    from bot.loan_answers import client_loans

    today = dt.date(2026, 11, 25)
    with session_scope(demo_engine) as session:
        topics = {
            client.name: topic_for(
                view.standing for view in client_loans(session, client.id, today).loans
            )
            for client in session.scalars(select(models.Client))
        }
    assert topics == {
        "Amina Njeri": None,
        "Juan Pérez": None,
        "Aïssatou Diop": None,
        "Ravi Kumar": None,
        "Grace Nakato": "late",
    }


def test_a_loan_two_installments_from_the_end_calls_for_the_cost_lesson(
    demo_engine: Engine,
) -> None:
    from bot.lessons.suggest import topic_for
    from bot.loan_answers import client_loans

    with session_scope(demo_engine) as session:
        amina = session.scalars(
            select(models.Client).where(models.Client.name == "Amina Njeri")
        ).one()
        (view,) = client_loans(session, amina.id, dt.date(2026, 11, 25)).loans
    paid = [
        s._replace(paid_off_on=s.installment.due_date, remaining=Decimal(0))
        for s in view.standing.installments[:-2]
    ]
    nearly = dataclasses.replace(
        view.standing, installments=(*paid, *view.standing.installments[-2:])
    )
    assert topic_for([nearly]) == "cost"


def test_a_part_can_be_heard_when_voice_notes_are_available(loaded: Engine) -> None:
    slug = "what-is-interest"
    with session_scope(loaded) as session:
        listening = Tutor(session, person(session), "sw", "KES", NOW, voice=True)
        part = listening.open(slug)
        assert [b.title for b in part.buttons] == [
            gettext("sw", tutor.NEXT),
            gettext("sw", tutor.PAUSE),
            gettext("sw", tutor.LISTEN),
        ]
        assert part.buttons[-1].payload == f'/lesson_listen{{"lesson":"{slug}","step":1}}'
        spoken = listening.spoken(slug, "2")
        lesson = next(l_ for l_ in SHIPPED if l_.slug == slug and l_.language == "sw")
        assert spoken is not None and spoken[1] == "sw"
        assert spoken[0] == render(lesson.messages[1], "KES", "sw")
        assert listening.spoken(slug, "0") is None
        assert listening.spoken(slug, "99") is None
        assert listening.spoken("no-such-lesson", "1") is None
        silent = Tutor(session, person(session, "u2"), "sw", "KES", NOW).open(slug)
        assert len(silent.buttons) == 2
