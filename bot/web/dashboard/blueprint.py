"""The dashboard blueprint: each POST must carry the session's CSRF token; a DB session per
request."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, render_template, request, session

from bot.web.dashboard.db import close_session

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

CSRF_FIELD = "csrf_token"
# A lesson in five languages, Hindi percent-encoded, is far more than the chat's 64 KiB.
MAX_FORM_BYTES = 1024 * 1024
LANGUAGE_NAMES = {
    "en": "English",
    "sw": "Kiswahili",
    "fr": "French",
    "es": "Spanish",
    "hi": "Hindi",
}
BAD_CSRF = (
    "This form could not be accepted: it has expired or did not come from this dashboard. "
    "Go back, reload the page and try again."
)


def csrf_token() -> str:
    """The session's CSRF token, made on first use."""
    token = session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return str(token)


def new_csrf_token() -> None:
    session[CSRF_FIELD] = secrets.token_urlsafe(32)


def error_page(status: int, title: str, message: str) -> tuple[str, int]:
    return render_template("dashboard/error.html", title=title, message=message), status


@bp.before_request
def _check_post() -> tuple[str, int] | None:
    request.max_content_length = MAX_FORM_BYTES
    if request.method != "POST":
        return None
    sent = request.form.get(CSRF_FIELD, "")
    expected = session.get(CSRF_FIELD, "")
    if not sent or not expected or not secrets.compare_digest(str(sent), str(expected)):
        return error_page(400, "Form not accepted", BAD_CSRF)
    return None


@bp.teardown_request
def _close(exc: BaseException | None = None) -> None:
    close_session(exc)


@bp.context_processor
def _template_helpers() -> dict[str, Any]:
    return {"csrf_token": csrf_token, "language_names": LANGUAGE_NAMES}
