"""Faults in the production profile, mid-conversation, on the path clients really use: the
WhatsApp webhook in front of two Rasa servers and two action servers behind nginx, with a
PostgreSQL and a Redis of the test's own (``tests/private_servers.py``), so that they can be
stopped and restarted.

Redis stopped: Rasa cannot take the conversation's lock; the client hears once, in their
language, that Wazi cannot answer right now, and gets the answer once Redis is back.
PostgreSQL stopped: the webhook cannot store the delivery and answers 503, so WhatsApp delivers
it again later; once PostgreSQL is back, that delivery is answered once. Either way nothing is
asked again, lost or written twice, and nobody restarts anything by hand.

The same holds in the middle of a lesson (a lesson needs no verification, so new numbers): the
"Next" or quiz-answer button pressed during either outage moves the lesson on by exactly one
part or one answer, in ``lesson_progress`` and ``lesson_answers`` as on the client's phone.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.channels import messages
from bot.cli import LESSONS_DIR
from bot.db.models import ChannelMessage, ChatIdentity, LessonProgress
from bot.db.session import make_engine, session_scope
from bot.devstack import Stack, StackError, production_stack
from bot.i18n import LANGUAGE_NAMES, gettext
from bot.lessons import tutor
from bot.lessons.content import Lesson
from bot.lessons.files import read_tree
from bot.lessons.render import render
from bot.training import model_path
from tests.channels import fake_graph
from tests.channels.fake_graph import APP_SECRET, post_signed
from tests.e2e.records import loan_answers
from tests.e2e.whatsapp_process import WhatsApp, whatsapp_adapter
from tests.private_servers import Postgres, Redis, private_postgres, private_redis

pytestmark = pytest.mark.e2e

JUAN = ("525512000002", "30/11/1979")  # es_MX, one loan: L-2001
RAVI = ("919812000004", "07/07/1985")  # hi_IN, one loan: L-4001

LESSONS, _problems = read_tree(LESSONS_DIR)
SLUG = "what-is-interest"  # four parts, then two questions
CONTINUE = tutor.payload("lesson_continue")  # the "Next" button of a lesson part


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[Postgres, Redis]]:
    with private_postgres() as postgres, private_redis() as redis:
        yield postgres, redis


@pytest.fixture(scope="module")
def prod(servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    postgres, redis = servers
    try:
        with production_stack(
            model_path(), tmp_path_factory.mktemp("prodfaults"), postgres.url, redis_url=redis.url
        ) as running:
            yield running
    except StackError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def whatsapp(prod, tmp_path_factory) -> Iterator[WhatsApp]:
    with whatsapp_adapter(prod, tmp_path_factory.mktemp("wa"), "faults-verify") as running:
        yield running


def _stored(prod: Stack, wa_id: str) -> list[str]:
    engine = make_engine(prod.database_url)
    try:
        with session_scope(engine) as session:
            return list(
                session.scalars(
                    select(ChannelMessage.external_id).where(ChannelMessage.user_id == wa_id)
                )
            )
    finally:
        engine.dispose()


def _verified(whatsapp: WhatsApp, wa_id: str, born: str, language: str, title: str) -> str:
    """Choose the language and verify (the number is WhatsApp's): the first answer's text."""
    (languages,) = whatsapp.say(wa_id, fake_graph.text_message(wa_id, "hello"), expect=1)
    choice = next(reply_id for reply_id, shown in languages.choices if shown == title)
    whatsapp.say(wa_id, fake_graph.list_reply(wa_id, choice, title), expect=1)
    whatsapp.say(wa_id, fake_graph.text_message(wa_id, "/ask_balance"), expect=1)  # birth date?
    answer, _suggestion = whatsapp.say(wa_id, fake_graph.text_message(wa_id, born), expect=2)
    assert answer.text and any(ch.isdigit() for ch in answer.text), answer.text
    return answer.text


def test_redis_stopped_mid_conversation_the_client_hears_once_then_gets_the_answer(
    whatsapp: WhatsApp, servers
) -> None:
    _postgres, redis = servers
    wa_id, born = JUAN
    first = _verified(whatsapp, wa_id, born, "es", "Español")
    answered = loan_answers(whatsapp.stack.database_url, "whatsapp", wa_id)

    redis.stop()
    try:
        (notice,) = whatsapp.say(wa_id, fake_graph.text_message(wa_id, "/ask_balance"), expect=1)
        assert notice.text == gettext("es", messages.OUTAGE) != messages.OUTAGE
    finally:
        redis.start()
    (answer,) = whatsapp.sent_to(wa_id, len(whatsapp.graph.to(wa_id)) + 1, timeout=120)[-1:]
    assert answer.text == first  # the same balance, nothing asked again
    time.sleep(2)
    assert whatsapp.graph.to(wa_id)[-1] is answer  # once
    assert loan_answers(whatsapp.stack.database_url, "whatsapp", wa_id) == answered + 1


def test_postgresql_stopped_a_delivery_is_refused_with_503_then_answered_once(
    whatsapp: WhatsApp, servers
) -> None:
    postgres, _redis = servers
    wa_id, born = RAVI
    first = _verified(whatsapp, wa_id, born, "hi", "हिन्दी")
    answered = loan_answers(whatsapp.stack.database_url, "whatsapp", wa_id)
    sent_before = len(whatsapp.graph.to(wa_id))
    question = fake_graph.text_message(wa_id, "/ask_balance")

    postgres.stop()
    try:
        refused = post_signed(f"{whatsapp.url}/webhook", question, APP_SECRET)
        assert refused.status_code == 503, refused.text  # Meta delivers it again later
    finally:
        postgres.start()

    # WhatsApp's retry of the same message. The first turns after the restart may find stale
    # connections (each side reconnects by itself): the client then hears the outage notice,
    # and the relay tries again.
    whatsapp.post(question)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        new = whatsapp.graph.to(wa_id)[sent_before:]
        if any(sent.text == first for sent in new):
            break
        time.sleep(0.5)
    time.sleep(2)
    new = [sent.text for sent in whatsapp.graph.to(wa_id)[sent_before:]]
    assert new.count(first) == 1, new
    assert set(new) <= {first, gettext("hi", messages.OUTAGE)}, new
    whatsapp.post(question)  # and a late duplicate of it: nothing more
    time.sleep(2)
    assert len(whatsapp.graph.to(wa_id)) == sent_before + len(new)
    assert loan_answers(whatsapp.stack.database_url, "whatsapp", wa_id) == answered + 1
    stored = _stored(whatsapp.stack, wa_id)
    assert len(stored) == len(set(stored))


# --- Lessons --------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Progress:
    """A client's one ``lesson_progress`` row, and the quiz answers stored on it."""

    slug: str
    status: str
    step: int
    questions_answered: int
    score: int | None
    answers: tuple[tuple[str, str, bool], ...]  # (question, choice, correct)


def _progress(prod: Stack, wa_id: str) -> Progress:
    engine = make_engine(prod.database_url)
    try:
        with session_scope(engine) as session:
            person = session.scalars(
                select(ChatIdentity).where(
                    ChatIdentity.channel == "whatsapp", ChatIdentity.channel_user_id == wa_id
                )
            ).one()
            (row,) = session.scalars(
                select(LessonProgress).where(LessonProgress.chat_identity_id == person.id)
            ).all()
            return Progress(
                row.lesson_slug,
                row.status,
                row.step,
                row.questions_answered,
                row.score,
                tuple((a.question_id, a.choice_id, a.correct) for a in row.answers),
            )
    finally:
        engine.dispose()


def _lesson(language: str) -> Lesson:
    return next(lesson for lesson in LESSONS if (lesson.slug, lesson.language) == (SLUG, language))


def _money(whatsapp: WhatsApp, text: str, language: str) -> str:
    # an unverified client sees money in the institution's currency (WAZI_CURRENCY, KES)
    return render(text, whatsapp.stack.env.get("WAZI_CURRENCY") or "KES", language)


def _part(whatsapp: WhatsApp, language: str, number: int) -> str:
    """What lesson part ``number`` says."""
    lesson = _lesson(language)
    head = f"{lesson.title} ({number}/{len(lesson.messages)})\n\n"
    return head + _money(whatsapp, lesson.messages[number - 1], language)


def _question(whatsapp: WhatsApp, language: str, number: int) -> str:
    """How quiz question ``number`` is asked: the question, then its choices."""
    lesson = _lesson(language)
    question = lesson.quiz[number - 1]
    asked = gettext(language, tutor.QUESTION) % {
        "number": number,
        "count": len(lesson.quiz),
        "question": _money(whatsapp, question.text, language),
    }
    choices = [
        f"{n}. {_money(whatsapp, choice.text, language)}"
        for n, choice in enumerate(question.choices, start=1)
    ]
    return "\n".join([asked, *choices])


def _press(wa_id: str, shown: fake_graph.Sent, reply_id: str) -> dict:
    """The delivery of a tap on the button (or list row) ``reply_id`` of message ``shown``."""
    titles = dict(shown.choices)
    assert reply_id in titles, shown.choices
    if shown.body["interactive"]["type"] == "list":
        return fake_graph.list_reply(wa_id, reply_id, titles[reply_id])
    return fake_graph.button_reply(wa_id, reply_id, titles[reply_id])


def _in_a_lesson(
    whatsapp: WhatsApp, wa_id: str, language: str, quiz: bool
) -> tuple[fake_graph.Sent, str, list[str], Progress]:
    """A new client chooses ``language``, opens the lessons' menu, the first lesson, and goes
    to its part 2 (or, with ``quiz``, to its first question). Returns the message last shown,
    the button to press next, what that press must bring, and the progress it must leave."""
    (languages,) = whatsapp.say(wa_id, fake_graph.text_message(wa_id, "hello"), expect=1)
    name = LANGUAGE_NAMES[language]
    choice = next(reply_id for reply_id, shown in languages.choices if shown == name)
    whatsapp.say(wa_id, fake_graph.list_reply(wa_id, choice, name), expect=1)
    (menu,) = whatsapp.say(wa_id, fake_graph.text_message(wa_id, "/lessons"), expect=1)
    assert menu.text == gettext(language, tutor.MENU)
    lesson = _lesson(language)
    (shown,) = whatsapp.say(
        wa_id, _press(wa_id, menu, tutor.payload("lesson_open", lesson=SLUG)), expect=1
    )
    assert shown.text == _part(whatsapp, language, 1)
    parts = len(lesson.messages) if quiz else 2
    for number in range(2, parts + 1):
        (shown,) = whatsapp.say(wa_id, _press(wa_id, shown, CONTINUE), expect=1)
        assert shown.text == _part(whatsapp, language, number)
    if not quiz:
        assert _progress(whatsapp.stack, wa_id) == Progress(SLUG, "started", 2, 0, 0, ())
        return (
            shown,
            CONTINUE,
            [_part(whatsapp, language, 3)],
            Progress(SLUG, "started", 3, 0, 0, ()),
        )
    (shown,) = whatsapp.say(wa_id, _press(wa_id, shown, CONTINUE), expect=1)
    assert shown.text == _question(whatsapp, language, 1)
    parts = len(lesson.messages)
    assert _progress(whatsapp.stack, wa_id) == Progress(SLUG, "started", parts, 0, 0, ())
    question = lesson.quiz[0]
    wrong = next(c for c in question.choices if c.id != question.answer)
    right = question.choice(question.answer)
    assert right is not None
    told = gettext(language, tutor.WRONG) % {
        "answer": _money(whatsapp, right.text, language),
        "explanation": _money(whatsapp, question.explanation, language),
    }
    answer = tutor.payload("lesson_answer", lesson=SLUG, question=question.id, choice=wrong.id)
    after = Progress(SLUG, "started", parts, 1, 0, ((question.id, wrong.id, False),))
    return shown, answer, [told, _question(whatsapp, language, 2)], after


@pytest.mark.parametrize(
    ("wa_id", "language", "quiz"),
    [("254799000101", "sw", False), ("254799000102", "fr", True)],
    ids=["next-part", "quiz-answer"],
)
def test_redis_stopped_mid_lesson_the_press_moves_the_lesson_on_exactly_once(
    whatsapp: WhatsApp, servers, wa_id: str, language: str, quiz: bool
) -> None:
    _postgres, redis = servers
    shown, button, expected, after = _in_a_lesson(whatsapp, wa_id, language, quiz)
    before = _progress(whatsapp.stack, wa_id)

    redis.stop()
    try:
        (notice,) = whatsapp.say(wa_id, _press(wa_id, shown, button), expect=1)
        assert notice.text == gettext(language, messages.OUTAGE) != messages.OUTAGE
        assert _progress(whatsapp.stack, wa_id) == before  # nothing ran
    finally:
        redis.start()
    sent = len(whatsapp.graph.to(wa_id))
    new = whatsapp.sent_to(wa_id, sent + len(expected), timeout=120)[sent:]
    time.sleep(2)
    assert whatsapp.graph.texts_to(wa_id)[sent:] == expected  # once, and nothing else
    assert new[-1].choices  # the buttons to go on with
    assert _progress(whatsapp.stack, wa_id) == after  # one part or one answer further


@pytest.mark.parametrize(
    ("wa_id", "language", "quiz"),
    [("254799000103", "es", False), ("254799000104", "hi", True)],
    ids=["next-part", "quiz-answer"],
)
def test_postgresql_stopped_a_lesson_press_is_refused_then_moves_the_lesson_on_once(
    whatsapp: WhatsApp, servers, wa_id: str, language: str, quiz: bool
) -> None:
    postgres, _redis = servers
    shown, button, expected, after = _in_a_lesson(whatsapp, wa_id, language, quiz)
    before = _progress(whatsapp.stack, wa_id)
    sent_before = len(whatsapp.graph.to(wa_id))
    press = _press(wa_id, shown, button)

    postgres.stop()
    try:
        refused = post_signed(f"{whatsapp.url}/webhook", press, APP_SECRET)
        assert refused.status_code == 503, refused.text  # Meta delivers it again later
    finally:
        postgres.start()
    assert _progress(whatsapp.stack, wa_id) == before
    assert len(whatsapp.graph.to(wa_id)) == sent_before

    # WhatsApp's retry of the same press. Right after the restart a turn may meet a stale
    # connection: the client then hears the outage notice, and the relay tries again.
    whatsapp.post(press)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if expected[-1] in whatsapp.graph.texts_to(wa_id)[sent_before:]:
            break
        time.sleep(0.5)
    time.sleep(2)
    new = whatsapp.graph.texts_to(wa_id)[sent_before:]
    assert [text for text in new if text in expected] == expected, new  # each once, in order
    assert set(new) <= {*expected, gettext(language, messages.OUTAGE)}, new
    assert _progress(whatsapp.stack, wa_id) == after

    whatsapp.post(press)  # and a late duplicate of it: nothing more
    time.sleep(2)
    assert whatsapp.graph.texts_to(wa_id)[sent_before:] == new
    assert _progress(whatsapp.stack, wa_id) == after
    stored = _stored(whatsapp.stack, wa_id)
    assert len(stored) == len(set(stored))
    assert stored.count(press["entry"][0]["changes"][0]["value"]["messages"][0]["id"]) == 1
