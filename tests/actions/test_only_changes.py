"""Actions return only the slot settings that change something."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.context import only_changes


def tracker(**slots) -> Tracker:
    return Tracker("chat-1", slots, {}, [], False, None, {}, "action_listen")


def test_unchanged_slots_are_left_out_and_other_events_kept() -> None:
    current = tracker(verified=True, language="sw", loan_account=None)
    events = [
        SlotSet("verified", True),
        SlotSet("language", "fr"),
        SlotSet("loan_account", None),
        SlotSet("pending_question", "balance"),
        {"event": "followup", "name": "action_listen"},
    ]
    assert only_changes(current, events) == [
        SlotSet("language", "fr"),
        SlotSet("pending_question", "balance"),
        {"event": "followup", "name": "action_listen"},
    ]
