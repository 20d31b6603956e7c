"""bot/rasa_server.py: Rasa's schema checks give the same verdicts, without the repeated work.

It runs in Rasa's environment (which has jsonschema 4.17 and Rasa), so the checks run there.
"""

from __future__ import annotations

import textwrap

from tests.rasa_env import run_in_rasa

CHECKS = textwrap.dedent(
    """
    import jsonschema
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import SlotSet
    from bot import rasa_server

    rasa_server.install()
    action = RemoteAction("action_x", None)
    good = {"events": [SlotSet("verified", True).as_dict()], "responses": [{"text": "hi"}]}
    bad = {"events": [{"event": "slot"}], "responses": "not a list"}
    for _ in range(3):
        assert action._validate_action_result(good)
    for _ in range(2):
        try:
            rasa_server.validate(bad, action.action_response_format_spec())
        except jsonschema.ValidationError as ours:
            mine = ours.message
        try:
            rasa_server._validate_every_time(bad, action.action_response_format_spec())
        except jsonschema.ValidationError as theirs:
            original = theirs.message
        assert mine == original, (mine, original)
    info = rasa_server._validator.cache_info()
    assert (info.misses, info.hits) == (1, 4), info
    print("ok")
    """
)


def test_same_verdicts_as_jsonschema_and_one_validator_per_schema() -> None:
    assert run_in_rasa(CHECKS).strip().endswith("ok")


QUIET = textwrap.dedent(
    """
    import io, logging, warnings
    from contextlib import redirect_stderr
    from bot import rasa_server
    from rasa.shared.utils.io import raise_warning
    from rasa.utils.common import configure_logging_and_warnings

    rasa_server.keep_messages_out_of_warnings()
    rasa_server.keep_messages_out_of_warnings()  # once is enough: no second entry
    configure_logging_and_warnings(logging.INFO)  # as `rasa run` does at start
    out = io.StringIO()
    with redirect_stderr(out):
        raise_warning("Failed to parse arguments in line '/ask{\\"phone\\": \\"+254712000001\\"}'.")
        raise_warning("Another warning stays visible.")
    assert "+254712000001" not in out.getvalue(), out.getvalue()
    assert "Another warning stays visible." in out.getvalue(), out.getvalue()
    print("ok")
    """
)


def test_a_clients_message_never_reaches_rasas_warnings() -> None:
    assert run_in_rasa(QUIET).strip().endswith("ok")


TOKEN_CHECKS = textwrap.dedent(
    """
    from bot.rasa_server import with_token

    run = ["run", "--model", "m.tar.gz", "--enable-api"]
    token = "t" * 40
    assert with_token(run, {"WAZI_RASA_TOKEN": token}) == [*run, "--auth-token", token]
    given = [*run, "--auth-token", "given"]
    assert with_token(given, {"WAZI_RASA_TOKEN": token}) == given  # rasa's own flag still works
    assert with_token(["run"], {"WAZI_RASA_TOKEN": token}) == ["run"]  # no API, no token
    for environment in ({}, {"WAZI_RASA_TOKEN": ""}):
        try:
            with_token(run, environment)
        except SystemExit as refused:
            print(refused)
        else:
            raise AssertionError("an API without a token started")
    """
)


def test_the_api_token_comes_from_the_environment_not_the_command_line() -> None:
    output = run_in_rasa(TOKEN_CHECKS)
    refusals = output.strip().splitlines()[-2:]
    assert refusals == ["bot.rasa_server: --enable-api needs WAZI_RASA_TOKEN set"] * 2


FREEZE_CHECKS = textwrap.dedent(
    """
    import asyncio, gc, types
    from rasa.core import run
    from rasa.core.utils import AvailableEndpoints
    from bot import rasa_server

    rasa_server.freeze_after_loading()
    loading = run.load_agent_on_start
    rasa_server.freeze_after_loading()  # once only: not wrapped twice
    assert run.load_agent_on_start is loading
    assert gc.get_freeze_count() == 0 and gc.get_threshold()[0] == 700
    app = types.SimpleNamespace(ctx=types.SimpleNamespace())
    agent = asyncio.run(run.load_agent_on_start(None, AvailableEndpoints(), None, app, None))
    assert app.ctx.agent is agent  # Rasa's loading ran
    # Rasa's modules and what loading made are out of the collector's reach now
    assert gc.get_freeze_count() > 100_000, gc.get_freeze_count()
    assert gc.get_threshold()[0] == rasa_server.YOUNG, gc.get_threshold()
    print("ok")
    """
)


def test_what_loading_made_is_frozen_for_the_garbage_collector() -> None:
    assert run_in_rasa(FREEZE_CHECKS).strip().endswith("ok")
