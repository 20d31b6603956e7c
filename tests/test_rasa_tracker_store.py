"""The tracker store of the production profile (bot/rasa_tracker_store.py), in Rasa's own
environment on a SQLite file: the identity check's answers are stored masked, everything else as
Rasa stores it, and the conversation reads back with the same number of events."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.rasa_env import run_in_rasa

CHECKS = textwrap.dedent(
    """
    import asyncio, os, sqlite3, sys, time
    import sqlalchemy as sa
    from rasa.shared.core.events import (
        ActionExecuted, ActiveLoop, BotUttered, SessionStarted, SlotSet, UserUttered,
    )
    from rasa.shared.core.trackers import DialogueStateTracker
    from bot.rasa_tracker_store import MaskingSQLTrackerStore

    from rasa.shared.core.domain import Domain

    db = sys.argv[1]
    os.environ["WAZI_CHANNEL_SECRET"] = "s" * 40
    domain = Domain.from_path("domain.yml")
    store = MaskingSQLTrackerStore(domain=domain, dialect="sqlite", db=db)
    turn1 = [
        ActionExecuted("action_listen"),
        UserUttered("what is my balance", {"name": "ask_balance"}),
        ActiveLoop("verification_form"),
        SlotSet("requested_slot", "phone_number"),
        BotUttered("What is your registered phone number?"),
        ActionExecuted("action_listen"),
        UserUttered(
            "+254712000001",
            {"name": "inform"},
            # NLU may find entities in an answer: they hold pieces of it.
            [{"entity": "loan_account", "value": "254712000001", "start": 1, "end": 13}],
        ),
        SlotSet("phone_number", "+254712000001"),
        SlotSet("requested_slot", "date_of_birth"),
        ActionExecuted("action_listen"),
    ]
    turn2 = [
        UserUttered(
            "12/04/1988", {"name": "inform"}, [{"entity": "schedule_page", "value": "1988/04"}]
        ),
        SlotSet("date_of_birth", "1988-04-12"),
        SlotSet("requested_slot", "link_code"),
        BotUttered("What is the linking code on your loan card?"),
        ActionExecuted("action_listen"),
        UserUttered("k7qm 3xpa", {"name": "inform"}),
        # The form's check empties the slot; stored as the mask even had it not.
        SlotSet("link_code", "k7qm 3xpa"),
        SlotSet("pin_required", True),
        SlotSet("requested_slot", "pin"),
        BotUttered("What is your PIN?"),
        ActionExecuted("action_listen"),
        UserUttered("9 3 7 1", {"name": "inform"}),
        SlotSet("pin", "9 3 7 1"),
        SlotSet("verified", True),
        ActiveLoop(None),
        SlotSet("requested_slot", None),
        BotUttered("Loan L-1001: ..."),
        ActionExecuted("action_listen"),
        UserUttered(
            "12/04/1988 again, thanks",
            {"name": "thank"},
            metadata={"wazi_identity": {"channel": "whatsapp", "phone": "+254712000001"}},
        ),
        SlotSet("session_started_metadata", {"wazi_identity": {"phone": "+254712000001"}}),
    ]
    HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"
    turn3 = [
        ActionExecuted("action_listen"),
        UserUttered("set a PIN", {"name": "set_pin"}),
        ActiveLoop("pin_form"),
        SlotSet("requested_slot", "new_pin"),
        BotUttered("Choose a PIN of 4 to 6 digits."),
        ActionExecuted("action_listen"),
        UserUttered("5826", {"name": "inform"}),
        SlotSet("new_pin", "5826"),  # Rasa's from_text extraction, before the validation
        SlotSet("new_pin", HASH),  # the validation action's hash
        SlotSet("requested_slot", "new_pin_again"),
        BotUttered("Type it again."),
        ActionExecuted("action_listen"),
        UserUttered("5826", {"name": "inform"}),
        SlotSet("new_pin_again", "5826"),
        ActiveLoop(None),
        SlotSet("requested_slot", None),
        BotUttered("Your PIN is set."),
        ActionExecuted("action_listen"),
        # The PIN form's slots, asked by no form now: kept as Rasa keeps it.
        UserUttered("what is new_pin_again", {"name": "out_of_scope"}),
        # The verification form's slot asked while the PIN form is active: not its own slot.
        ActiveLoop("pin_form"),
        SlotSet("requested_slot", "pin"),
        ActionExecuted("action_listen"),
        UserUttered("9371 is not a pin form answer", {"name": "inform"}),
        # The PIN form's slot asked while the identity form is active: not its own slot.
        ActiveLoop("verification_form"),
        SlotSet("requested_slot", "new_pin"),
        ActionExecuted("action_listen"),
        UserUttered("5826 is not an identity answer", {"name": "inform"}),
        ActiveLoop(None),
        SlotSet("requested_slot", None),
    ]

    async def main():
        tracker = DialogueStateTracker.from_events("chat-1", turn1)
        await store.save(tracker)  # two saves: only the new events are added the second time
        tracker = DialogueStateTracker.from_events("chat-1", turn1 + turn2)
        await store.save(tracker)
        tracker = DialogueStateTracker.from_events("chat-1", turn1 + turn2 + turn3)
        await store.save(tracker)
        back = await store.retrieve("chat-1")
        assert len(back.events) == len(turn1) + len(turn2) + len(turn3), len(back.events)
        # Each event read back as the kind it was stored as, in order.
        kinds = [type(e).__name__ for e in back.events]
        assert kinds == [type(e).__name__ for e in [*turn1, *turn2, *turn3]], kinds
        # The next turn needs the slots: they come back as they were.
        assert back.get_slot("phone_number") == "+254712000001"
        assert back.get_slot("date_of_birth") == "1988-04-12"
        # The linking code is never needed again: it comes back empty.
        assert back.get_slot("link_code") is None
        # Nor the PIN, nor the new PIN typed again; the new PIN's hash comes back as it was.
        assert back.get_slot("pin") is None
        assert back.get_slot("new_pin_again") is None
        assert back.get_slot("new_pin") == HASH
        typed_first = [e for e in back.events if isinstance(e, SlotSet) and e.key == "new_pin"]
        assert [e.value for e in typed_first] == [None, HASH]
        # Without the secret nobody reads them: the slots come back empty.
        os.environ["WAZI_CHANNEL_SECRET"] = "another secret of forty characters......"
        stranger = await store.retrieve("chat-1")
        assert stranger.get_slot("phone_number") is None
        assert len(stranger.events) == len(back.events)
        os.environ["WAZI_CHANNEL_SECRET"] = "s" * 40

        # A conversation read back knows how many of its events are stored: a read is one
        # statement, a save one INSERT of the new events (no count, no transaction), and a
        # second save of the same conversation adds nothing.
        statements = []
        sa.event.listen(
            store.engine, "before_cursor_execute",
            lambda conn, cursor, sql, *rest: statements.append(sql.split()[0].upper()),
        )
        earlier = [
            ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet"}),
            BotUttered("Hello"), ActionExecuted("action_listen"),
        ]
        await store.save(DialogueStateTracker.from_events("chat-2", earlier))
        statements.clear()
        tracker = await store.retrieve("chat-2")
        assert statements == ["SELECT"], statements
        later = time.time() + 1  # the new session's events strictly after the earlier ones
        for event in [ActionExecuted("action_session_start", timestamp=later),
                      SessionStarted(timestamp=later + 1),
                      ActionExecuted("action_listen", timestamp=later + 2)]:
            tracker.update(event)
        statements.clear()
        await store.save(tracker)
        await store.save(tracker)
        assert statements == ["INSERT"], statements
        # The latest session only, as Rasa reads it: from the session start on.
        tracker = await store.retrieve("chat-2")
        assert [type(e).__name__ for e in tracker.events] == [
            "SessionStarted", "ActionExecuted"
        ], tracker.events
        tracker.update(UserUttered("my balance", {"name": "ask_balance"}, timestamp=later + 3))
        statements.clear()
        await store.save(tracker)
        assert statements == ["INSERT"], statements
        whole = await store.retrieve_full_tracker("chat-2")
        assert [getattr(e, "text", None) for e in whole.events if isinstance(e, UserUttered)] == [
            "hi", "my balance"
        ]
        assert len(whole.events) == len(earlier) + 3 + 1, whole.events

    asyncio.run(main())
    rows = [r[0] for r in sqlite3.connect(db).execute("SELECT data FROM events ORDER BY id")]
    stored = "\\n".join(rows)
    assert "+254712000001" not in stored and "1988-04-12" not in stored, stored
    assert "254712000001" not in stored and "1988/04" not in stored, stored  # the entities
    assert "k7qm" not in stored.lower() and "3xpa" not in stored.lower(), stored
    assert "9 3 7 1" not in stored and '"5826"' not in stored, stored
    # 6 messages x (text, parse_data text), 1 claim in the message's metadata (its copy in
    # parse_data too), 1 in session_started_metadata, 4 slot values (the linking code, the
    # PIN, the new PIN as typed, the new PIN typed again); the 2 identity slot values encrypted
    assert stored.count('"***"') == 6 * 2 + 2 + 1 + 4, stored
    assert '"link_code", "value": "***"' in stored, stored
    assert '"pin", "value": "***"' in stored, stored
    assert '"new_pin_again", "value": "***"' in stored, stored
    assert '"new_pin", "value": "***"' in stored, stored
    assert '"new_pin", "value": "' + HASH + '"' in stored, stored
    # a form asking another form's slot: kept as Rasa keeps it
    assert "9371 is not a pin form answer" in stored
    assert "5826 is not an identity answer" in stored
    assert "what is new_pin_again" in stored
    assert stored.count('"fernet:') == 2, stored
    assert "what is my balance" in stored
    assert "12/04/1988 again, thanks" in stored  # after the form: kept as Rasa keeps it
    assert '"verified", "value": true' in stored or '"value": true' in stored
    print("ok")
    """
)


def test_the_identity_checks_answers_are_stored_masked(tmp_path: Path) -> None:
    assert run_in_rasa(CHECKS, str(tmp_path / "tracker.db")).strip().endswith("ok")
