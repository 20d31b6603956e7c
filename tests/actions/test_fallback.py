"""The two-stage fallback: best guesses as buttons first, the help menu the second time."""

from __future__ import annotations

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.help import ActionFallback


def _tracker(previous_intent: str | None, language: str | None = None) -> Tracker:
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.4},
        {"name": "ask_balance", "confidence": 0.35},
        {"name": "ask_payoff", "confidence": 0.2},
        {"name": "greet", "confidence": 0.05},
    ]
    events = []
    if previous_intent:
        events.append(
            {
                "event": "user",
                "text": "earlier",
                "parse_data": {"intent": {"name": previous_intent}},
            }
        )
    events.append(
        {"event": "user", "text": "zzz", "parse_data": {"intent": {"name": "nlu_fallback"}}}
    )
    return Tracker(
        sender_id="t",
        slots={"language": language},
        latest_message={
            "text": "zzz",
            "intent": {"name": "nlu_fallback"},
            "intent_ranking": ranking,
        },
        events=events,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def _run(tracker: Tracker) -> list[dict]:
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionFallback().run(dispatcher, tracker, {}))
    return dispatcher.messages


def test_first_miss_offers_the_best_guesses() -> None:
    (message,) = _run(_tracker(previous_intent="greet"))
    assert [b["payload"] for b in message["buttons"]] == ["/ask_balance", "/ask_payoff", "/help"]
    assert [b["title"] for b in message["buttons"]][:2] == ["My balance", "Pay off early"]


def test_guesses_in_the_conversation_language() -> None:
    (message,) = _run(_tracker(previous_intent=None, language="sw"))
    assert message["buttons"][0]["title"] != "My balance"


def test_second_miss_in_a_row_shows_the_help_menu() -> None:
    (message,) = _run(_tracker(previous_intent="nlu_fallback"))
    assert message["response"] == "utter_help"
