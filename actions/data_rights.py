"""The client's data rights in chat: "what do you know about me" and "delete my data"."""

from __future__ import annotations

import logging
import secrets
from hmac import compare_digest
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import db, identity, now, settings
from bot.data_rights import Deleted, Stored, forget, stored_about
from bot.i18n import LANGUAGE_NAMES, N_, day, gettext, language_of, reply_locale

logger = logging.getLogger(__name__)

CHANNEL_NAMES = {"rest": N_("web chat"), "telegram": "Telegram", "whatsapp": "WhatsApp"}
STORED_INTRO = N_("This is what Wazi keeps about you in this chat:")
STORED_CHAT = N_("- this chat (%(channel)s), since %(date)s, in %(language)s;")
STORED_CLIENT = N_(
    "- the client record it is linked to: %(name)s, %(phone)s, born %(born)s, loans "
    "%(loans)s (your branch keeps these records, not this chat);"
)
STORED_NO_CLIENT = N_("- this chat is not linked to a client record;")
STORED_PIN = N_("- a PIN, set on %(date)s (only its hash is kept);")
STORED_LESSONS = N_(
    "- lessons: %(started)d started, %(finished)d finished, %(answers)d quiz answers;"
)
STORED_COMPLAINTS = N_("- complaints made here: %(tickets)s;")
STORED_NO_COMPLAINTS = N_("- complaints made here: none;")
STORED_HANDOFFS = N_("- requests to talk to a person: %(count)d;")
STORED_HISTORY = N_("- our conversation, kept %(days)d days and then deleted.")
DELETE_HINT = N_('To delete all this, say "delete my data".')
DELETE_BUTTON = N_("Delete my data")
ASK_DELETE = N_(
    "Shall I delete your data? I will delete this chat's link to your client record, our "
    "conversation and your lesson progress (%(lessons)d lessons). Your complaints "
    "(%(complaints)d) are kept without your name, as the law requires. Your loans stay with "
    "your branch."
)
YES_DELETE = N_("Yes, delete")
NO_KEEP = N_("No, keep it")
DELETED = N_(
    "Done: I deleted this chat's link to your client record, our conversation and your "
    "lesson progress. If you write again, I will not know you."
)
DELETED_KEPT = N_(
    "Your complaints are kept without your name, as the law requires: %(tickets)s. Staff can "
    "no longer send you their answer here; you can ask your branch about them."
)
NOT_DELETED = N_("All right: nothing was deleted.")
EXPIRED = N_(
    'That button is no longer valid, so nothing was deleted. To delete your data, say "delete '
    'my data".'
)
NO = "no"  # the "no, keep it" button's answer


def _language(tracker: Tracker) -> str:
    return language_of(tracker.get_slot("language"))


def describe(stored: Stored, language: str, retention_days: int) -> str:
    """``stored`` as one short message in ``language``."""
    say = lambda message: gettext(language, message)  # noqa: E731
    locale = reply_locale(language, stored.client.locale if stored.client else None)
    channel = CHANNEL_NAMES.get(stored.channel, stored.channel)
    lines = [
        say(STORED_INTRO),
        say(STORED_CHAT)
        % {
            "channel": say(channel),
            "date": day(stored.first_contact.date(), locale),
            "language": LANGUAGE_NAMES[language_of(stored.language or language)],
        },
    ]
    if stored.client is not None:
        lines.append(
            say(STORED_CLIENT)
            % {
                "name": stored.client.name,
                "phone": stored.client.phone,
                "born": day(stored.client.date_of_birth, locale),
                "loans": ", ".join(stored.loan_accounts) or "-",
            }
        )
        if stored.client.pin_set_at is not None:
            lines.append(say(STORED_PIN) % {"date": day(stored.client.pin_set_at.date(), locale)})
    else:
        lines.append(say(STORED_NO_CLIENT))
    lines.append(
        say(STORED_LESSONS)
        % {
            "started": stored.lessons_started,
            "finished": stored.lessons_finished,
            "answers": stored.quiz_answers,
        }
    )
    if stored.tickets:
        lines.append(say(STORED_COMPLAINTS) % {"tickets": ", ".join(stored.tickets)})
    else:
        lines.append(say(STORED_NO_COMPLAINTS))
    lines.append(say(STORED_HANDOFFS) % {"count": stored.handoffs})
    lines.append(say(STORED_HISTORY) % {"days": retention_days})
    lines.append(say(DELETE_HINT))
    return "\n".join(lines)


class ActionMyData(Action):
    def name(self) -> str:
        return "action_my_data"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """List what Wazi stores about the person writing, with a button to delete it."""
        language = _language(tracker)
        with db() as session:
            text = describe(
                stored_about(session, identity(session, tracker)),
                language,
                settings().retention_days,
            )
        button = {"title": gettext(language, DELETE_BUTTON), "payload": "/delete_my_data"}
        dispatcher.utter_message(text=text, buttons=[button])
        return []


class ActionDeleteMyData(Action):
    def name(self) -> str:
        return "action_delete_my_data"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Say what deleting removes and keeps; ask to confirm with a one-time button."""
        language = _language(tracker)
        with db() as session:
            stored = stored_about(session, identity(session, tracker))
        code = secrets.token_hex(8)
        text = gettext(language, ASK_DELETE) % {
            "lessons": stored.lessons_started,
            "complaints": len(stored.tickets),
        }
        buttons = [
            {
                "title": gettext(language, YES_DELETE),
                "payload": f'/data_delete_confirm{{"confirm": "{code}"}}',
            },
            {
                "title": gettext(language, NO_KEEP),
                "payload": f'/data_delete_confirm{{"confirm": "{NO}"}}',
            },
        ]
        dispatcher.utter_message(text=text, buttons=buttons)
        return [SlotSet("delete_code", code)]


def deleted_message(deleted: Deleted, language: str) -> str:
    text = gettext(language, DELETED)
    if deleted.kept_tickets:
        kept = gettext(language, DELETED_KEPT) % {"tickets": ", ".join(deleted.kept_tickets)}
        text = f"{text}\n{kept}"
    return text


class ActionDataDeleteConfirm(Action):
    def name(self) -> str:
        return "action_data_delete_confirm"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Delete on the "yes" button of the latest question only; anything else deletes
        nothing. Rasa's tracker store then forgets the conversation (``forget_history``)."""
        language = _language(tracker)
        answer = next(tracker.get_latest_entity_values("confirm"), None)
        expected = tracker.get_slot("delete_code")
        if answer == NO:
            dispatcher.utter_message(text=gettext(language, NOT_DELETED))
            return [SlotSet("delete_code", None)]
        if not expected or not isinstance(answer, str) or not compare_digest(answer, expected):
            dispatcher.utter_message(text=gettext(language, EXPIRED))
            return [SlotSet("delete_code", None)]
        with db() as session:
            deleted = forget(session, identity(session, tracker), now())
        dispatcher.utter_message(text=deleted_message(deleted, language))
        return [
            SlotSet("forget_history", True),  # everything before this is deleted with it
            SlotSet("language", language),
        ]
