"""bot/rasa_channels.py: which failures count as an outage, and the wrapping is done once.

It runs in Rasa's environment (aiohttp and Rasa are there), so the checks run there; the
end-to-end test ``tests/e2e/test_relay_channel.py`` shows the 503 with the real servers.
"""

from __future__ import annotations

import textwrap

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
