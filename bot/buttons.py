"""A button in a chat message: the words shown and the Rasa payload it sends back."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Button:
    title: str
    payload: str
