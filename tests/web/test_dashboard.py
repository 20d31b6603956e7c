"""The trainers' dashboard through Flask's test client, on a migrated SQLite and PostgreSQL
database: logging in (and being locked out), roles, CSRF, the lessons list with its numbers,
saving with problems, publishing and withdrawing, the preview, and the audit rows."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.db.models import AuditEntry, ChatIdentity, LessonAnswer, LessonProgress, StaffRole
from bot.db.session import session_scope
from bot.lessons import store
from bot.lessons.content import Choice, Lesson, Question
from bot.web.dashboard.db import engine_of
from tests.web.conftest import STAFF_PASSWORD, add_staff

ENGLISH = Lesson(
    slug="market-loans",
    language="en",
    position=3,
    topic="interest",
    title="Loans at the market",
    messages=(
        "A loan is money you pay back later, with interest.",
        "Example: you borrow {money:10000} and pay {money:300} interest each month.",
        "Ask how much you pay back in total before you sign.",
    ),
    quiz=(
        Question(
            id="q1",
            text="You borrow {money:10000} at 3% a month. What is one month's interest?",
            choices=(Choice("a", "{money:30}"), Choice("b", "{money:300}")),
            answer="b",
            explanation="3% of {money:10000} is {money:300}.",
        ),
    ),
    published=False,
)
KISWAHILI = Lesson(
    slug="market-loans",
    language="sw",
    position=3,
    topic="interest",
    title="Mikopo sokoni",
    messages=(
        "Mkopo ni pesa unazorudisha baadaye, pamoja na riba.",
        "Mfano: unakopa {money:10000} na unalipa riba ya {money:300} kila mwezi.",
        "Uliza utarudisha kiasi gani kwa jumla kabla ya kusaini.",
    ),
    quiz=(
        Question(
            id="q1",
            text="Unakopa {money:10000} kwa 3% kwa mwezi. Riba ya mwezi mmoja ni kiasi gani?",
            choices=(Choice("a", "{money:30}"), Choice("b", "{money:300}")),
            answer="b",
            explanation="3% ya {money:10000} ni {money:300}.",
        ),
    ),
    published=False,
)


@pytest.fixture
def app(dashboard_app: Flask) -> Flask:
    return dashboard_app


@pytest.fixture
def engine(app: Flask) -> Engine:
    return engine_of(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf(client: FlaskClient) -> str:
    """The session's CSRF token, as every dashboard form carries it."""
    page = client.get("/dashboard/login").get_data(as_text=True)
    with client.session_transaction() as session:
        token = session.get("csrf_token")
    if not token:  # already logged in: the login page redirected
        page = client.get("/dashboard/lessons/new").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return token


def log_in(client: FlaskClient, username: str, password: str = STAFF_PASSWORD) -> Any:
    return client.post(
        "/dashboard/login",
        data={"username": username, "password": password, "csrf_token": csrf(client)},
    )


def post(client: FlaskClient, url: str, data: dict[str, str]) -> Any:
    token = re.search(
        r'name="csrf_token" value="([^"]+)"',
        client.get("/dashboard/lessons").get_data(as_text=True),
    ).group(1)
    return client.post(url, data={"csrf_token": token, **data})


def audit_rows(engine: Engine, action: str) -> list[AuditEntry]:
    with Session(engine) as session:
        return list(
            session.scalars(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            )
        )


def move_back(engine: Engine, delta: dt.timedelta) -> None:
    """Make every audit row older, as if ``delta`` had passed."""
    with session_scope(engine) as session:
        for entry in session.scalars(select(AuditEntry)):
            entry.at -= delta


def lesson_form(lesson: Lesson, with_shape: bool = True) -> dict[str, str]:
    """What a trainer types for one language (and, in the English column, the quiz shape)."""
    lang = lesson.language
    data = {f"{lang}-title": lesson.title}
    for n, message in enumerate(lesson.messages, start=1):
        data[f"{lang}-message-{n}"] = message
    for n, question in enumerate(lesson.quiz, start=1):
        data[f"{lang}-q{n}-text"] = question.text
        data[f"{lang}-q{n}-explanation"] = question.explanation
        if with_shape:
            data[f"q{n}-id"] = question.id
            data[f"q{n}-answer"] = question.answer
        for k, choice in enumerate(question.choices, start=1):
            data[f"{lang}-q{n}-choice-{k}"] = choice.text
            if with_shape:
                data[f"q{n}-choice-{k}-id"] = choice.id
    return data


def stored(engine: Engine, slug: str, language: str) -> Lesson | None:
    with Session(engine) as session:
        return store.get(session, slug, language)


def seed_lessons(engine: Engine, *lessons: Lesson) -> None:
    with session_scope(engine) as session:
        store.import_lessons(session, lessons)


def section(html: str, slug: str) -> str:
    match = re.search(rf'<section class="card lesson" id="lesson-{slug}".*?</section>', html, re.S)
    assert match, f"no lesson {slug} in the list"
    return match.group(0)


def language_row(html: str, language: str) -> str:
    match = re.search(rf'<tr data-language="{language}">.*?</tr>', html, re.S)
    assert match, f"no row for {language}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0))).strip()


# --- logging in ---------------------------------------------------------------------------


def test_login_with_the_right_password(client: FlaskClient, engine: Engine) -> None:
    add_staff(engine, "wanjiru", StaffRole.TRAINER)

    page = client.get("/dashboard/login")
    assert page.status_code == 200
    assert '<label for="username">Username</label>' in page.get_data(as_text=True)

    response = log_in(client, "wanjiru")

    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard/lessons"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    lessons = client.get("/dashboard/lessons")
    assert lessons.status_code == 200
    assert "Wanjiru (trainer)" in lessons.get_data(as_text=True)
    [entry] = audit_rows(engine, "staff.login")
    assert (entry.actor_type, entry.actor_id, entry.subject_id) == ("staff", "wanjiru", "wanjiru")


def test_pages_need_a_login(client: FlaskClient) -> None:
    response = client.get("/dashboard/lessons")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/dashboard/login?next=/dashboard/lessons")


@pytest.mark.parametrize("username", ["wanjiru", "nobody"])
def test_wrong_password_shows_the_form_again(
    client: FlaskClient, engine: Engine, username: str
) -> None:
    add_staff(engine, "wanjiru")

    response = log_in(client, username, "not the password")

    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "Wrong username or password" in html
    assert f'value="{username}"' in html  # the username is kept
    assert client.get("/dashboard/lessons").status_code == 302  # not logged in
    [entry] = audit_rows(engine, "staff.login_failed")
    assert (entry.actor_type, entry.subject_id) == ("staff", username)


def test_inactive_user_cannot_log_in(client: FlaskClient, engine: Engine) -> None:
    add_staff(engine, "gone", active=False)

    response = log_in(client, "gone")

    assert response.status_code == 401
    assert "Wrong username or password" in response.get_data(as_text=True)


def test_five_failures_lock_the_username_for_fifteen_minutes(
    client: FlaskClient, engine: Engine
) -> None:
    add_staff(engine, "wanjiru")
    add_staff(engine, "amina")

    statuses = [log_in(client, "wanjiru", f"guess {n}").status_code for n in range(5)]
    locked = log_in(client, "wanjiru")  # even the right password is refused now

    assert statuses == [401] * 5
    assert locked.status_code == 429
    assert "Logging in is blocked for 15 more minutes" in locked.get_data(as_text=True)
    assert client.get("/dashboard/lessons").status_code == 302
    assert log_in(client, "amina").status_code == 302  # another username is not locked
    assert len(audit_rows(engine, "staff.login_refused")) == 1

    # Sixteen minutes later the lock is over.
    move_back(engine, dt.timedelta(minutes=16))
    client.post("/dashboard/logout", data={"csrf_token": csrf(client)})
    assert log_in(client, "wanjiru").status_code == 302


def test_failures_spread_over_more_than_fifteen_minutes_do_not_lock(
    client: FlaskClient, engine: Engine
) -> None:
    add_staff(engine, "wanjiru")
    for _ in range(4):
        log_in(client, "wanjiru", "wrong")
    move_back(engine, dt.timedelta(minutes=20))

    assert log_in(client, "wanjiru", "wrong").status_code == 401  # the fifth, but not in 15 min
    assert log_in(client, "wanjiru").status_code == 302


def test_staff_is_refused_the_lessons_pages(client: FlaskClient, engine: Engine) -> None:
    add_staff(engine, "rehema", StaffRole.STAFF)

    assert log_in(client, "rehema").status_code == 302
    for url in ("/dashboard/lessons", "/dashboard/lessons/new"):
        response = client.get(url)
        assert response.status_code == 403
        assert "Only trainers and admins can see and edit lessons" in response.get_data(
            as_text=True
        )


def test_admin_may_use_the_lessons_pages(client: FlaskClient, engine: Engine) -> None:
    add_staff(engine, "boss", StaffRole.ADMIN)
    log_in(client, "boss")

    assert client.get("/dashboard/lessons").status_code == 200


def test_post_without_or_with_a_wrong_csrf_token_is_refused(
    client: FlaskClient, engine: Engine
) -> None:
    add_staff(engine, "wanjiru")

    missing = client.post(
        "/dashboard/login", data={"username": "wanjiru", "password": STAFF_PASSWORD}
    )
    assert missing.status_code == 400
    assert "This form could not be accepted" in missing.get_data(as_text=True)
    assert audit_rows(engine, "staff.login") == []

    csrf(client)
    wrong = client.post(
        "/dashboard/login",
        data={"username": "wanjiru", "password": STAFF_PASSWORD, "csrf_token": "forged"},
    )
    assert wrong.status_code == 400

    log_in(client, "wanjiru")
    form = {"slug": ENGLISH.slug, "position": "3", "topic": "interest", **lesson_form(ENGLISH)}
    refused = client.post("/dashboard/lessons/new", data=form)
    assert refused.status_code == 400
    assert stored(engine, ENGLISH.slug, "en") is None


def test_login_changes_the_csrf_token(client: FlaskClient, engine: Engine) -> None:
    add_staff(engine, "wanjiru")
    before = csrf(client)

    log_in(client, "wanjiru")

    with client.session_transaction() as session:
        assert session["csrf_token"] != before


def test_logout(client: FlaskClient, engine: Engine) -> None:
    add_staff(engine, "wanjiru")
    log_in(client, "wanjiru")

    response = post(client, "/dashboard/logout", {})

    assert response.status_code == 302
    assert client.get("/dashboard/lessons").status_code == 302


# --- the list -----------------------------------------------------------------------------


def _progress(session: Session, slug: str, language: str, finished: bool, *answers: bool) -> None:
    identity = ChatIdentity(channel="web", channel_user_id=f"user-{session.info.get('n', 0)}")
    session.info["n"] = session.info.get("n", 0) + 1
    session.add(identity)
    session.flush()
    progress = LessonProgress(
        chat_identity_id=identity.id,
        lesson_slug=slug,
        locale=language,
        status="finished" if finished else "started",
    )
    progress.answers = [
        LessonAnswer(
            question_id="q1", choice_id="b" if right else "a", correct=right, locale=language
        )
        for right in answers
    ]
    session.add(progress)


def test_list_shows_each_language_with_its_rates(client: FlaskClient, engine: Engine) -> None:
    seed_lessons(engine, _published(ENGLISH), KISWAHILI)
    with session_scope(engine) as session:
        _progress(session, ENGLISH.slug, "en", True, True, False)
        _progress(session, ENGLISH.slug, "en", False, True)
        _progress(session, ENGLISH.slug, "sw", True, True)
    add_staff(engine, "wanjiru")
    log_in(client, "wanjiru")

    html = client.get("/dashboard/lessons").get_data(as_text=True)

    lesson = section(html, ENGLISH.slug)
    assert "3." in lesson and "Loans at the market" in lesson and "Topic: interest" in lesson
    assert language_row(lesson, "en") == "English published 50% (1/2) 67% (2/3)"
    assert language_row(lesson, "sw") == "Kiswahili draft 100% (1/1) 100% (1/1)"
    assert language_row(lesson, "fr") == "French missing – (0/0) – (0/0)"


def _published(lesson: Lesson) -> Lesson:
    from dataclasses import replace

    return replace(lesson, published=True)


# --- new and edit -------------------------------------------------------------------------


def test_new_lesson_is_saved_as_an_english_draft(client: FlaskClient, engine: Engine) -> None:
    add_staff(engine, "wanjiru")
    log_in(client, "wanjiru")
    assert client.get("/dashboard/lessons/new").status_code == 200

    response = post(
        client,
        "/dashboard/lessons/new",
        {"slug": ENGLISH.slug, "position": "3", "topic": "interest", **lesson_form(ENGLISH)},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/dashboard/lessons/{ENGLISH.slug}/edit"
    assert stored(engine, ENGLISH.slug, "en") == ENGLISH
    [entry] = audit_rows(engine, "lesson.saved")
    assert (entry.actor_id, entry.subject_id, entry.details) == (
        "wanjiru",
        ENGLISH.slug,
        {"language": "en"},
    )


def test_new_lesson_with_problems_is_not_saved(client: FlaskClient, engine: Engine) -> None:
    add_staff(engine, "wanjiru")
    log_in(client, "wanjiru")
    form = lesson_form(ENGLISH)
    form["en-message-2"] = "No money here <b>at all</b>"
    form["en-message-3"] = ""
    form["en-q1-choice-2"] = "{money:300"

    response = post(
        client,
        "/dashboard/lessons/new",
        {"slug": ENGLISH.slug, "position": "3", "topic": "interest", **form},
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Messages: 2 messages; 3 to 6" in html
    assert "Messages: no example with money ({money:N}) in them" in html
    assert "Question 1, choice b: a brace that is not part of {money:N}" in html
    assert "No money here &lt;b&gt;at all&lt;/b&gt;</textarea>" in html  # kept, escaped
    assert stored(engine, ENGLISH.slug, "en") is None
    assert audit_rows(engine, "lesson.saved") == []


def test_new_lesson_refuses_a_slug_in_use(client: FlaskClient, engine: Engine) -> None:
    seed_lessons(engine, ENGLISH)
    add_staff(engine, "wanjiru")
    log_in(client, "wanjiru")
    form = lesson_form(ENGLISH)
    form["en-title"] = "Another lesson"

    response = post(
        client,
        "/dashboard/lessons/new",
        {"slug": ENGLISH.slug, "position": "4", "topic": "interest", **form},
    )

    assert response.status_code == 422
    assert "Short name: another lesson has it already" in response.get_data(as_text=True)
    assert stored(engine, ENGLISH.slug, "en") == ENGLISH


def test_edit_shows_languages_side_by_side(client: FlaskClient, engine: Engine) -> None:
    seed_lessons(engine, ENGLISH, KISWAHILI)
    add_staff(engine, "wanjiru")
    log_in(client, "wanjiru")

    html = client.get(f"/dashboard/lessons/{ENGLISH.slug}/edit?languages=en,sw,fr").get_data(
        as_text=True
    )

    assert (
        html.index('id="column-en"') < html.index('id="column-sw"') < html.index('id="column-fr"')
    )
    assert 'value="Mikopo sokoni"' in html
    assert '<label for="sw-message-1">Kiswahili message 1</label>' in html
    assert 'name="q1-answer"' in html and 'value="b"' in html  # the shape: English only
    assert "Right answer: <code>b</code>" in html  # ... read-only in the others
    assert 'name="sw-q1-answer"' not in html


def test_edit_saves_each_filled_language_and_reports_problems_per_language(
    client: FlaskClient, engine: Engine
) -> None:
    seed_lessons(engine, ENGLISH)
    add_staff(engine, "wanjiru")
    log_in(client, "wanjiru")
    english = lesson_form(ENGLISH)
    english["en-title"] = "Loans at the market, explained"
    kiswahili = lesson_form(KISWAHILI, with_shape=False)
    kiswahili["sw-q1-explanation"] = ""

    response = post(
        client,
        f"/dashboard/lessons/{ENGLISH.slug}/edit",
        {"languages": "en,sw,fr", "position": "3", "topic": "interest", **english, **kiswahili},
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Not saved: Kiswahili." in html
    assert "Question 1, explanation: must be some text" in html
    assert 'value="Mikopo sokoni"' in html  # the typing is kept
    assert stored(engine, ENGLISH.slug, "en").title == "Loans at the market, explained"
    assert stored(engine, ENGLISH.slug, "sw") is None
    assert stored(engine, ENGLISH.slug, "fr") is None  # empty column: left missing

    response = post(
        client,
        f"/dashboard/lessons/{ENGLISH.slug}/edit",
        {"languages": "sw", **lesson_form(KISWAHILI, with_shape=False)},
    )
    assert response.status_code == 302
    assert stored(engine, ENGLISH.slug, "sw") == KISWAHILI
    assert [(e.subject_id, e.details["language"]) for e in audit_rows(engine, "lesson.saved")] == [
        (ENGLISH.slug, "en"),
        (ENGLISH.slug, "sw"),
    ]


def test_a_translation_with_another_quiz_shape_is_refused(
    client: FlaskClient, engine: Engine
) -> None:
    seed_lessons(engine, ENGLISH, KISWAHILI)
    add_staff(engine, "wanjiru")
    log_in(client, "wanjiru")
    form = lesson_form(KISWAHILI, with_shape=False)
    form["sw-q1-choice-3"] = "{money:3000}"  # a choice English does not have

    response = post(client, f"/dashboard/lessons/{ENGLISH.slug}/edit", {"languages": "sw", **form})

    assert response.status_code == 422
    assert "Quiz: questions, choices or answers differ from English" in response.get_data(
        as_text=True
    )
    assert stored(engine, ENGLISH.slug, "sw") == KISWAHILI


# --- publish and withdraw -----------------------------------------------------------------


def test_publish_and_withdraw(client: FlaskClient, engine: Engine) -> None:
    seed_lessons(engine, ENGLISH, KISWAHILI)
    add_staff(engine, "wanjiru")
    log_in(client, "wanjiru")
    url = f"/dashboard/lessons/{ENGLISH.slug}"

    too_early = post(client, f"{url}/sw/publish", {"languages": "en,sw"})
    assert too_early.status_code == 422
    assert "Kiswahili was not published: publish the English version first" in (
        too_early.get_data(as_text=True)
    )

    assert post(client, f"{url}/en/publish", {}).status_code == 302
    assert post(client, f"{url}/sw/publish", {}).status_code == 302
    with Session(engine) as session:
        assert store.published_lessons(session, "sw") == [(_published(KISWAHILI), False)]

    html = client.get(f"{url}/edit?languages=en,sw,fr").get_data(as_text=True)
    assert "Withdraw Kiswahili" in html and "Publish Kiswahili" not in html
    assert "Publish French" not in html and "Withdraw French" not in html  # missing

    assert post(client, f"{url}/sw/withdraw", {}).status_code == 302
    assert stored(engine, ENGLISH.slug, "sw").published is False
    assert [e.details["language"] for e in audit_rows(engine, "lesson.published")] == ["en", "sw"]
    [withdrawn] = audit_rows(engine, "lesson.withdrawn")
    assert (withdrawn.actor_type, withdrawn.actor_id, withdrawn.subject_id) == (
        "staff",
        "wanjiru",
        ENGLISH.slug,
    )


def test_publish_is_refused_for_a_missing_unknown_or_broken_language(
    client: FlaskClient, engine: Engine
) -> None:
    broken = Lesson(
        **{**_published(KISWAHILI).__dict__, "language": "fr", "messages": ("Trop court",)}
    )
    seed_lessons(engine, _published(ENGLISH), broken)  # imported as is, without the checks
    add_staff(engine, "wanjiru")
    log_in(client, "wanjiru")
    url = f"/dashboard/lessons/{ENGLISH.slug}"
    with session_scope(engine) as session:
        store.publish(session, ENGLISH.slug, "fr", "test", published=False)

    missing = post(client, f"{url}/es/publish", {})
    unknown = post(client, f"{url}/xx/publish", {})
    invalid = post(client, f"{url}/fr/publish", {})

    assert missing.status_code == 422
    assert "lesson market-loans has no es version to publish" in missing.get_data(as_text=True)
    assert unknown.status_code == 404
    assert invalid.status_code == 422
    assert "French was not published: messages: 1 messages; 3 to 6" in invalid.get_data(
        as_text=True
    )
    assert stored(engine, ENGLISH.slug, "fr").published is False
    assert audit_rows(engine, "lesson.published") == []


# --- preview ------------------------------------------------------------------------------


def test_preview_renders_money_in_the_chosen_currency(client: FlaskClient, engine: Engine) -> None:
    seed_lessons(engine, ENGLISH, KISWAHILI)
    add_staff(engine, "wanjiru")
    log_in(client, "wanjiru")
    url = f"/dashboard/lessons/{ENGLISH.slug}/preview/sw"

    # Babel puts a no-break space between the symbol and the amount.
    kes = client.get(url).get_data(as_text=True).replace("\xa0", " ")
    ugx = client.get(f"{url}?currency=UGX").get_data(as_text=True).replace("\xa0", " ")

    assert '<p class="bubble bubble-title">Mikopo sokoni</p>' in kes
    assert "Mfano: unakopa Ksh 10,000.00 na unalipa riba ya Ksh 300.00 kila mwezi." in kes
    assert re.search(r'<button type="button" class="choice-button right">Ksh 300.00</button>', kes)
    assert "3% ya Ksh 10,000.00 ni Ksh 300.00." in kes
    assert "USh 300,000" in ugx and "Ksh" not in ugx  # Kiswahili as written in Uganda
    assert '<option value="UGX" selected>UGX</option>' in ugx
    assert client.get(f"/dashboard/lessons/{ENGLISH.slug}/preview/fr").status_code == 404


def test_a_new_english_position_and_topic_reach_the_other_languages(
    client: FlaskClient, engine: Engine
) -> None:
    seed_lessons(engine, ENGLISH, KISWAHILI)
    add_staff(engine, "wanjiru")
    log_in(client, "wanjiru")

    response = post(
        client,
        f"/dashboard/lessons/{ENGLISH.slug}/edit",
        {"languages": "en", "position": "5", "topic": "cost", **lesson_form(ENGLISH)},
    )

    assert response.status_code == 302
    for language in ("en", "sw"):
        lesson = stored(engine, ENGLISH.slug, language)
        assert (lesson.position, lesson.topic) == (5, "cost")
    assert stored(engine, ENGLISH.slug, "sw").title == KISWAHILI.title
