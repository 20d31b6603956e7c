"""Logging in and out of the dashboard, who is logged in, and what their role lets them do.

A password is checked with argon2 (the hash ``wazi demo seed`` and admins write). Five wrong
passwords for one username within 15 minutes lock that username for 15 minutes; the failures
are the ``staff.login_failed`` audit rows, so the lock holds across processes and restarts,
and a successful login starts the count again.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import g, redirect, render_template, request, session, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from bot.db.models import AuditEntry, StaffRole, StaffUser, utcnow
from bot.web.dashboard.blueprint import bp, error_page, new_csrf_token
from bot.web.dashboard.db import db

MAX_FAILURES = 5
FAILURE_WINDOW = dt.timedelta(minutes=15)
LOCK_TIME = dt.timedelta(minutes=15)
LESSON_ROLES = frozenset({StaffRole.TRAINER, StaffRole.ADMIN})
COMPLAINT_ROLES = frozenset({StaffRole.STAFF, StaffRole.ADMIN})
ADMIN_ROLES = frozenset({StaffRole.ADMIN})
ROLE_PLURALS = {StaffRole.STAFF: "staff", StaffRole.TRAINER: "trainers", StaffRole.ADMIN: "admins"}
WRONG_LOGIN = "Wrong username or password."
MAX_USERNAME = 64

_hasher = PasswordHasher()
# Checked against when the username is unknown, so both cases take as long.
_DUMMY_HASH = _hasher.hash("not a real password")

F = TypeVar("F", bound=Callable[..., Any])


def audit(
    session_: Session,
    actor: str | None,
    action: str,
    subject_type: str | None = None,
    subject_id: str | None = None,
    **details: Any,
) -> None:
    """Write down what a staff member did (``actor`` is their username)."""
    session_.add(
        AuditEntry(
            actor_type="staff",
            actor_id=actor[:MAX_USERNAME] if actor else None,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            details=details,
        )
    )


def locked_until(session_: Session, username: str, now: dt.datetime) -> dt.datetime | None:
    """When the lock on ``username`` ends, or None when it may try to log in."""
    last_success = session_.scalar(
        select(AuditEntry.at)
        .where(
            AuditEntry.actor_type == "staff",
            AuditEntry.action == "staff.login",
            AuditEntry.subject_id == username,
        )
        .order_by(AuditEntry.at.desc())
        .limit(1)
    )
    since = now - FAILURE_WINDOW - LOCK_TIME
    if last_success is not None and last_success > since:
        since = last_success
    failures = list(
        session_.scalars(
            select(AuditEntry.at)
            .where(
                AuditEntry.actor_type == "staff",
                AuditEntry.action == "staff.login_failed",
                AuditEntry.subject_id == username,
                AuditEntry.at > since,
            )
            .order_by(AuditEntry.at)
        )
    )
    # The lock starts at the failure that makes five within the window, and lasts LOCK_TIME.
    for index in range(MAX_FAILURES - 1, len(failures)):
        if failures[index] - failures[index - MAX_FAILURES + 1] <= FAILURE_WINDOW:
            until = failures[index] + LOCK_TIME
            if until > now:
                return until
    return None


def _password_ok(user: StaffUser | None, password: str) -> bool:
    try:
        if user is None:
            _hasher.verify(_DUMMY_HASH, password)
            return False
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def current_user() -> StaffUser | None:
    """The logged-in, active staff user of this request, or None."""
    if "staff_user" not in g:
        user = None
        user_id = session.get("staff_user_id")
        if isinstance(user_id, int):
            user = db().get(StaffUser, user_id)
            if user is not None and not user.active:
                user = None
        g.staff_user = user
    return g.staff_user


def requires(roles: frozenset[StaffRole], what: str) -> Callable[[F], F]:
    """Only a logged-in user with one of ``roles`` gets through; others are sent to log in or
    refused with a page that says who may see ``what``."""
    allowed = " and ".join(plural for role, plural in ROLE_PLURALS.items() if role in roles)

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return redirect(url_for("dashboard.login", next=request.full_path.rstrip("?")))
            if user.role not in roles:
                return error_page(
                    403,
                    "Not allowed",
                    f"You are logged in as {user.display_name} with the {user.role.value} role. "
                    f"Only {allowed} can see {what}; ask an admin if you need to.",
                )
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


lessons_access = requires(LESSON_ROLES, "and edit lessons")
complaints_access = requires(COMPLAINT_ROLES, "and answer complaints")
admin_access = requires(ADMIN_ROLES, "the audit log")


def start_page(user: StaffUser | None) -> str:
    """Where a user lands: complaints for staff and admins, lessons for trainers."""
    if user is not None and user.role in LESSON_ROLES and user.role not in COMPLAINT_ROLES:
        return url_for("dashboard.lesson_list")
    return url_for("dashboard.complaint_list")


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/dashboard/") and not target.startswith("//"):
        return target
    return start_page(current_user())


@bp.get("/")
def home() -> Response:
    return redirect(start_page(current_user()))


@bp.get("/login")
def login() -> str | Response:
    if current_user() is not None:
        return redirect(_safe_next(request.args.get("next")))
    return render_template("dashboard/login.html", username="", next=request.args.get("next", ""))


@bp.post("/login")
def login_post() -> tuple[str, int] | Response:
    username = request.form.get("username", "").strip()[:MAX_USERNAME]
    password = request.form.get("password", "")
    next_ = request.form.get("next", "")
    session_ = db()
    now = utcnow()

    def again(message: str, status: int) -> tuple[str, int]:
        page = render_template("dashboard/login.html", username=username, next=next_, error=message)
        return page, status

    until = locked_until(session_, username, now)
    if until is not None:
        minutes = max(1, -(-int((until - now).total_seconds()) // 60))
        audit(session_, username, "staff.login_refused", "staff_user", username)
        session_.commit()
        return again(
            f"Too many wrong passwords for this username. Logging in is blocked for "
            f"{minutes} more minute{'s' if minutes != 1 else ''}; try again later.",
            429,
        )

    user = session_.scalar(select(StaffUser).where(StaffUser.username == username))
    if not _password_ok(user, password) or user is None or not user.active:
        reason = "inactive" if user is not None and not user.active else "wrong password"
        audit(session_, username, "staff.login_failed", "staff_user", username, reason=reason)
        session_.commit()
        return again(WRONG_LOGIN, 401)

    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    audit(session_, user.username, "staff.login", "staff_user", user.username)
    session_.commit()
    session.clear()  # a new session for the logged-in user (no fixation)
    session["staff_user_id"] = user.id
    new_csrf_token()
    return redirect(_safe_next(next_))


@bp.post("/logout")
def logout() -> Response:
    user = current_user()
    if user is not None:
        audit(db(), user.username, "staff.logout", "staff_user", user.username)
        db().commit()
    session.clear()
    return redirect(url_for("dashboard.login"))


@bp.context_processor
def _staff_user() -> dict[str, Any]:
    return {"staff_user": current_user()}
