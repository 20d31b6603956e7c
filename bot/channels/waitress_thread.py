"""A waitress server in a background thread that stops cleanly.

``server.close()`` called from another thread races waitress's event loop (which may be inside
``select()`` on the sockets being closed) and its worker threads (one finishing a request
writes to the loop's trigger pipe): both end in "Bad file descriptor". ``stop`` lets the
workers finish first, then closes every socket in the loop's own thread, after which the loop
returns and the thread ends.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from waitress import create_server


class ThreadedServer:
    """``app`` served by waitress on ``host``:``port`` (0: a free port, see ``port``)."""

    def __init__(
        self, app: Callable[..., Any], host: str, port: int, threads: int = 4, name: str = "http"
    ) -> None:
        self.server: Any = create_server(app, host=host, port=port, threads=threads)
        self.port: int = self.server.socket.getsockname()[1]
        self.thread = threading.Thread(target=self.server.run, name=name, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        server = self.server
        server.task_dispatcher.shutdown(timeout=timeout)

        def close_all() -> None:
            for dispatcher in list(server._map.values()):
                if dispatcher is not server and dispatcher is not server.trigger:
                    dispatcher.close()
            server.close()  # the listening socket and the trigger: the loop then ends

        server.trigger.pull_trigger(close_all)
        self.thread.join(timeout)
