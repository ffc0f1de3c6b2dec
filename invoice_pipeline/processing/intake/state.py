"""The drop-folder scanner's memory between ticks: generation files in the store, a tiny cursor.

The per-file fingerprints (pending files with the time first seen, and files
already dealt with, so nothing is hashed twice) can be large, so they live in
the document store as generation files ``inbox-state/<inbox-key>/<generation>.json``
(:class:`StateFiles`; the last :data:`KEEP_GENERATIONS` are kept); the Dagster
cursor is a compact ``{"v", "inbox", "gen"}`` of about 60 bytes that names the
generation the last committed tick wrote. A cursor for another inbox or
version, or a generation file that is missing, starts over with an empty
:class:`ScanState`: that only costs one stability wait, because the inbox
itself holds every pending file.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from upath import UPath

log = logging.getLogger(__name__)

STATE_VERSION = 1
STATE_DIR = "inbox-state"
KEEP_GENERATIONS = 3


@dataclass
class ScanState:
    """pending: rel → [size, mtime, first_seen]; known: rel → [size, mtime, outcome, id]."""

    gen: int = 0
    pending: dict[str, list[Any]] = field(default_factory=dict)
    known: dict[str, list[Any]] = field(default_factory=dict)


def inbox_key(root: UPath) -> str:
    """A short stable name of one inbox: its state folder and the cursor's ``inbox``."""
    return hashlib.sha256(str(root).encode()).hexdigest()[:16]


class StateFiles:
    """The generation files of one inbox under ``store_root/inbox-state/<inbox-key>/``."""

    def __init__(self, store_root: UPath, inbox: UPath) -> None:
        self.inbox = inbox
        self.key = inbox_key(inbox)
        self.state_dir = store_root / STATE_DIR / self.key

    def _state_path(self, gen: int) -> UPath:
        return self.state_dir / f"{gen:010d}.json"

    def load(self, cursor: str | None) -> ScanState:
        """The state the committed cursor names; empty for no cursor or another inbox."""
        if not cursor:
            return ScanState()
        try:
            data = json.loads(cursor)
            if data.get("v") != STATE_VERSION or data.get("inbox") != self.key:
                log.warning("drop folder cursor is for another inbox or version; starting over")
                return ScanState()
            gen = int(data["gen"])
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("unreadable drop folder cursor %r; starting over", cursor[:200])
            return ScanState()
        if gen == 0:
            return ScanState()
        path = self._state_path(gen)
        try:
            payload = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            log.warning("drop folder state %s is missing or broken (%s); starting over", path, exc)
            return ScanState(gen=gen)
        return ScanState(
            gen=gen, pending=payload.get("pending", {}), known=payload.get("known", {})
        )

    def save(self, state: ScanState) -> None:
        """Write generation ``state.gen`` and remove those older than the last few."""
        path = self._state_path(state.gen)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"v": STATE_VERSION, "inbox": str(self.inbox), "gen": state.gen}
        payload |= {"pending": state.pending, "known": state.known}
        path.write_text(json.dumps(payload, separators=(",", ":")))
        for old in range(state.gen - KEEP_GENERATIONS, max(0, state.gen - 50), -1):
            stale = self._state_path(old)
            if not stale.exists():
                break
            stale.unlink()  # our own bookkeeping, superseded; never a user's file

    def cursor(self, gen: int) -> str:
        """The Dagster cursor that names generation ``gen`` of this inbox."""
        return json.dumps(
            {"v": STATE_VERSION, "inbox": self.key, "gen": gen}, separators=(",", ":")
        )
