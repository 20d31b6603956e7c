"""Lessons in chat: thin glue from Rasa's intents and button payloads to bot.lessons.tutor."""

from __future__ import annotations

import abc
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.context import db, identity, loan_source, now, settings
from bot.channels.custom import VOICE
from bot.db import models
from bot.i18n import language_of
from bot.lessons import voice
from bot.lessons.tutor import Reply, Tutor
from bot.loan_source import LoanSourceUnavailable

logger = logging.getLogger(__name__)


def _entity(tracker: Tracker, name: str) -> str:
    value = next(tracker.get_latest_entity_values(name), None)
    return str(value) if value is not None else ""


def currency_for(session: Session, person: models.ChatIdentity) -> str:
    """A verified client's loan currency (their latest active loan, as the loan source lists
    them), else the MFI's (also when the loan source cannot answer)."""
    if person.client_id is not None and person.verified_at is not None:
        try:
            found = loan_source().loan_currency(session, person.client_id, settings().today())
        except LoanSourceUnavailable as exc:
            logger.warning("lesson money in the institution's currency: %s", exc)
        else:
            if found:
                return found
    return settings().currency


def say(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    for text in reply.texts[:-1]:
        dispatcher.utter_message(text=text)
    buttons = [b.as_rasa() for b in reply.buttons]
    dispatcher.utter_message(text=reply.texts[-1], buttons=buttons or None)


class LessonAction(Action, abc.ABC):
    """Runs one tutor step for the person writing, in the conversation's language (abstract,
    so that the action server does not register it as an action of its own)."""

    @abc.abstractmethod
    def step(self, tutor: Tutor, tracker: Tracker) -> Reply | None: ...

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        language = language_of(tracker.get_slot("language"))
        with db() as session:
            person = identity(session, tracker)
            tutor = Tutor(
                session, person, language, currency_for(session, person), now(), voice.available()
            )
            reply = self.step(tutor, tracker)
        if reply is not None:
            say(dispatcher, reply)
        return []


class ActionLessons(LessonAction):
    def name(self) -> str:
        return "action_lessons"

    def step(self, tutor: Tutor, tracker: Tracker) -> Reply:
        page = _entity(tracker, "page")
        return tutor.menu(int(page) if page.isdigit() else 1)


class ActionLessonOpen(LessonAction):
    def name(self) -> str:
        return "action_lesson_open"

    def step(self, tutor: Tutor, tracker: Tracker) -> Reply:
        return tutor.open(_entity(tracker, "lesson"))


class ActionNextLesson(LessonAction):
    def name(self) -> str:
        return "action_next_lesson"

    def step(self, tutor: Tutor, tracker: Tracker) -> Reply:
        return tutor.next()


class ActionLessonContinue(LessonAction):
    def name(self) -> str:
        return "action_lesson_continue"

    def step(self, tutor: Tutor, tracker: Tracker) -> Reply:
        return tutor.go_on()


class ActionLessonPause(LessonAction):
    def name(self) -> str:
        return "action_lesson_pause"

    def step(self, tutor: Tutor, tracker: Tracker) -> Reply:
        return tutor.pause()


class ActionLessonAnswer(LessonAction):
    def name(self) -> str:
        return "action_lesson_answer"

    def step(self, tutor: Tutor, tracker: Tracker) -> Reply:
        return tutor.answer(
            _entity(tracker, "lesson"), _entity(tracker, "question"), _entity(tracker, "choice")
        )


class ActionMyProgress(LessonAction):
    def name(self) -> str:
        return "action_my_progress"

    def step(self, tutor: Tutor, tracker: Tracker) -> Reply:
        return tutor.progress()


class ActionLessonListen(Action):
    """A lesson part as a voice note: the channel reads the text aloud (bot.lessons.voice)."""

    def name(self) -> str:
        return "action_lesson_listen"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        language = language_of(tracker.get_slot("language"))
        with db() as session:
            person = identity(session, tracker)
            tutor = Tutor(session, person, language, currency_for(session, person), now())
            spoken = tutor.spoken(_entity(tracker, "lesson"), _entity(tracker, "step"))
        if spoken is not None:
            text, spoken_language = spoken
            dispatcher.utter_message(custom={VOICE: {"text": text, "language": spoken_language}})
        return []
