"""The translation check run by ``make i18n-check`` (and so by ``make test``).

It fails when the committed ``locales/messages.pot`` is not what extraction gives today (a
message was added or changed without ``make translations``), when extraction finds a broken
string, or when any supported language lacks a translation, has a fuzzy one, or one whose
placeholders (``%(name)s``, ``{name}``) differ from the English message.
"""

from __future__ import annotations

import re
import sys

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LANGUAGES, LOCALES_DIR, SOURCE_LANGUAGE
from bot.settings import PROJECT_ROOT

POT = LOCALES_DIR / "messages.pot"


def extracted_ids() -> set[str]:
    """Message ids as extraction finds them in the code and domain.yml right now."""
    from babel.messages.frontend import parse_mapping_cfg

    with open(PROJECT_ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PROJECT_ROOT),
        method_map,
        options_map,
        keywords={"_": None, "gettext": None, "ngettext": (1, 2), "N_": None},
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


def placeholders(text: str) -> set[str]:
    """The ``%(name)s`` and ``{name}`` placeholders of a message."""
    return set(_PLACEHOLDER.findall(text))


def problems() -> list[str]:
    found: list[str] = []
    with POT.open("rb") as handle:
        template = read_po(handle)
    committed = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
    current = extracted_ids()
    for message in sorted(current - committed):
        found.append(f"messages.pot lacks {message!r}: run `make translations`")
    for message in sorted(committed - current):
        found.append(f"messages.pot still has the removed {message!r}: run `make translations`")

    for language in LANGUAGES:
        if language == SOURCE_LANGUAGE:
            continue
        po_path = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
        if not po_path.exists():
            found.append(f"{language}: no catalog at {po_path.relative_to(PROJECT_ROOT)}")
            continue
        with po_path.open("rb") as handle:
            catalog: Catalog = read_po(handle, locale=language)
        translated = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}
        for message in sorted(committed):
            entry = translated.get(message)
            strings = (
                []
                if entry is None
                else ([entry.string] if isinstance(entry.string, str) else list(entry.string))
            )
            if entry is None or not all(strings):
                found.append(f"{language}: no translation for {message!r}")
            elif entry.fuzzy:
                found.append(f"{language}: fuzzy translation for {message!r}")
            elif placeholders(message) != placeholders(strings[0]):
                found.append(
                    f"{language}: {message!r}: placeholder mismatch, expected "
                    f"{sorted(placeholders(message))}, got {sorted(placeholders(strings[0]))}"
                )
    return found


def main() -> int:
    issues = problems()
    for issue in issues:
        print(f"i18n: {issue}", file=sys.stderr)  # noqa: T201
    if issues:
        return 1
    print(f"i18n: {len(LANGUAGES) - 1} languages fully translated")  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
