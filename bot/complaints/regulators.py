"""Who a client may take a complaint to when the MFI misses a deadline: the regulator or
ombudsman of each country, read from ``locales/regulators.yml``.

Each country (ISO 3166 code) has a ``name``, a ``contact`` and optionally a ``text`` per
language that replaces the catalog's default notice (``bot.complaints.news.REGULATOR_NOTICE``);
such a text may use ``%(ticket)s``, ``%(name)s`` and ``%(contact)s``. ``WAZI_COUNTRY`` picks the
installation's country (``bot.settings``), so a bad file or an unknown country stops startup with
one line.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

import yaml

logger = logging.getLogger(__name__)

PLACEHOLDERS = {"ticket": "WZ-2026-000001", "name": "name", "contact": "contact"}


class RegulatorFileError(ValueError):
    """``regulators.yml`` cannot be used, or has no entry for a country; one line says why."""


@dataclasses.dataclass(frozen=True)
class Regulator:
    """A country's regulator or ombudsman, as the client is told of it."""

    country: str  # ISO 3166 code, e.g. KE
    name: str
    contact: str
    texts: tuple[tuple[str, str], ...] = ()  # (language, notice text) replacing the default

    def text_in(self, language: str) -> str | None:
        """The notice text written for ``language`` in the file, if any."""
        return dict(self.texts).get(language)

    def as_details(self) -> dict[str, Any]:
        """What a notice records of the regulator (so the history says what the client read)."""
        details: dict[str, Any] = {
            "country": self.country,
            "name": self.name,
            "contact": self.contact,
        }
        if self.texts:
            details["texts"] = dict(self.texts)
        return details

    @classmethod
    def from_details(cls, details: dict[str, Any]) -> Regulator:
        texts = details.get("texts") or {}
        return cls(
            str(details.get("country", "")),
            str(details.get("name", "")),
            str(details.get("contact", "")),
            tuple(sorted((str(k), str(v)) for k, v in texts.items())),
        )


def _text(country: str, field: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RegulatorFileError(f"{country}: {field} must be a non-empty text")
    return " ".join(value.split())


def _entry(country: object, entry: object) -> Regulator:
    if not isinstance(country, str) or len(country) != 2 or not country.isalpha():
        raise RegulatorFileError(f"{country!r} is not a two-letter country code")
    code = country.upper()
    if not isinstance(entry, dict):
        raise RegulatorFileError(f"{code}: expected name, contact and optional text")
    unknown = set(entry) - {"name", "contact", "text"}
    if unknown:
        raise RegulatorFileError(f"{code}: unknown field {sorted(unknown)[0]!r}")
    texts = entry.get("text") or {}
    if not isinstance(texts, dict):
        raise RegulatorFileError(f"{code}: text must map languages to texts")
    checked = []
    for language, text in sorted(texts.items()):
        text = _text(code, f"text.{language}", text)
        try:
            text % PLACEHOLDERS
        except (KeyError, ValueError, TypeError) as exc:
            raise RegulatorFileError(
                f"{code}: text.{language} may use only %(ticket)s, %(name)s and %(contact)s"
                f" ({type(exc).__name__}: {exc})"
            ) from None
        checked.append((str(language), text))
    return Regulator(
        code,
        _text(code, "name", entry.get("name")),
        _text(code, "contact", entry.get("contact")),
        tuple(checked),
    )


def load_regulators(path: Path) -> dict[str, Regulator]:
    """Every country's regulator in ``path``; RegulatorFileError when the file is unusable."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RegulatorFileError(f"{path.name}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise RegulatorFileError(f"{path.name}: not valid YAML{where}") from None
    if not isinstance(data, dict) or not data:
        raise RegulatorFileError(f"{path.name}: expected country codes with name and contact")
    try:
        regulators = [_entry(country, entry) for country, entry in data.items()]
    except RegulatorFileError as exc:
        raise RegulatorFileError(f"{path.name}: {exc}") from None
    return {regulator.country: regulator for regulator in regulators}


def regulator_for(country: str, path: Path) -> Regulator:
    """The regulator of ``country`` in ``path``; RegulatorFileError when it has none."""
    regulators = load_regulators(path)
    code = country.strip().upper()
    if code not in regulators:
        known = ", ".join(sorted(regulators))
        raise RegulatorFileError(f"no regulator for {code!r} in {path.name} (it has {known})")
    return regulators[code]
