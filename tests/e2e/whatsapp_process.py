"""The WhatsApp webhook process (``python -m bot.channels.whatsapp``) between a fake Graph API on
loopback and a real stack, for the end-to-end tests; deliveries are signed like Meta signs them.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.devstack import Server, Stack, free_port, start, wait_until_up
from bot.settings import PROJECT_ROOT
from tests.channels import fake_graph
from tests.channels.fake_graph import APP_SECRET, PHONE_NUMBER_ID, TOKEN, FakeGraph, post_signed
from tests.channels.loopback import serve, wait_for


@dataclass
class WhatsApp:
    url: str
    graph: FakeGraph
    stack: Stack
    process: Server

    def post(self, payload: dict) -> None:
        response = post_signed(f"{self.url}/webhook", payload, APP_SECRET)
        assert response.status_code == 200, response.text

    def sent_to(self, wa_id: str, count: int, timeout: float = 60) -> list[fake_graph.Sent]:
        """Wait until ``count`` messages have gone to ``wa_id``; all of them."""
        wait_for(
            lambda: len(self.graph.to(wa_id)) >= count,
            timeout=timeout,
            what=f"{count} messages to {wa_id} (log: {self.process.tail()[-1500:]})",
        )
        return self.graph.to(wa_id)

    def say(self, wa_id: str, payload: dict, expect: int) -> list[fake_graph.Sent]:
        """Deliver ``payload`` and return the ``expect`` new messages it brought."""
        before = len(self.graph.to(wa_id))
        self.post(payload)
        new = self.sent_to(wa_id, before + expect)[before:]
        time.sleep(0.5)  # nothing more should come
        assert len(self.graph.to(wa_id)) == before + expect, [s.text for s in self.graph.to(wa_id)]
        return new


@contextmanager
def whatsapp_adapter(stack: Stack, work: Path, verify_token: str) -> Iterator[WhatsApp]:
    """``python -m bot.channels.whatsapp`` between a fake Graph API and ``stack``'s Rasa."""
    graph = FakeGraph()
    with serve(graph.app) as graph_url:
        port = free_port()
        env = {
            **stack.env,
            "WAZI_RASA_URL": stack.rasa_url,
            "WAZI_WHATSAPP_TOKEN": TOKEN,
            "WAZI_WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
            "WAZI_WHATSAPP_APP_SECRET": APP_SECRET.decode(),
            "WAZI_WHATSAPP_VERIFY_TOKEN": verify_token,
            "WAZI_WHATSAPP_API_URL": FakeGraph.api_url(graph_url),
            "WAZI_WHATSAPP_LISTEN": f"127.0.0.1:{port}",
        }
        process = start(
            "whatsapp",
            [sys.executable, "-m", "bot.channels.whatsapp"],
            env,
            work,
            PROJECT_ROOT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_up(process, f"{url}/health", time.monotonic() + 60)
            yield WhatsApp(url, graph, stack, process)
        finally:
            process.stop()
