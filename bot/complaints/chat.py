"""What the chat says about complaints, in the client's language: the questions of the
complaint form, the receipt with its ticket and deadlines, the status of each complaint."""

from __future__ import annotations

import json

from babel import Locale

from bot.buttons import Button
from bot.complaints.rules import CATEGORY_LABELS, Category, Status
from bot.db import models
from bot.i18n import N_, day, translations_for

ASK_CATEGORY = N_("I am sorry something went wrong. What is your complaint about?")
ASK_CATEGORY_AGAIN = N_("Please pick one of these, or type its number.")
ASK_DESCRIPTION = N_(
    "Please tell me in your own words what happened: when, where, who, and any amounts."
)
TOO_SHORT = N_("Please tell me a little more, so that we can look into it.")
ASK_ANONYMOUS = N_(
    "Should your branch know this complaint is from you? If you stay anonymous, head office "
    "handles it and still answers you here."
)
BRANCH_MAY_KNOW = N_("Yes, my branch may know")
STAY_ANONYMOUS = N_("Stay anonymous")
RECEIVED = N_(
    "Your complaint is recorded: ticket %(ticket)s. We will acknowledge it by %(acknowledge)s "
    "and answer it by %(resolve)s. You will get the answer here; ask \u201cstatus of my "
    "complaint\u201d any time."
)
KEPT = N_(
    "Our records cannot be reached right now, but your complaint is saved and will be "
    "registered as soon as they are back. Ask \u201cstatus of my complaint\u201d later for "
    "its ticket number."
)
ESCALATED_NOW = N_(
    "Because of what it is about, a senior person at head office takes it from today, not "
    "your branch."
)
NO_COMPLAINTS = N_(
    "You have no complaints with us. To make one, say \u201cI want to complain\u201d."
)
NOT_FOUND = N_("I cannot find complaint %(ticket)s in this chat. Here are yours.")
STATUS_LINE = N_("%(ticket)s, %(category)s, received %(received)s: %(status)s.")
DEADLINES = N_("Acknowledgement by %(acknowledge)s, answer by %(resolve)s.")
ANSWER = N_("Our answer: %(resolution)s")
ASK_SATISFIED = N_("Are you satisfied with this answer?")
SATISFIED = N_("Yes, satisfied")
NOT_SATISFIED = N_("No, not satisfied")
CLOSED = N_("Thank you. Complaint %(ticket)s is closed.")
REOPENED = N_(
    "Complaint %(ticket)s is reopened and goes to a senior person at head office. We will "
    "answer you here."
)
NOT_RESOLVED_YET = N_("Complaint %(ticket)s has no answer yet to say you are satisfied with.")

STATUS_NAMES = {
    Status.RECEIVED: N_("received, waiting to be looked at"),
    Status.ACKNOWLEDGED: N_("acknowledged"),
    Status.IN_PROGRESS: N_("being looked into"),
    Status.RESOLVED: N_("answered"),
    Status.CLOSED: N_("closed"),
    Status.REOPENED: N_("reopened"),
}

YES_WORDS = frozenset(
    ["yes", "y", "ndiyo", "ndio", "naam", "oui", "si", "sí", "haan", "han", "ha", "हाँ", "हां", "हा"]
)
NO_WORDS = frozenset(["no", "n", "hapana", "la", "non", "नहीं", "nahi", "nahin"])


def text_in(locale: Locale, message: str) -> str:
    """``message`` translated into the locale's language."""
    return translations_for(locale.language).gettext(message)


def category_buttons(locale: Locale) -> list[Button]:
    return [
        Button(text_in(locale, label), category.value)
        for category, label in CATEGORY_LABELS.items()
    ]


def category_of(text: str, locale: Locale) -> Category | None:
    """A category from a button's payload, its number in the list or its label."""
    typed = text.strip().lower().rstrip(".")
    categories = list(CATEGORY_LABELS)
    if typed.isdigit() and 1 <= int(typed) <= len(categories):
        return categories[int(typed) - 1]
    for category, label in CATEGORY_LABELS.items():
        if typed in (category.value, text_in(locale, label).lower(), label.lower()):
            return category
    return None


def category_question(locale: Locale, again: bool = False) -> tuple[str, list[Button]]:
    buttons = category_buttons(locale)
    numbered = "\n".join(f"{n}. {b.title}" for n, b in enumerate(buttons, start=1))
    lead = text_in(locale, ASK_CATEGORY_AGAIN if again else ASK_CATEGORY)
    return f"{lead}\n{numbered}", buttons


def anonymity_buttons(locale: Locale) -> list[Button]:
    return [
        Button(text_in(locale, BRANCH_MAY_KNOW), "anonymous:no"),
        Button(text_in(locale, STAY_ANONYMOUS), "anonymous:yes"),
    ]


def anonymity_of(text: str) -> bool | None:
    """True to stay anonymous, False if the branch may know, None if unclear."""
    typed = text.strip().lower().rstrip(".!")
    if typed in ("anonymous:yes", "anonymous:no"):
        return typed.endswith("yes")
    words = set(typed.split())
    if words & NO_WORDS and not words & YES_WORDS:
        return True  # "no, the branch should not know": stay anonymous
    if words & YES_WORDS and not words & NO_WORDS:
        return False
    return None


def receipt(complaint: models.Complaint, locale: Locale) -> str:
    text = text_in(locale, RECEIVED) % {
        "ticket": complaint.ticket_no,
        "acknowledge": day(complaint.acknowledge_by, locale),
        "resolve": day(complaint.resolve_by, locale),
    }
    if complaint.escalated_at is not None:
        text += " " + text_in(locale, ESCALATED_NOW)
    return text


def feedback_payload(ticket: str, satisfied: bool) -> str:
    entities = {"ticket": ticket, "satisfied": "yes" if satisfied else "no"}
    return f"/complaint_feedback{json.dumps(entities, separators=(',', ':'))}"


def satisfaction_buttons(ticket: str, locale: Locale) -> list[Button]:
    """The client's word on an answer: satisfied, or not."""
    return [
        Button(text_in(locale, SATISFIED), feedback_payload(ticket, True)),
        Button(text_in(locale, NOT_SATISFIED), feedback_payload(ticket, False)),
    ]


def status_lines(complaint: models.Complaint, locale: Locale) -> tuple[str, list[Button]]:
    """One complaint as the client sees it; buttons to say whether an answer satisfies."""
    lines = [
        text_in(locale, STATUS_LINE)
        % {
            "ticket": complaint.ticket_no,
            "category": text_in(locale, CATEGORY_LABELS[complaint.category]),
            "received": day(complaint.received_on, locale),
            "status": text_in(locale, STATUS_NAMES[complaint.status]),
        }
    ]
    buttons: list[Button] = []
    if complaint.status in (Status.RESOLVED, Status.CLOSED) and complaint.resolution:
        lines.append(text_in(locale, ANSWER) % {"resolution": complaint.resolution})
        if complaint.status is Status.RESOLVED:
            lines.append(text_in(locale, ASK_SATISFIED))
            buttons = satisfaction_buttons(complaint.ticket_no or "", locale)
    elif complaint.status is not Status.CLOSED:
        lines.append(
            text_in(locale, DEADLINES)
            % {
                "acknowledge": day(complaint.acknowledge_by, locale),
                "resolve": day(complaint.resolve_by, locale),
            }
        )
    return "\n".join(lines), buttons
