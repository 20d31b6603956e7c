"""The complaint sweep as a scheduled job: the web process runs it in a thread, every hour by
default, as ``wazi complaints sweep`` does once (kept complaints written, missed deadlines
escalated, clients told of the regulator), followed by the process's other hourly jobs
(``also``: the retention sweep, ``bot/retention.py``)."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from bot.complaints import store
from bot.complaints.regulators import Regulator
from bot.complaints.rules import Policy
from bot.complaints.spool import spool_in
from bot.db.session import session_scope

logger = logging.getLogger(__name__)

EVERY = 3600.0  # seconds between sweeps


class Sweeper:
    """Sweeps at start and then every ``every`` seconds until ``stop``."""

    def __init__(
        self,
        engine: Engine,
        policy: Policy,
        data_dir: Path,
        today: Callable[[], dt.date],
        every: float = EVERY,
        regulator: Regulator | None = None,
        also: Sequence[Callable[[], object]] = (),
    ) -> None:
        self.engine, self.policy, self.data_dir, self.today = engine, policy, data_dir, today
        self.every = every
        self.regulator = regulator  # None: no regulator notices
        self.also = tuple(also)  # other hourly jobs of the web process (retention)
        self.swept = 0  # complaints escalated or noticed since start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="complaint sweep", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def sweep_once(self) -> list[store.Swept]:
        spool_in(self.data_dir).drain(self.engine, self.policy)
        with session_scope(self.engine) as session:
            swept = store.sweep(session, self.today(), dt.datetime.now(dt.UTC), self.regulator)
        for item in swept:
            if item.reasons:
                logger.info("complaint %s escalated: %s", item.ticket_no, "; ".join(item.reasons))
            if item.regulator_notice:
                logger.info("complaint %s: the client is told of the regulator", item.ticket_no)
        self.swept += len(swept)
        return swept

    def _run(self) -> None:
        while not self._stop.is_set():
            for job in (self.sweep_once, *self.also):
                try:
                    job()
                except DBAPIError as exc:  # the database is down: the next sweep tries again
                    logger.warning("sweep failed: %s", exc)
            self._stop.wait(self.every)
