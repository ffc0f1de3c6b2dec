"""The drop folder's content index: which file each content (sha256) was first taken from.

One small JSON record per content, ``inbox-state/content/<sha[:2]>/<sha>.json``
in the document store, shared by every inbox: the document id, source file,
inbox key, relative path and fingerprint of the file that content was first
taken from. The scanner looks a stable file's content up here to tell a new
document from a duplicate, and from the same file taken again by a tick whose
cursor was never committed.
"""

from __future__ import annotations

import json
from typing import Any

from upath import UPath

from invoice_pipeline.processing.intake.state import STATE_DIR


class ContentIndex:
    """The content records under ``store_root/inbox-state/content/``."""

    def __init__(self, store_root: UPath) -> None:
        self.content_dir = store_root / STATE_DIR / "content"

    def _content_path(self, sha: str) -> UPath:
        return self.content_dir / sha[:2] / f"{sha}.json"

    def get(self, sha: str) -> dict[str, Any] | None:
        """The record of content ``sha``, or None if it was never taken (or is unreadable)."""
        path = self._content_path(sha)
        try:
            return json.loads(path.read_text())
        except FileNotFoundError:
            return None
        except ValueError:
            return None

    def put(self, sha: str, record: dict[str, Any]) -> None:
        """Write (or overwrite) the record of content ``sha``."""
        path = self._content_path(sha)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(record, default=str))
