"""rasa-sdk's action server, with the garbage collector kept off what lives as long as it.

``.venv/bin/python -m bot.action_server --actions actions --port ...`` takes rasa-sdk's own
arguments (``python -m rasa_sdk``). The one difference: once a worker has started (Wazi's
actions, SQLAlchemy's mappers, Babel's catalogs and the lesson texts loaded), it collects once,
freezes what is left (``gc.freeze``) so later collections skip those objects, and waits for
``YOUNG`` new objects instead of 700 before a young collection. Measured with ``gc.callbacks``
timings under ``bench/load.py``: before, the collector took about a tenth of a worker's CPU,
and each full collection walked every object (about 200 ms, in which the worker answers nobody);
after, two young collections (41 ms) in 40 s of load.

The command line is this package's ``__main__``: Python's multiprocessing, which starts Sanic's
processes, imports a ``-m`` module again in each of them unless its name ends in ``__main__``
(as a plain module, this one cost Sanic's manager process about 40 MiB of imports it never
uses).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import endpoint
from sanic import Sanic

from bot.long_lived import YOUNG as YOUNG  # the threshold, named where it is used
from bot.long_lived import freeze_startup_objects

_create_app_for_serve = endpoint.create_app_for_serve


async def freeze_heap(app: Sanic, loop: Any) -> None:
    """Sanic listener: ``freeze_startup_objects`` once the worker has started."""
    freeze_startup_objects()


def create_app_for_serve(*args: Any, **kwargs: Any) -> Sanic:
    """rasa-sdk's app factory (run in each worker), with ``freeze_heap`` after start. Defined
    at module level: Sanic pickles the factory to hand it to its workers."""
    app = _create_app_for_serve(*args, **kwargs)
    app.register_listener(freeze_heap, "after_server_start")
    return app
