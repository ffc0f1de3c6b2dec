"""Duplicates in the drop folder: content already taken, under any name, is recorded and moved.

:func:`move_duplicate` deals with a stable file whose content is already a
document: it makes sure the document's bytes are archived (the first file may
be this one renamed), moves the file to ``processed/duplicates/`` of the store
(copy, check, then remove) and records it with :func:`record_duplicate`, in the
store's ``duplicates/`` ledger (read back by :func:`duplicates`) and, when
given, in the results database. A duplicate is never processed again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict
from typing import Any

from upath import UPath

from invoice_pipeline.processing.intake.store import DocumentStore
from invoice_pipeline.processing.intake.tick_report import Duplicate, Outcome, TickReport, stamp

_CHUNK = 1024 * 1024


def move_duplicate(
    store: DocumentStore,
    results: Any,
    report: TickReport,
    path: UPath,
    rel: str,
    sha: str,
    seen: dict[str, Any],
    now: float,
) -> Outcome | None:
    """Archive if need be, move to ``processed/duplicates/``, record; None if the file changed.

    ``seen`` is the content index record of the document this file duplicates.
    """
    if not store.has_archive(sha):
        # The document's own run has not archived its bytes yet, and its file may be
        # this one renamed: archive these identical bytes so the document never loses
        # its content, whatever happens to the file it was first taken from.
        try:
            store.archive(path.read_bytes(), sha256=sha)
        except ValueError:
            return None  # changed since it was hashed
        except FileNotFoundError:
            return None
    subfolder = "duplicates" + (f"/{rel.rsplit('/', 1)[0]}" if "/" in rel else "")
    target = store.processed_path(path.name, subfolder)
    if target.exists():
        target = target.with_name(f"{sha[:12]}-{int(now * 1000)}-{target.name}")
    try:
        moved = copy_then_remove(path, target)
    except FileNotFoundError:
        return None
    dup = Duplicate(
        source_file=str(path),
        relative_path=rel,
        sha256=sha,
        duplicate_of=seen["document_id"],
        original_source_file=str(seen.get("source_file", "")),
        detected_at=stamp(now),
        moved_to=str(target) if moved else None,
    )
    report.duplicates.append(dup)
    record_duplicate(store, dup, results)
    return ("moved" if moved else "held"), seen["document_id"]


def copy_then_remove(source: UPath, target: UPath) -> bool:
    """Copy ``source`` to ``target``, check the copy, then remove ``source``. True if moved."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    with source.open("rb") as src, partial.open("wb") as dst:
        while chunk := src.read(_CHUNK):
            dst.write(chunk)
    if partial.stat().st_size != source.stat().st_size:
        partial.unlink()
        return False
    partial.rename(target)
    source.unlink()
    return True


def record_duplicate(store: DocumentStore, duplicate: Duplicate, results: Any = None) -> None:
    """Keep a duplicate in the store's ``duplicates/`` ledger and the results database."""
    when = duplicate.detected_at.replace(":", "").replace("-", "").replace("+0000", "Z")
    where = hashlib.sha256(duplicate.source_file.encode()).hexdigest()[:6]
    path = store.root / "duplicates" / f"{when}-{duplicate.sha256[:12]}-{where}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(duplicate), indent=1))
    if results is not None:
        results.record_duplicate(
            duplicate.sha256,
            duplicate.duplicate_of,
            duplicate.source_file,
            dt.datetime.fromisoformat(duplicate.detected_at),
        )


def duplicates(store: DocumentStore) -> list[dict[str, Any]]:
    """Every duplicate the drop folder recorded in the store, oldest first."""
    base = store.root / "duplicates"
    if not base.exists():
        return []
    return [json.loads(p.read_text()) for p in sorted(base.iterdir()) if p.name.endswith(".json")]
