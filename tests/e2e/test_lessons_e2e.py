"""Lessons over the REST channel with the real Rasa server, action server and demo database:
in each language a client opens the lessons, stops half way, comes back, takes the quiz and
sees the progress."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.channels.custom import VOICE
from bot.cli import LESSONS_DIR
from bot.db.models import ChatIdentity, LessonAnswer, LessonProgress
from bot.db.session import make_engine, session_scope
from bot.devstack import Chat
from bot.i18n import gettext
from bot.lessons import store, tutor
from bot.lessons.files import read_tree
from bot.lessons.render import render

pytestmark = pytest.mark.e2e

LESSONS, _problems = read_tree(LESSONS_DIR)
# What a client types, in words that are not in the training data word for word.
TYPED = {
    "en": ("show me the lessons please", "go on with my lesson", "how am I doing with lessons"),
    "sw": ("nionyeshe masomo yako", "endelea na somo langu", "maendeleo yangu ya masomo"),
    "fr": ("montre-moi les leçons", "continuer ma leçon", "ma progression dans les leçons"),
    "es": ("muéstrame las lecciones", "seguir con mi lección", "mi progreso en las lecciones"),
    "hi": ("मुझे पाठ दिखाओ", "मेरा पाठ आगे चलाओ", "पाठों में मेरी प्रगति"),
}


def only(replies: list[dict]) -> dict:
    assert len(replies) == 1, replies
    return replies[0]


def tap(
    chat: Chat, message: dict, title: str | None = None, index: int | None = None
) -> list[dict]:
    buttons = message["buttons"]
    button = (
        buttons[index] if index is not None else next(b for b in buttons if b["title"] == title)
    )
    return chat.say(button["payload"])


@pytest.mark.parametrize("language", ["en", "sw", "fr", "es", "hi"])
def test_a_lesson_paused_resumed_and_finished_with_its_quiz(stack, language: str) -> None:
    _ = gettext
    show, resume, progress = TYPED[language]
    chat = stack.chat(f"lessons-{language}")
    chat.say(f'/choose_language{{"language": "{language}"}}')

    menu = only(chat.say(show))
    assert menu["text"] == _(language, tutor.MENU)
    first = min((l_ for l_ in LESSONS if l_.language == language), key=lambda l_: l_.position)
    assert menu["buttons"][0]["title"] == first.title
    assert len(menu["buttons"]) == tutor.PAGE_SIZE + 1

    part = only(tap(chat, menu, index=0))
    assert part["text"].startswith(f"{first.title} (1/{len(first.messages)})")
    part = only(tap(chat, part, title=_(language, tutor.NEXT)))
    assert part["text"].startswith(f"{first.title} (2/")
    # make install-browser installs espeak-ng and opus-tools, so a part can be heard: the
    # action sends the channel the text to read, in the lesson's language
    heard = only(tap(chat, part, title=_(language, tutor.LISTEN)))
    assert heard["custom"][VOICE] == {
        "text": render(first.messages[1], "KES", language),
        "language": language,
    }
    paused = only(tap(chat, part, title=_(language, tutor.PAUSE)))
    steps = len(first.messages) + len(first.quiz)
    assert paused["text"] == _(language, tutor.PAUSED) % {
        "step": 2,
        "steps": steps,
        "title": first.title,
    }

    back, part = chat.say(resume)  # a typed "next lesson" after the pause
    assert back["text"] == _(language, tutor.WELCOME_BACK) % {"title": first.title}
    assert part["text"].startswith(f"{first.title} (3/")
    while part["text"].startswith(first.title):
        part = only(tap(chat, part, title=_(language, tutor.NEXT)))

    for number, question in enumerate(first.quiz, start=1):
        asked = _(language, tutor.QUESTION) % {
            "number": number,
            "count": len(first.quiz),
            "question": render(question.text, "KES", language),  # WAZI_CURRENCY's default
        }
        assert part["text"].startswith(asked)
        payloads = [json.loads(b["payload"][b["payload"].index("{") :]) for b in part["buttons"]]
        assert [p["choice"] for p in payloads] == [c.id for c in question.choices]
        wrong = number == 1  # the first answer wrong, the others right
        choice = next(c.id for c in question.choices if (c.id != question.answer) == wrong)
        said, part = chat.say(
            next(b["payload"] for b in part["buttons"] if f'"{choice}"' in b["payload"])
        )
        head = tutor.WRONG if wrong else tutor.RIGHT
        assert said["text"].startswith(_(language, head).split("%(")[0])
    right = len(first.quiz) - 1
    assert part["text"] == _(language, tutor.FINISHED) % {
        "title": first.title,
        "score": right,
        "count": len(first.quiz),
    }

    engine = make_engine(stack.database_url)
    try:
        with session_scope(engine) as session:  # the shipped lessons, and any a test added
            published = len(store.published_lessons(session, language))
    finally:
        engine.dispose()
    summary = only(chat.say(progress))["text"].splitlines()
    assert summary[0] == _(language, tutor.PROGRESS_HEAD) % {
        "done": 1,
        "count": published,
        "right": right,
        "answered": len(first.quiz),
    }
    assert summary[1] == _(language, tutor.PROGRESS_DONE) % {
        "title": first.title,
        "score": right,
        "count": len(first.quiz),
    }

    engine = make_engine(stack.database_url)
    try:
        with session_scope(engine) as session:
            person = session.scalars(
                select(ChatIdentity).where(ChatIdentity.channel_user_id == chat.sender)
            ).one()
            row = session.scalars(
                select(LessonProgress).where(LessonProgress.chat_identity_id == person.id)
            ).one()
            assert (row.lesson_slug, row.status, row.locale) == (first.slug, "finished", language)
            answers = session.scalars(
                select(LessonAnswer).where(LessonAnswer.progress_id == row.id)
            ).all()
            assert [a.correct for a in answers] == [False] + [True] * right
    finally:
        engine.dispose()
