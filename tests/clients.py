"""The one client tests need when they need just one: Amina, as the demo data has her."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from bot.db.models import Client
from bot.db.session import session_scope

AMINA_PHONE = "+254712000001"
AMINA_BORN = dt.date(1988, 4, 12)


def amina() -> Client:
    return Client(name="Amina Njeri", phone=AMINA_PHONE, date_of_birth=AMINA_BORN, locale="sw_KE")


def add_amina(engine: Engine) -> int:
    """Amina in ``engine``'s database: her client id."""
    with session_scope(engine) as session:
        client = amina()
        session.add(client)
        session.flush()
        return client.id
