"""Admin pages: the audit log of what staff, clients and the system did (who, what, when),
newest first, filtered by who, what and subject."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select

from bot.db import models
from bot.web.dashboard.auth import admin_access, audit, current_user
from bot.web.dashboard.blueprint import bp
from bot.web.dashboard.db import db

PAGE_SIZE = 100


@bp.get("/audit")
@admin_access
def audit_log() -> str:
    session = db()
    actor = request.args.get("actor", "").strip()
    action = request.args.get("action", "").strip()
    subject = request.args.get("subject", "").strip()
    query = select(models.AuditEntry).order_by(models.AuditEntry.id.desc()).limit(PAGE_SIZE)
    if actor:
        query = query.where(models.AuditEntry.actor_id == actor)
    if action:
        query = query.where(models.AuditEntry.action.startswith(action, autoescape=True))
    if subject:
        query = query.where(models.AuditEntry.subject_id == subject)
    entries = list(session.scalars(query))
    user = current_user()
    assert user is not None  # admin_access let the request in
    audit(
        session,
        user.username,
        "audit.viewed",
        filters={"actor": actor, "action": action, "subject": subject},
    )
    session.commit()
    return render_template(
        "dashboard/audit.html",
        entries=entries,
        actor=actor,
        action=action,
        subject=subject,
        page_size=PAGE_SIZE,
    )
