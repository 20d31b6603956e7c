"""The tracker stores that delete a conversation's history at the client's request
(bot/rasa_forgetting.py), in Rasa's own environment: the local profile's in-memory store as
endpoints.yml names it, and the production profile's SQL store on a SQLite file."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.rasa_env import run_in_rasa

SETUP = textwrap.dedent(
    """
    import asyncio, os, sqlite3, sys
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.from_path("domain.yml")
    before = [
        ActionExecuted("action_listen"),
        UserUttered("what is my balance", {"name": "ask_balance"}),
        SlotSet("verified", True),
        SlotSet("language", "sw"),
        BotUttered("Mkopo L-1001: salio ni KSh 12,000"),
        ActionExecuted("action_listen"),
        UserUttered("/data_delete_confirm", {"name": "data_delete_confirm"}),
        ActionExecuted("action_data_delete_confirm"),
        BotUttered("Nimefuta data yako."),
        SlotSet("verified", False),
    ]
    forgetting = [
        SlotSet("forget_history", True),
        SlotSet("language", "sw"),
        ActionExecuted("action_listen"),
    ]
    later = [UserUttered("habari", {"name": "greet"}), ActionExecuted("action_greet")]

    def texts(tracker):
        return [e.text for e in tracker.events if isinstance(e, (UserUttered, BotUttered))]

    async def check(store):
        other = DialogueStateTracker.from_events("someone-else", before, domain.slots)
        await store.save(other)
        await store.save(DialogueStateTracker.from_events("chat-1", before, domain.slots))
        first = await store.retrieve("chat-1")
        assert "what is my balance" in texts(first), texts(first)
        await store.save(
            DialogueStateTracker.from_events("chat-1", before + forgetting, domain.slots)
        )
        kept = await store.retrieve("chat-1")
        assert texts(kept) == [], texts(kept)
        assert [type(e).__name__ for e in kept.events] == ["SlotSet", "ActionExecuted"]
        assert kept.get_slot("language") == "sw"
        assert kept.get_slot("verified") is False  # the slot's initial value
        assert kept.get_slot("forget_history") is None  # the marker is gone too
        # The conversation goes on: the next turn is stored as usual after what was kept.
        await store.save(
            DialogueStateTracker.from_events("chat-1", list(kept.events) + later, domain.slots)
        )
        after = await store.retrieve("chat-1")
        assert texts(after) == ["habari"], texts(after)
        # Another conversation keeps everything.
        assert "what is my balance" in texts(await store.retrieve("someone-else"))
    """
)

IN_MEMORY = SETUP + textwrap.dedent(
    """
    from rasa.core.tracker_store import TrackerStore
    from rasa.utils.endpoints import read_endpoint_config
    from bot.rasa_forgetting import ForgettingInMemoryTrackerStore

    os.environ.update(WAZI_ACTIONS_PORT="5055", WAZI_NLG_PORT="5056")
    config = read_endpoint_config("endpoints.yml", "tracker_store")
    store = TrackerStore.create(config, domain)
    # Rasa falls back to its plain in-memory store when a custom one fails to load.
    assert type(store) is ForgettingInMemoryTrackerStore, store
    asyncio.run(check(store))
    print("ok")
    """
)

SQL = SETUP + textwrap.dedent(
    """
    from bot.rasa_forgetting import ForgettingSQLTrackerStore

    os.environ["WAZI_CHANNEL_SECRET"] = "s" * 40
    db = sys.argv[1]
    asyncio.run(check(ForgettingSQLTrackerStore(domain=domain, dialect="sqlite", db=db)))
    rows = sqlite3.connect(db).execute(
        "SELECT sender_id, data FROM events ORDER BY id"
    ).fetchall()
    mine = [data for sender, data in rows if sender == "chat-1"]
    assert len(mine) == 4, mine  # language, listen, then the next turn's two events
    assert not any("balance" in data or "L-1001" in data for data in mine), mine
    assert sum(sender == "someone-else" for sender, _ in rows) == 10
    print("ok")
    """
)


def test_the_local_profiles_store_forgets_a_conversation_on_request() -> None:
    assert run_in_rasa(IN_MEMORY).strip().endswith("ok")


def test_the_production_profiles_store_deletes_the_stored_events(tmp_path: Path) -> None:
    assert run_in_rasa(SQL, str(tmp_path / "tracker.db")).strip().endswith("ok")
