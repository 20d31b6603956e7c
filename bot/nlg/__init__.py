"""Rasa's natural-language generator for Wazi: every response, in the client's language."""

from bot.nlg.app import create_app

__all__ = ["create_app"]
