"""Who to call: the client's loan officer and branch, from the client's record."""

from __future__ import annotations

from babel import Locale

from bot.i18n import translations_for
from bot.loan_answers import Contact


def contact(details: Contact | None, locale: Locale) -> str:
    _ = translations_for(locale.language).gettext
    if details is None or not (details.officer_name or details.branch_name):
        return _("Please visit your branch; I do not have its details.")
    lines = []
    if details.officer_name:
        lines.append(
            _("Your loan officer: %(name)s, %(phone)s.")
            % {"name": details.officer_name, "phone": details.officer_phone or "-"}
        )
    if details.branch_name:
        lines.append(
            _("Your branch: %(name)s, %(phone)s, open %(hours)s.")
            % {
                "name": details.branch_name,
                "phone": details.branch_phone or "-",
                "hours": details.opening_hours or "-",
            }
        )
    return "\n".join(lines)
