"""One writer per results directory: a lock file that names its holder.

Two sweeps writing one results directory at once would each redo the other's runs. The lock
is created exclusively (O_EXCL); a second sweep is refused with the first one's process,
host and start time. A lock whose process is gone (same host) is stale and taken over.
"""

from __future__ import annotations

import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path

from sim.errors import ScenarioError
from sim.runs import layout


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def acquire_lock(directory: Path) -> Path:
    """Take `directory`'s lock or raise ScenarioError naming who holds it; returns its path."""
    path = Path(directory) / layout.LOCK
    holder = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    for _ in range(2):
        try:
            descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                other = json.loads(path.read_text())
            except (OSError, ValueError):
                other = {}
            stale = other.get("host") == holder["host"] and not _alive(int(other.get("pid", 0)))
            if not stale:
                raise ScenarioError(
                    f"{directory}: another sweep is writing here (process "
                    f"{other.get('pid', '?')} on {other.get('host', '?')}, started "
                    f"{other.get('started', '?')}); wait for it to finish, or delete {path} if "
                    "it is no longer running"
                ) from None
            path.unlink(missing_ok=True)  # its process is gone: take the lock over
            continue
        with os.fdopen(descriptor, "w") as handle:
            json.dump(holder, handle)
        return path
    raise ScenarioError(f"{directory}: could not take the lock {path}")
