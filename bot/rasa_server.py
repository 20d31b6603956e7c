"""Rasa's command line with two speed fixes that Rasa 3.6 needs when it serves Wazi.

After every custom action and every response from the NLG endpoint, Rasa 3.6 checks the answer
with ``jsonschema.validate(instance, schema)``. With jsonschema 4.17 (the newest Rasa 3.6
allows) each call first validates the schema itself against the JSON Schema meta-schema and
builds a new validator: profiled with py-spy on the 2-core VM, about 12 of the 14 ms a custom
action turn cost Rasa. Here the validator for a schema is built, and the schema checked, once
per distinct schema, then reused: the same instances pass, the same errors are raised.

Once the model is loaded, the objects it made (about half a million: TensorFlow's, scikit-learn's,
the domain's) are moved out of the garbage collector's reach (``gc.freeze``), and the collector
waits for ``YOUNG`` new objects instead of 700 before a young collection. Measured with
``gc.callbacks`` timings under ``bench/load.py``: before, each full collection walked all those
objects (about 300 ms, in which the replica answers nobody); with the freeze alone the collector
still took 4.7% of a replica's CPU in 40 s of load (young collections, about 1 ms each, mostly
walking a turn's live temporaries); with both, 0.8%. Freezing has one cost: a frozen object
that becomes garbage is never freed, so a model replaced in a running server (Rasa's
``PUT /model``, which Wazi does not use) would stay in memory. It also keeps clients' messages
out of one of Rasa's warnings (``keep_messages_out_of_warnings``).

It runs in Rasa's environment and takes ``rasa``'s arguments:
``.venv-rasa/bin/python -m bot.rasa_server run --model ...`` (``make run``, the end-to-end tests
and ``bench/turns.py`` serve Rasa this way), with one difference: with ``--enable-api`` and no
``--auth-token``, the token is read from ``WAZI_RASA_TOKEN`` in the environment (and the server
refuses to start without it), so it never appears on the command line, which every user of the
machine can read (``ps``, ``/proc/<pid>/cmdline``). It imports nothing else from Wazi but
``bot/long_lived.py`` (``gc`` only).
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Mapping
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for

from bot.long_lived import YOUNG as YOUNG  # the threshold, named where it is used
from bot.long_lived import freeze_startup_objects

_validate_every_time = jsonschema.validate


@functools.lru_cache(maxsize=32)
def _validator(schema_text: str) -> Any:
    schema = json.loads(schema_text)
    cls = validator_for(schema)
    cls.check_schema(schema)  # as jsonschema.validate does, once per schema
    return cls(schema)


def validate(instance: Any, schema: Any, cls: Any = None, *args: Any, **kwargs: Any) -> None:
    """``jsonschema.validate`` with the validator of each distinct schema built once."""
    if cls is not None or args or kwargs:
        _validate_every_time(instance, schema, cls, *args, **kwargs)
        return
    error = best_match(_validator(json.dumps(schema, sort_keys=True)).iter_errors(instance))
    if error is not None:
        raise error


def install() -> None:
    """Make ``jsonschema.validate`` the cached one (Rasa imports it at each call)."""
    jsonschema.validate = validate


def keep_messages_out_of_warnings() -> None:
    """Rasa warns about a ``/intent{...}`` message whose entities it cannot parse by printing
    the message itself: a client's words (a phone number, a birth date) would reach the log.
    That warning joins the ones Rasa itself silences when it sets up its warning filters (below
    debug level); the message is still handled as Rasa handles it."""
    from rasa.utils import common

    quiet = (UserWarning, "Failed to parse arguments in line")
    if quiet not in common.EXPECTED_WARNINGS:
        common.EXPECTED_WARNINGS.append(quiet)


def freeze_after_loading() -> None:
    """Wrap Rasa's model loading at server start: after it, collect once, then freeze what is
    left (the model, the domain, Rasa's own modules) so later collections skip it."""
    from rasa.core import run

    load = run.load_agent_on_start
    if getattr(load, "__wazi_freezes__", False):
        return

    @functools.wraps(load)
    async def loading_then_freezing(*args: Any, **kwargs: Any) -> Any:
        loaded = await load(*args, **kwargs)
        freeze_startup_objects()
        return loaded

    loading_then_freezing.__wazi_freezes__ = True  # type: ignore[attr-defined]
    run.load_agent_on_start = loading_then_freezing


TOKEN_VARIABLE = "WAZI_RASA_TOKEN"


def with_token(argv: list[str], environ: Mapping[str, str]) -> list[str]:
    """``argv`` with ``--auth-token`` from the environment when the HTTP API is on without one
    given; SystemExit with one line when the environment has none either (an API without a
    token would let anyone read and write every conversation)."""
    if "--enable-api" not in argv or "--auth-token" in argv:
        return argv
    token = environ.get(TOKEN_VARIABLE, "")
    if not token:
        raise SystemExit(f"bot.rasa_server: --enable-api needs {TOKEN_VARIABLE} set")
    return [*argv, "--auth-token", token]


def main() -> None:
    install()
    keep_messages_out_of_warnings()
    freeze_after_loading()
    from rasa.__main__ import main as rasa_main

    # Changing sys.argv changes what Rasa parses, not the process's command line.
    sys.argv = ["rasa", *with_token(sys.argv[1:], os.environ)]
    rasa_main()


if __name__ == "__main__":
    main()
