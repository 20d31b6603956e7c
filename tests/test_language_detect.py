"""Spotting a message plainly written in another of Wazi's languages."""

from __future__ import annotations

import pytest

from bot.language_detect import detect_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("when is my next payment", "en"),
        ("nataka kujua salio la mkopo wangu", "sw"),
        ("combien je dois encore pour mon prêt", "fr"),
        ("cuánto debo todavía de mi préstamo", "es"),
        ("mera agla kist kitna hai", "hi"),
        ("मेरी अगली किस्त कब है", "hi"),
    ],
)
def test_plain_messages(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize(
    "text", ["niko na balance ngapi", "hello", "ok", "+254712000001", "1988-04-12", "Amina", ""]
)
def test_short_or_mixed_messages_are_not_guessed(text: str) -> None:
    assert detect_language(text) is None
