"""Drop-folder files that are not documents: quarantined with a reason, or held in place.

:func:`quarantine_unsupported` copies an empty or unsupported file with
``reason.json`` into the store's quarantine area and removes it from the inbox
only after the copy is written and checked. :func:`hold` is for a file that
cannot be copied safely (unreadable, not a regular file, over the size limit):
it writes a ``reason.json`` into the quarantine and leaves the file where it is
(an unreadable local file is renamed into the quarantine when it can be, since
a rename needs no read permission). Both add a ``Quarantined`` entry to the
tick's report.
"""

from __future__ import annotations

import hashlib
import json
import os

from upath import UPath

from invoice_pipeline.processing.intake.listing import is_local
from invoice_pipeline.processing.intake.store import DocumentStore, slugify
from invoice_pipeline.processing.intake.tick_report import (
    Outcome,
    Quarantined,
    TickReport,
    stamp,
)


def quarantine_unsupported(
    store: DocumentStore,
    report: TickReport,
    path: UPath,
    rel: str,
    sha: str,
    document_id: str,
    reason: str,
    what: str,
    media_type: str | None,
    now: float,
) -> Outcome | None:
    """Move an empty or unsupported file into the quarantine; None if it changed meanwhile."""
    message = (
        "the file is empty"
        if reason == "empty_file"
        else f"not a supported document ({what}); supported are PDF, PNG, JPEG, TIFF, "
        "WebP, BMP and XML e-invoices"
    )
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return hold(store, report, path, rel, "unreadable_file", str(exc), now)
    if hashlib.sha256(data).hexdigest() != sha:
        return None  # changed since it was hashed: wait for it to settle again
    target = store.quarantine(
        document_id,
        path.name,
        data,
        {
            "reason": reason,
            "message": message,
            "source_file": str(path),
            "relative_path": rel,
            "media_type": media_type,
            "stage": "inbox",
            "kept_in_inbox": False,
        },
    )
    moved = target.exists() and target.stat().st_size == len(data)
    if moved:
        path.unlink()
    report.quarantined.append(
        Quarantined(
            str(path),
            rel,
            document_id,
            reason,
            message,
            str(store.quarantine_dir(document_id) / "reason.json"),
            not moved,
        )
    )
    return ("moved" if moved else "held"), document_id


def hold(
    store: DocumentStore,
    report: TickReport,
    path: UPath,
    rel: str,
    reason: str,
    message: str,
    now: float,
    try_move: bool = False,
) -> Outcome:
    """A file that cannot be copied safely: a reason in the quarantine, the file kept."""
    quarantine_id = (
        f"{slugify(path.name)}-{reason.replace('_', '-')}-"
        f"{hashlib.sha256(str(path).encode()).hexdigest()[:8]}"
    )
    folder = store.quarantine_dir(quarantine_id)
    folder.mkdir(parents=True, exist_ok=True)
    moved = False
    if try_move and is_local(path) and is_local(folder):
        try:  # a rename needs no read permission on the file itself
            os.rename(path.path, (folder / path.name).path)
            moved = True
        except OSError:
            moved = False
    payload = {
        "document_id": quarantine_id,
        "file_name": path.name,
        "sha256": None,
        "quarantined_at": stamp(now),
        "reason": reason,
        "message": message,
        "source_file": str(path),
        "relative_path": rel,
        "stage": "inbox",
        "kept_in_inbox": not moved,
    }
    (folder / "reason.json").write_text(json.dumps(payload, indent=1))
    report.quarantined.append(
        Quarantined(
            str(path),
            rel,
            quarantine_id,
            reason,
            message,
            str(folder / "reason.json"),
            not moved,
        )
    )
    return ("moved" if moved else "held"), quarantine_id
