"""What must never be in a log: the demo clients' phone numbers (as clients type them and as
the platforms send them), their dates of birth (as typed) and their names. The end-to-end run
scans every log its servers and adapters wrote (tests/e2e/conftest.py)."""

from __future__ import annotations

import re
from pathlib import Path

from bot.demo import DEMO_CLIENTS


def personal_data() -> dict[str, str]:
    """Each string that would give a client away, with what it is."""
    found: dict[str, str] = {}
    for client in DEMO_CLIENTS:
        digits = client.phone.lstrip("+")
        national = "0" + client.phone[-9:]  # the national forms the demo regions use
        for form in (client.phone, digits, national):
            found[form] = f"{client.name}'s phone"
        born = client.date_of_birth
        for form in (born.isoformat(), born.strftime("%d/%m/%Y"), born.strftime("%d.%m.%Y")):
            found[form] = f"{client.name}'s date of birth"
        for part in client.name.split():
            found[part] = f"{client.name}'s name"
    return found


def leaks(folder: Path) -> list[str]:
    """Every line of every ``*.log`` under ``folder`` holding personal data, with where."""
    patterns = personal_data()
    pattern = re.compile(
        "|".join(rf"(?<![\w+]){re.escape(text)}(?!\w)" for text in sorted(patterns, key=len)[::-1])
    )
    found = []
    for log in sorted(folder.rglob("*.log")):
        for number, line in enumerate(log.read_text(errors="replace").splitlines(), start=1):
            match = pattern.search(line)
            if match:
                found.append(f"{log.relative_to(folder)}:{number}: {patterns[match.group(0)]}")
    return found
