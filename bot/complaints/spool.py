"""Complaints kept on disk while the database is unreachable, written once it is back.

A complaint must never be lost because the database is down. The action server appends it to
a JSON-lines file (flushed to disk before the client is told it is kept), and the next
complaint action or ``wazi complaints sweep`` writes what is kept, each in its own
transaction. Each kept complaint carries the request key of the message that made it, and
``store.receive`` writes a request key once, so a complaint written but not yet removed from
the file (a crash in between) is not written twice.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import fcntl
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from bot.complaints import store
from bot.complaints.rules import Category, Policy
from bot.db import models
from bot.db.session import session_scope
from bot.identity import identity_for

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Kept:
    """Everything needed to write a complaint later, as the client gave it."""

    request_key: str
    channel: str
    channel_user_id: str
    category: str
    description: str
    anonymous: bool
    loan_account: str | None
    locale: str
    today: str  # ISO date the client complained on
    at: str  # ISO datetime, UTC
    # The conversation before the complaint (``bot.handoff.transcript_of``), for staff.
    transcript: list[dict[str, Any]] = dataclasses.field(default_factory=list)


def unreachable(exc: BaseException) -> bool:
    """Whether a database error means the database could not be reached (not a bug)."""
    return isinstance(exc, OperationalError | InterfaceError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )


class Spool:
    def __init__(self, path: Path) -> None:
        self.path = path

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def keep(self, kept: Kept) -> None:
        """Append ``kept``, on disk before this returns."""
        with self._locked(), open(self.path, "a", encoding="utf-8") as out:
            out.write(json.dumps(dataclasses.asdict(kept), ensure_ascii=False) + "\n")
            out.flush()
            os.fsync(out.fileno())

    def pending(self) -> list[Kept]:
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [Kept(**json.loads(line)) for line in lines if line.strip()]

    def drain(self, engine: Engine, policy: Policy) -> list[str]:
        """Write every kept complaint; the ticket numbers written. What cannot be written yet
        (the database still down) stays kept; nothing is written twice."""
        if not self.path.exists():
            return []
        written: list[str] = []
        with self._locked():
            left: list[Kept] = []
            for kept in self.pending():
                if left:  # the database failed on an earlier one: keep the order
                    left.append(kept)
                    continue
                try:
                    with session_scope(engine) as session:
                        written.append(write(session, kept, policy))
                except DBAPIError as exc:
                    if not unreachable(exc):
                        raise
                    logger.warning("complaints: database unreachable; %s kept", kept.request_key)
                    left.append(kept)
            self._rewrite(left)
        return written

    def _rewrite(self, left: list[Kept]) -> None:
        if not left:
            self.path.unlink(missing_ok=True)
            return
        temporary = self.path.with_suffix(".tmp")
        with open(temporary, "w", encoding="utf-8") as out:
            for kept in left:
                out.write(json.dumps(dataclasses.asdict(kept), ensure_ascii=False) + "\n")
            out.flush()
            os.fsync(out.fileno())
        temporary.replace(self.path)


def write(session: Session, kept: Kept, policy: Policy) -> str:
    """Write one kept complaint (once per request key); its ticket number."""
    person = identity_for(session, kept.channel, kept.channel_user_id)
    loan = None
    if kept.loan_account and person.client_id is not None:
        loan = session.scalars(
            select(models.Loan).where(
                models.Loan.client_id == person.client_id,
                models.Loan.account_no == kept.loan_account,
            )
        ).first()
    complaint = store.receive(
        session,
        person,
        Category(kept.category),
        kept.description,
        anonymous=kept.anonymous,
        loan=loan,
        locale=kept.locale,
        today=dt.date.fromisoformat(kept.today),
        now=dt.datetime.fromisoformat(kept.at),
        policy=policy,
        request_key=kept.request_key,
        transcript=kept.transcript,
        loan_account=kept.loan_account,
    )
    return complaint.ticket_no or ""


def spool_in(data_dir: Path) -> Spool:
    """The spool of an installation: ``complaints-spool.jsonl`` in ``WAZI_DATA_DIR``."""
    return Spool(data_dir / "complaints-spool.jsonl")
