"""The local web chat: a small Flask app that talks to Rasa's REST channel.

Run it with ``python -m bot.web``; build it in tests with :func:`create_app`.
"""

from bot.web.app import create_app

__all__ = ["create_app"]
