"""The responses written in domain.yml (English, the source language), read once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.buttons import Button
from bot.settings import PROJECT_ROOT

DOMAIN_FILE = PROJECT_ROOT / "domain.yml"


@dataclass(frozen=True)
class Response:
    text: str
    buttons: tuple[Button, ...] = ()


def load_responses(path: Path = DOMAIN_FILE) -> dict[str, Response]:
    """Each response's first variation; its English text is the gettext message id."""
    domain: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    responses = {}
    for name, variations in (domain.get("responses") or {}).items():
        first = variations[0]
        buttons = tuple(Button(b["title"], b["payload"]) for b in first.get("buttons") or ())
        responses[name] = Response(text=first.get("text", ""), buttons=buttons)
    return responses
