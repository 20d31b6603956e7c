"""Handoff requests (a client asked for a person, ``bot.handoff``): listed with the complaints,
each with the conversation so far, marked as handled by the staff member who took it."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from bot.db import models
from bot.web.dashboard.auth import audit, complaints_access, current_user
from bot.web.dashboard.blueprint import bp, error_page
from bot.web.dashboard.db import db


def _username() -> str:
    user = current_user()
    assert user is not None  # complaints_access let the request in
    return user.username


@bp.get("/handoffs/<int:number>")
@complaints_access
def handoff_detail(number: int) -> str | tuple[str, int]:
    session = db()
    handoff = session.get(models.HandoffRequest, number)
    if handoff is None:
        return error_page(404, "No such request", f"There is no handoff request {number}.")
    client = session.get(models.Client, handoff.client_id) if handoff.client_id else None
    audit(session, _username(), "handoff.viewed", "handoff_request", str(number))
    session.commit()
    return render_template("dashboard/handoff.html", h=handoff, client=client)


@bp.post("/handoffs/<int:number>/close")
@complaints_access
def handoff_close(number: int) -> Response | tuple[str, int]:
    session = db()
    handoff = session.get(models.HandoffRequest, number)
    if handoff is None:
        return error_page(404, "No such request", f"There is no handoff request {number}.")
    if handoff.status != "open":
        return error_page(
            409, "Already handled", f"Handoff request {number} was marked as handled already."
        )
    handoff.status = "closed"
    handoff.closed_at = models.utcnow()
    audit(session, _username(), "handoff.closed", "handoff_request", str(number))
    session.commit()
    flash(f"Handoff request {number} is marked as handled.")
    return redirect(url_for("dashboard.complaint_list"))
