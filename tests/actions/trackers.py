"""Trackers as Rasa hands them to a form's actions, for driving the actions without Rasa."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker


def form_tracker(form: str, answer: str | None = None, **slots: Any) -> Tracker:
    """The chat "chat-1" in English, ``form`` active and having just filled ``answer``'s slot
    (``slots`` hold its value and any other slot)."""
    events: list[dict[str, Any]] = [{"event": "user", "text": "(typed)"}]
    if answer is not None:
        events.append({"event": "slot", "name": answer, "value": slots[answer]})
    return Tracker(
        sender_id="chat-1",
        slots={"language": "en", "requested_slot": answer, **slots},
        latest_message={"text": "(typed)", "intent": {"name": "inform"}, "entities": []},
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": form},
        latest_action_name="action_listen",
    )
