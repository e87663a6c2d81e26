"""The classroom app for browser tests: `creditsim app` on a free loopback port, and tabs
that record every console error, page error and failed request."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SERVER_START_SECONDS = 120
# Click Step; resolve with the seconds until the month label changes (fail after 300 s).
STEP_LATENCY = """async () => {
    const label = document.querySelector('.month-label');
    const before = label.textContent;
    const button = Array.from(document.querySelectorAll('button'))
        .find(b => b.textContent.trim() === 'Step');
    const started = performance.now();
    const changed = new Promise(resolve => {
        const observer = new MutationObserver(() => {
            if (label.textContent !== before) { observer.disconnect(); resolve(); }
        });
        observer.observe(label, {childList: true, subtree: true, characterData: true});
    });
    button.click();
    const waited = new Promise((_, reject) => setTimeout(
        () => reject(new Error('the month did not change within 300 s')), 300000));
    await Promise.race([changed, waited]);
    return (performance.now() - started) / 1000;
}"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def app_server(log: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """Start `creditsim app`; yield its URL and process once the page answers; stop it after."""
    port = free_port()
    command = [sys.executable, "-m", "sim.cli", "app", "--port", str(port)]
    with log.open("w") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"app server did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield url, server
    finally:
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()


def record_problems(tab: Any, problems: list[str]) -> None:
    """Append every console error, page error, failed request and HTTP error of a tab."""
    tab.on(
        "console",
        lambda message: message.type == "error" and problems.append(f"console: {message.text}"),
    )
    tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    tab.on(
        "requestfailed", lambda request: problems.append(f"failed: {request.url} {request.failure}")
    )
    tab.on(
        "response",
        lambda response: (
            response.status >= 400 and problems.append(f"HTTP {response.status}: {response.url}")
        ),
    )
