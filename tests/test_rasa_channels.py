"""bot/rasa_channels.py: which failures count as an outage, and the wrapping is done once.

It runs in Rasa's environment (aiohttp and Rasa are there), so the checks run there; the
end-to-end test ``tests/e2e/test_relay_channel.py`` shows the 503 with the real servers.
"""

from __future__ import annotations

import textwrap

from bot import channel_identity
from tests.rasa_env import run_in_rasa

CHECKS = textwrap.dedent(
    """
    import aiohttp
    from aiohttp.client_reqrep import RequestInfo
    from multidict import CIMultiDict, CIMultiDictProxy
    from yarl import URL
    from rasa.core.actions.action import RemoteAction
    from rasa.core.processor import MessageProcessor
    from rasa.shared.exceptions import RasaException
    from bot import rasa_channels

    def response_error(status):
        info = RequestInfo(URL("http://x"), "POST", CIMultiDictProxy(CIMultiDict()))
        return aiohttp.ClientResponseError(info, (), status=status)

    def raised_during(inner):
        try:
            try:
                raise inner
            except Exception:
                raise RasaException("Failed to execute custom action 'x'")
        except RasaException as outer:
            return outer

    refused = aiohttp.ClientConnectionError("connection refused")
    assert rasa_channels.is_outage(refused)
    assert rasa_channels.is_outage(raised_during(refused))  # how RemoteAction raises it
    for status in (502, 503, 504):
        assert rasa_channels.is_outage(raised_during(response_error(status))), status
    assert not rasa_channels.is_outage(raised_during(response_error(500)))  # a bug, not down
    assert not rasa_channels.is_outage(ValueError("bad"))
    assert not rasa_channels.is_outage(RasaException("no cause"))

    rasa_channels.install()
    once = (RemoteAction.run, MessageProcessor.save_tracker)
    rasa_channels.install()
    assert (RemoteAction.run, MessageProcessor.save_tracker) == once
    assert RemoteAction.run.__wazi_relay__
    print("ok")
    """
)


def test_outages_are_told_apart_from_bugs_and_install_is_idempotent() -> None:
    assert run_in_rasa(CHECKS).strip().endswith("ok")


RELAY_CHECKS = textwrap.dedent(
    """
    import os, sys
    from bot import rasa_channels
    body, signature = sys.argv[1].encode(), sys.argv[2]
    assert not rasa_channels.signed_by_relay(body, signature)  # no secret: nobody
    os.environ["WAZI_CHANNEL_SECRET"] = sys.argv[3]
    assert rasa_channels.signed_by_relay(body, signature)
    assert not rasa_channels.signed_by_relay(body + b" ", signature)
    assert not rasa_channels.signed_by_relay(body, None)
    assert not rasa_channels.signed_by_relay(body, "sha256=" + "0" * 64)
    assert rasa_channels.RELAY_HEADER == sys.argv[4]
    print("ok")
    """
)


def test_rasa_checks_the_relays_signature_as_the_relay_makes_it() -> None:
    secret = "a-channel-secret-of-at-least-32-characters"
    body = '{"sender": "whatsapp:3f0c", "message": "salio"}'
    signature = channel_identity.relay_signature(body.encode(), secret.encode())
    args = [body, signature, secret, channel_identity.RELAY_HEADER]
    assert run_in_rasa(RELAY_CHECKS, *args).strip().endswith("ok")
