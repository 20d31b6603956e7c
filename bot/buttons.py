"""A button in a chat message: the words shown and the Rasa payload it sends back."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Button:
    title: str
    payload: str

    def as_rasa(self) -> dict[str, str]:
        """The button as a rasa-sdk dispatcher takes it."""
        return {"title": self.title, "payload": self.payload}
