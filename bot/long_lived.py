"""Objects a server keeps for its whole life, kept out of the garbage collector's way.

Rasa's start-up (``bot/rasa_server.py``) and each action-server worker's (``bot/action_server/``)
call ``freeze_startup_objects`` once loaded. It imports only ``gc``, so it runs in either
environment.
"""

from __future__ import annotations

import gc

YOUNG = 20_000  # new objects between young collections (Python's default: 700)


def freeze_startup_objects() -> None:
    """Collect once, freeze every object alive now (later collections skip them), and collect
    young objects every ``YOUNG`` allocations instead of 700."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG, *gc.get_threshold()[1:])
