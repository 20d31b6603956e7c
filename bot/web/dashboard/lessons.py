"""The lessons pages: the list with each language's state and numbers, new, edit, preview,
publish and withdraw. The rules of what a lesson may be live in ``bot.lessons.store``."""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from bot.lessons import content, stats, store
from bot.lessons.content import LANGUAGES, SOURCE_LANGUAGE, Lesson
from bot.lessons.files import Problem
from bot.lessons.render import SCALES, render
from bot.web.dashboard import forms
from bot.web.dashboard.auth import audit, current_user, lessons_access
from bot.web.dashboard.blueprint import LANGUAGE_NAMES, bp
from bot.web.dashboard.db import db

CURRENCIES = tuple(c for c in ("KES", "UGX", "XOF", "MXN", "INR", "USD") if c in SCALES)

Page = tuple[str, int]


def _username() -> str:
    user = current_user()
    assert user is not None  # lessons_access let the request in
    return user.username


def _languages_asked(raw: str | None) -> list[str]:
    """The languages to show side by side, English first, in the usual order."""
    asked = {part.strip() for part in (raw or "").split(",") if part.strip()}
    asked |= {language for language in request.args.getlist("language")}
    chosen = [language for language in LANGUAGES if language in asked]
    return chosen or [SOURCE_LANGUAGE]


def _percent(rate: float | None) -> str:
    return "–" if rate is None else f"{round(rate * 100)}%"


@bp.get("/lessons")
@lessons_access
def lesson_list() -> str:
    session = db()
    found = stats.lesson_stats(session)
    rows = []
    for status in store.catalogue(session):
        languages = []
        for language in LANGUAGES:
            numbers = stats.stats_for(found, status.slug, language)
            languages.append(
                {
                    "code": language,
                    "name": LANGUAGE_NAMES[language],
                    "status": status.languages[language],
                    "stats": numbers,
                    "completion": _percent(numbers.completion_rate),
                    "success": _percent(numbers.quiz_success_rate),
                }
            )
        rows.append({"lesson": status, "languages": languages})
    return render_template("dashboard/lessons.html", rows=rows)


# --- new and edit -------------------------------------------------------------------------


def _edit_page(
    slug: str,
    languages: list[str],
    position: str,
    topic: str,
    shape: forms.Shape,
    columns: dict[str, forms.Column],
    problems: dict[str, list[str]] | None = None,
    message: str | None = None,
    status: int = 200,
) -> Page:
    versions = store.versions(db(), slug)
    states = {
        language: (
            "missing"
            if language not in versions
            else "published"
            if versions[language].published
            else "draft"
        )
        for language in LANGUAGES
    }
    page = render_template(
        "dashboard/edit.html",
        slug=slug,
        languages=languages,
        position=position,
        topic=topic,
        topics=content.TOPICS,
        shape=shape,
        columns=columns,
        states=states,
        problems=problems or {},
        message=message,
        all_languages=LANGUAGES,
        languages_param=",".join(languages),
    )
    return page, status


def _stored_edit_page(
    slug: str, languages: list[str], message: str | None = None, status: int = 200
) -> Page:
    versions = store.versions(db(), slug)
    source = versions.get(SOURCE_LANGUAGE)
    shape = forms.shape_of(source)
    first = source or next(iter(versions.values()))
    columns = {
        language: forms.column_of(language, versions.get(language), shape) for language in languages
    }
    return _edit_page(
        slug,
        languages,
        str(first.position),
        first.topic,
        shape,
        columns,
        message=message,
        status=status,
    )


@bp.get("/lessons/new")
@lessons_access
def new_lesson() -> str:
    shape = forms.default_shape()
    column = forms.column_of(SOURCE_LANGUAGE, None, shape)
    return render_template(
        "dashboard/new.html",
        slug="",
        position="",
        topic="",
        topics=content.TOPICS,
        shape=shape,
        column=column,
        problems=[],
    )


@bp.post("/lessons/new")
@lessons_access
def create_lesson() -> Page | Response:
    session = db()
    form = request.form
    slug = form.get("slug", "").strip()
    position = form.get("position", "").strip()
    topic = form.get("topic", "").strip()
    shape = forms.shape_from_form(form)
    column = forms.column_from_form(form, SOURCE_LANGUAGE, shape)

    found: list[Problem] = []
    if slug and store.versions(session, slug):
        found = [
            Problem("dashboard", 0, slug, SOURCE_LANGUAGE, "slug", "another lesson has it already")
        ]
    else:
        lesson = forms.lesson_of(column, slug, forms.parse_position(position), topic)
        found = store.save(session, lesson, by=_username())
    if found:
        session.rollback()
        page = render_template(
            "dashboard/new.html",
            slug=slug,
            position=position,
            topic=topic,
            topics=content.TOPICS,
            shape=shape,
            column=column,
            problems=forms.plain(found),
        )
        return page, 422
    audit(session, _username(), "lesson.saved", "lesson", slug, language=SOURCE_LANGUAGE)
    session.commit()
    flash("Lesson added as an English draft. Add other languages here, then publish.")
    return redirect(url_for("dashboard.edit_lesson", slug=slug))


def _require_lesson(slug: str) -> dict[str, Lesson]:
    versions = store.versions(db(), slug)
    if not versions:
        abort(404)
    return versions


@bp.get("/lessons/<slug>/edit")
@lessons_access
def edit_lesson(slug: str) -> Page:
    _require_lesson(slug)
    return _stored_edit_page(slug, _languages_asked(request.args.get("languages")))


@bp.post("/lessons/<slug>/edit")
@lessons_access
def save_lesson(slug: str) -> Page | Response:
    session = db()
    versions = _require_lesson(slug)
    form = request.form
    languages = _languages_asked(form.get("languages"))
    source = versions.get(SOURCE_LANGUAGE)
    if SOURCE_LANGUAGE in languages:
        shape = forms.shape_from_form(form)
        position_text = form.get("position", "").strip()
        topic = form.get("topic", "").strip()
    else:
        shape = forms.shape_of(source)
        first = source or next(iter(versions.values()))
        position_text, topic = str(first.position), first.topic
    position = forms.parse_position(position_text)
    columns = {lang: forms.column_from_form(form, lang, shape) for lang in languages}

    by = _username()
    saved: list[str] = []
    problems: dict[str, list[str]] = {}
    for language, column in columns.items():
        if column.is_empty():
            continue  # an empty column leaves that language as it is
        current = store.get(session, slug, language)
        lesson = forms.lesson_of(
            column, slug, position, topic, published=current.published if current else False
        )
        if lesson == current:
            continue
        found = store.save(session, lesson, by=by)
        if found:
            problems[language] = forms.plain(found)
            continue
        audit(session, by, "lesson.saved", "lesson", slug, language=language)
        session.commit()
        saved.append(language)
        if language == SOURCE_LANGUAGE:
            _follow_english(slug, lesson, skip=set(languages))

    if problems:
        names = ", ".join(LANGUAGE_NAMES[language] for language in problems)
        done = f" Saved: {', '.join(LANGUAGE_NAMES[x] for x in saved)}." if saved else ""
        return _edit_page(
            slug,
            languages,
            position_text,
            topic,
            shape,
            columns,
            problems=problems,
            message=f"Not saved: {names}. See the problems in red below.{done}",
            status=422,
        )
    if saved:
        flash(f"Saved: {', '.join(LANGUAGE_NAMES[language] for language in saved)}.")
    else:
        flash("Nothing to save: no changes.")
    return redirect(url_for("dashboard.edit_lesson", slug=slug, languages=",".join(languages)))


def _follow_english(slug: str, english: Lesson, skip: set[str]) -> None:
    """Give the languages not on the page the English position and topic, which all share."""
    session = db()
    for language, version in store.versions(session, slug).items():
        if language in skip or (version.position, version.topic) == (
            english.position,
            english.topic,
        ):
            continue
        moved = dataclasses.replace(version, position=english.position, topic=english.topic)
        if not store.save(session, moved, by=_username()):
            audit(session, _username(), "lesson.saved", "lesson", slug, language=language)
            session.commit()
        else:
            session.rollback()


# --- publish and withdraw -----------------------------------------------------------------


def _publish(slug: str, language: str, published: bool) -> Page | Response:
    if language not in LANGUAGES:
        abort(404)
    _require_lesson(slug)
    session = db()
    languages = _languages_asked(request.form.get("languages") or language)
    try:
        store.publish(session, slug, language, by=_username(), published=published)
    except store.NotPublishable as exc:
        session.rollback()
        verb = "published" if published else "withdrawn"
        return _stored_edit_page(
            slug,
            languages,
            message=f"{LANGUAGE_NAMES[language]} was not {verb}: {exc}",
            status=422,
        )
    action = "lesson.published" if published else "lesson.withdrawn"
    audit(session, _username(), action, "lesson", slug, language=language)
    session.commit()
    done = "published: clients see it now" if published else "withdrawn"
    flash(f"{LANGUAGE_NAMES[language]} {done}.")
    return redirect(url_for("dashboard.edit_lesson", slug=slug, languages=",".join(languages)))


@bp.post("/lessons/<slug>/<language>/publish")
@lessons_access
def publish_lesson(slug: str, language: str) -> Page | Response:
    return _publish(slug, language, True)


@bp.post("/lessons/<slug>/<language>/withdraw")
@lessons_access
def withdraw_lesson(slug: str, language: str) -> Page | Response:
    return _publish(slug, language, False)


# --- preview ------------------------------------------------------------------------------


@bp.get("/lessons/<slug>/preview/<language>")
@lessons_access
def preview_lesson(slug: str, language: str) -> str | Page:
    if language not in LANGUAGES:
        abort(404)
    lesson = store.get(db(), slug, language)
    if lesson is None:
        abort(404)
    currency = request.args.get("currency", "KES").upper()
    if currency not in CURRENCIES:
        currency = "KES"

    def money(text: str) -> str:
        return render(text, currency, language)

    quiz: list[dict[str, Any]] = [
        {
            "text": money(question.text),
            "choices": [
                {"text": money(choice.text), "right": choice.id == question.answer}
                for choice in question.choices
            ],
            "explanation": money(question.explanation),
        }
        for question in lesson.quiz
    ]
    return render_template(
        "dashboard/preview.html",
        lesson=lesson,
        language=language,
        title=money(lesson.title),
        messages=[money(message) for message in lesson.messages],
        quiz=quiz,
        currency=currency,
        currencies=CURRENCIES,
    )
