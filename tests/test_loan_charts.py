"""The chart an adapter sends with the schedule: only for the chat's own verified client."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image
from sqlalchemy import Engine, select

from bot.db.models import Client
from bot.db.session import session_scope
from bot.i18n import gettext
from bot.identity import identity_for
from bot.loan_charts import LABELS, chart_labels, schedule_chart_for

TODAY = dt.date(2026, 11, 25)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _link(engine: Engine, channel: str, user_id: str, phone: str | None) -> None:
    """Make a chat identity verified as the client with ``phone`` (None: leave unverified)."""
    with session_scope(engine) as session:
        person = identity_for(session, channel, user_id)
        if phone is not None:
            client = session.scalars(select(Client).where(Client.phone == phone)).one()
            person.client_id = client.id
            person.verified_at = dt.datetime(2026, 11, 25, 9, tzinfo=dt.UTC)


def test_a_verified_client_gets_the_chart_of_their_own_loan(demo_engine: Engine) -> None:
    _link(demo_engine, "telegram", "1001", "+254712000001")
    png = schedule_chart_for(demo_engine, "telegram", "1001", "L-1001", "sw", TODAY)
    assert png is not None and png.startswith(PNG_MAGIC)
    assert Image.open(io.BytesIO(png)).size == (800, 500)


def test_no_chart_of_another_clients_loan_or_for_an_unverified_chat(demo_engine: Engine) -> None:
    _link(demo_engine, "telegram", "1002", "+254712000001")
    assert schedule_chart_for(demo_engine, "telegram", "1002", "L-2001", "en", TODAY) is None
    _link(demo_engine, "whatsapp", "254712000001", None)
    assert (
        schedule_chart_for(demo_engine, "whatsapp", "254712000001", "L-1001", "en", TODAY) is None
    )
    # the same user id on another channel is another person
    assert schedule_chart_for(demo_engine, "whatsapp", "1001", "L-1001", "en", TODAY) is None


@pytest.mark.parametrize("language", ["en", "sw", "fr", "es", "hi"])
def test_the_chart_speaks_the_clients_language(demo_engine: Engine, language: str) -> None:
    labels = chart_labels(language)
    assert labels == {key: gettext(language, text) for key, text in LABELS.items()}
    if language != "en":
        assert labels["title"] != LABELS["title"]
    _link(demo_engine, "telegram", f"lang-{language}", "+919812000004")
    # Hindi words need a Devanagari font: pytest turns a missing-glyph warning into a failure.
    png = schedule_chart_for(demo_engine, "telegram", f"lang-{language}", "L-4001", language, TODAY)
    assert png is not None and png.startswith(PNG_MAGIC)
