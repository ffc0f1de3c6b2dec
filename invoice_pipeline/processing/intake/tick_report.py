"""What one drop-folder tick saw and did: new documents, duplicates, quarantines, counts.

:class:`TickReport` is what :meth:`InboxScanner.tick
<invoice_pipeline.processing.intake.scanner.InboxScanner.tick>` returns: the
files it registered (:class:`NewDocument`, for the sensor to add partitions and
request runs), recorded as duplicates (:class:`Duplicate`) or quarantined
(:class:`Quarantined`), the counts of what it left for later, the lines for the
tick log and the cursor to commit. :data:`Outcome` is what dealing with one
file comes to, and :func:`stamp` the time format every record uses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

Outcome = tuple[str, str]
"""("taken" | "held" | "moved", document or quarantine id) for one stable file."""


def stamp(now: float) -> str:
    """``now`` (seconds since the epoch) as an ISO 8601 UTC time."""
    return dt.datetime.fromtimestamp(now, dt.UTC).isoformat()


@dataclass
class NewDocument:
    """A stable file registered as a document; the sensor adds its partition and run."""

    document_id: str
    source_file: str
    relative_path: str
    subfolder: str | None
    sha256: str
    size_bytes: int
    recovered: bool = False
    """Taken by an earlier tick whose cursor was never committed: requested again."""


@dataclass
class Duplicate:
    """A file whose content is already a document: recorded, moved, never processed."""

    source_file: str
    relative_path: str
    sha256: str
    duplicate_of: str
    original_source_file: str
    detected_at: str
    moved_to: str | None


@dataclass
class Quarantined:
    """A file that is not a supported document, or cannot be read, with the reason why."""

    source_file: str
    relative_path: str
    quarantine_id: str
    reason: str
    message: str
    location: str
    kept_in_inbox: bool


@dataclass
class TickReport:
    """What one tick saw and did, and the cursor to store for the next tick."""

    cursor: str
    new_documents: list[NewDocument] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    listed: int = 0
    ignored: int = 0
    unstable: int = 0
    """Files seen but not yet stable (still being written, or seen for the first time)."""
    waiting: int = 0
    """Stable files left for a later tick by the per-tick cap or time budget."""
    known: int = 0
    """Files in the inbox already dealt with (taken and waiting for their run to archive them)."""
    errors: list[tuple[str, str]] = field(default_factory=list)
    """(relative path, error) for files that failed unexpectedly; they are retried next tick."""
    seconds: float = 0.0
    state_written: bool = False

    @property
    def pending(self) -> int:
        return self.unstable + self.waiting

    def summary(self) -> str:
        return (
            f"{self.listed} files listed in {self.seconds:.2f}s: {len(self.new_documents)} new, "
            f"{len(self.duplicates)} duplicate, {len(self.quarantined)} quarantined, "
            f"{self.unstable} not yet stable, {self.waiting} waiting for the next tick, "
            f"{self.known} already taken, {self.ignored} ignored"
        )

    def lines(self) -> Iterator[tuple[str, str]]:
        """(level, message) for the tick log: one line per document, duplicate, quarantine."""
        for doc in self.new_documents:
            again = " (requested again after an interrupted tick)" if doc.recovered else ""
            yield "info", f"new document {doc.document_id} from {doc.relative_path}{again}"
        for dup in self.duplicates:
            yield (
                "info",
                f"duplicate: {dup.relative_path} has the same content as document "
                f"{dup.duplicate_of} ({dup.original_source_file}); not processed again, "
                f"moved to {dup.moved_to or 'nowhere (left in the inbox)'}",
            )
        for q in self.quarantined:
            where = "left in the inbox" if q.kept_in_inbox else "moved to the quarantine"
            yield (
                "warning",
                f"quarantined {q.relative_path}: {q.reason}: {q.message} ({where}; reason in "
                f"{q.location})",
            )
        for rel, error in self.errors:
            yield "warning", f"could not take {rel} ({error}); it is tried again next tick"
        yield "info", self.summary()
