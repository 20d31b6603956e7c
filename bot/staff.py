"""Dashboard users: created with an argon2id password hash (argon2-cffi's defaults)."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import StaffRole, StaffUser

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 10


class StaffError(ValueError):
    """A user that cannot be added; the message says why."""


def add(
    session: Session,
    username: str,
    password: str,
    role: StaffRole,
    display_name: str | None = None,
) -> StaffUser:
    """Add an active dashboard user; StaffError for a taken or badly formed username or a
    password shorter than ``MIN_PASSWORD``."""
    if not USERNAME.match(username):
        raise StaffError(
            f"username {username!r}: 2 to 64 lower-case letters, digits, '.', '_' or '-'"
        )
    if len(password) < MIN_PASSWORD:
        raise StaffError(f"the password must have at least {MIN_PASSWORD} characters")
    if session.scalars(select(StaffUser).where(StaffUser.username == username)).first():
        raise StaffError(f"username {username!r} is taken")
    user = StaffUser(
        username=username,
        display_name=display_name or username,
        password_hash=PasswordHasher().hash(password),
        role=role,
        active=True,
    )
    session.add(user)
    session.flush()
    return user
