"""Serve the classroom page with uvicorn: offline, quiet, and stopped cleanly by Ctrl-C.

`solara run` asks PyPI for a newer version at every start and, with pages open, takes about
20 seconds to stop on Ctrl-C and exits 1 ("Aborted."). This launcher starts the same Solara
application (`solara.server.starlette:app`) in production mode without the version check,
closes open pages after `GRACEFUL_SECONDS`, ends their Play loops (`STOPPING`) and exits 0
on Ctrl-C.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import threading
import warnings
from collections.abc import Callable

GRACEFUL_SECONDS = 2
PAGE = "sim.app.page:Page"
STOPPING = threading.Event()  # set once the server stops: every page's Play loop ends


class _ClosedPageNoise(logging.Filter):
    """Drop Solara's "Error cleaning up references from kernel, not fatal" tracebacks.

    Solara logs one when a closed page's widgets are cleaned up after its session is gone
    (ipykernel's comm asserts a session); nothing is lost, and a teacher should not read a
    traceback each time a student closes a tab.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "cleaning up references from kernel" not in record.getMessage()


def port_problem(host: str, port: int) -> str | None:
    """Why the server could not listen on host:port (in use, not an address), or None."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        return f"--host {host}: not an address of this machine ({error.strerror})"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            hint = "; is another creditsim app running? pick another --port"
            busy = error.errno == errno.EADDRINUSE
            return f"--host {host} --port {port}: cannot listen there ({error.strerror})" + (
                hint if busy else ""
            )
    return None


def serve(host: str, port: int, say: Callable[[str], None] = print) -> None:
    """Run the app server until Ctrl-C or SIGTERM; return normally when stopped."""
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    os.environ["SOLARA_APP"] = PAGE
    os.environ["SERVER_NAME"] = host
    os.environ["SERVER_PORT"] = str(port)
    # Plain http on a classroom network: Solara falls back to SameSite=Lax and says so at
    # every page load; the fallback is what we want, the warning is noise.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none")

    import uvicorn
    from solara.server import settings

    logging.getLogger("solara.server.kernel").addFilter(_ClosedPageNoise())
    settings.main.mode = "production"
    settings.ssg.enabled = False
    settings.search.enabled = False
    config = uvicorn.Config(
        "solara.server.starlette:app",
        host=host,
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
        ws_ping_interval=20,
    )
    server = uvicorn.Server(config)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        STOPPING.set()
    say("creditsim app: stopped")
