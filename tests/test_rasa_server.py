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
