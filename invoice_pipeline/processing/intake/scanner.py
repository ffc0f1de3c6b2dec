"""The drop folder, scanned tick by tick: stable files become documents, exactly once.

:class:`InboxScanner` is the plain-Python work of ``drop_folder_sensor``. Each
:meth:`~InboxScanner.tick` lists the inbox recursively (:mod:`.listing`: a
local folder or any fsspec URL such as ``s3://bucket/inbox``), skips ignored
names silently (:mod:`.ignore`), and tracks every other file by its
fingerprint (size, modification time). A file is *stable* once a later tick
sees the same fingerprint at least ``InboxSettings.stable_seconds`` after it
was first seen with it; only stable files are read, at most
``max_per_tick`` of them (and no more than ``time_budget_seconds`` of reading)
per tick, oldest first; the rest wait for the next tick. A stable file is read
once (:mod:`.reading`: hashed, typed by the magic bytes of its head). Then it is
either **new** (registered in the document store, its content recorded in the
content index of :mod:`.content_index`, returned for the sensor to add its
partition and request its run; ``raw`` later archives it and moves the
original to ``processed/``), a **duplicate** (same content seen before under
any name: :mod:`.duplicates`), or **quarantined** (unsupported, unreadable,
non-regular or oversized: :mod:`.quarantine`). What the scanner remembers
between ticks lives in the store as generation files named by a tiny Dagster
cursor (:mod:`.state`). A tick whose cursor was never committed (a crash) is
replayed from the previous generation: files it took are found again in the
content index as the same file (same path and fingerprint) and re-requested,
which Dagster's run_key de-duplicates. Nothing here imports dagster.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from upath import UPath

from invoice_pipeline.processing.intake.content_index import ContentIndex
from invoice_pipeline.processing.intake.duplicates import move_duplicate
from invoice_pipeline.processing.intake.ignore import is_ignored
from invoice_pipeline.processing.intake.inbox_settings import InboxSettings
from invoice_pipeline.processing.intake.listing import (
    Listing,
    Mtime,
    list_folder,
    storage_prefix,
)
from invoice_pipeline.processing.intake.quarantine import hold, quarantine_unsupported
from invoice_pipeline.processing.intake.reading import hash_with_head, sniff_head
from invoice_pipeline.processing.intake.state import ScanState, StateFiles
from invoice_pipeline.processing.intake.store import DocumentStore, document_id_for
from invoice_pipeline.processing.intake.tick_report import NewDocument, Outcome, TickReport, stamp

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Stable:
    """A stable file of this tick's listing: where it is and the fingerprint it was taken with."""

    rel: str
    path: UPath
    size: int
    mtime: Mtime

    @property
    def url(self) -> str:
        return str(self.path)

    @property
    def subfolder(self) -> str | None:
        return self.rel.split("/", 1)[0] if "/" in self.rel else None


class InboxScanner:
    """One drop folder and the document store its files go to.

    ``results`` (a :class:`~invoice_pipeline.processing.results.store.ResultsStore`)
    receives every duplicate in its ``duplicates`` table when given; the store's
    ``duplicates/`` folder always gets a JSON record too.
    """

    def __init__(self, settings: InboxSettings, store: DocumentStore, results: Any = None) -> None:
        self.settings = settings
        self.store = store
        self.results = results
        self.root = UPath(settings.inbox)
        self.state = StateFiles(store.root, self.root)
        self.key = self.state.key
        self.content = ContentIndex(store.root)
        self.storage_prefix = storage_prefix(self.root, store.root)

    # -------------------------------------------------------------------- tick
    def tick(self, cursor: str | None, now: float | None = None) -> TickReport:
        """Look at the inbox once; register, record or quarantine what is stable."""
        started = time.perf_counter()
        now = time.time() if now is None else now
        state = self.state.load(cursor)
        listing = list_folder(self.root, self.storage_prefix)
        report = TickReport(cursor=self.state.cursor(state.gen), listed=len(listing))
        pending, known, candidates = self._sort_out(listing, state, now, report)
        taken = self._take_stable(candidates, listing, pending, known, now, started, report)
        report.waiting = len(candidates) - taken
        report.unstable = len(pending) - report.waiting
        report.known = len(known)
        self._commit(state, pending, known, report)
        report.seconds = time.perf_counter() - started
        return report

    def _sort_out(
        self, listing: Listing, state: ScanState, now: float, report: TickReport
    ) -> tuple[dict[str, list[Any]], dict[str, list[Any]], list[tuple[float, str]]]:
        """(pending, known, stable candidates oldest first) of the listing; counts ignored files."""
        pending: dict[str, list[Any]] = {}
        known: dict[str, list[Any]] = {}
        candidates: list[tuple[float, str]] = []
        extra = self.settings.ignore_patterns
        for rel, (size, mtime, _regular) in listing.items():
            if is_ignored(rel, extra):
                report.ignored += 1
                continue
            seen = state.known.get(rel)
            if seen is not None and seen[0] == size and seen[1] == mtime:
                known[rel] = seen
                continue
            before = state.pending.get(rel)
            if before is not None and before[0] == size and before[1] == mtime:
                pending[rel] = before
                if now - before[2] >= self.settings.stable_seconds:
                    candidates.append((before[2], rel))
            else:
                pending[rel] = [size, mtime, now]
        candidates.sort()
        return pending, known, candidates

    def _take_stable(
        self,
        candidates: list[tuple[float, str]],
        listing: Listing,
        pending: dict[str, list[Any]],
        known: dict[str, list[Any]],
        now: float,
        started: float,
        report: TickReport,
    ) -> int:
        """Take candidates within the per-tick cap and time budget; how many were tried."""
        taken = 0
        for _first_seen, rel in candidates:
            elapsed = time.perf_counter() - started
            if taken >= self.settings.max_per_tick or elapsed > self.settings.time_budget_seconds:
                break
            taken += 1
            size, mtime, regular = listing[rel]
            try:
                outcome = self._take(rel, size, mtime, regular, now, report)
            except Exception as exc:  # one bad file never stops the others; retried next tick
                log.exception("drop folder: %s failed", rel)
                report.errors.append((rel, f"{type(exc).__name__}: {exc}"))
                continue
            if outcome is None:  # changed while it was read: wait for it to settle again
                pending[rel] = [-1, None, now]
                continue
            del pending[rel]
            if outcome[0] != "moved":
                known[rel] = [size, mtime, *outcome]
        return taken

    def _commit(
        self,
        state: ScanState,
        pending: dict[str, list[Any]],
        known: dict[str, list[Any]],
        report: TickReport,
    ) -> None:
        """Write a new generation if anything changed; the cursor that names it."""
        if pending != state.pending or known != state.known:
            state = ScanState(gen=state.gen + 1, pending=pending, known=known)
            self.state.save(state)
            report.state_written = True
        report.cursor = self.state.cursor(state.gen)

    # ------------------------------------------------------------ one file
    def _take(
        self,
        rel: str,
        size: int,
        mtime: Mtime,
        regular: bool,
        now: float,
        report: TickReport,
    ) -> Outcome | None:
        """Deal with one stable file: ("taken"|"held"|"moved", id), or None if it changed."""
        file = _Stable(rel, self.root / rel, size, mtime)
        if not regular:
            return hold(
                self.store,
                report,
                file.path,
                rel,
                "not_a_regular_file",
                "a link, pipe or device, not a file; it is left where it is",
                now,
            )
        if size > self.settings.max_file_bytes:
            return hold(
                self.store,
                report,
                file.path,
                rel,
                "file_too_large",
                f"{size:,} bytes, over the limit of {self.settings.max_file_bytes:,} "
                "(INVOICE_MAX_FILE_BYTES); the file is left where it is",
                now,
            )
        return self._read(file, now, report)

    def _read(self, file: _Stable, now: float, report: TickReport) -> Outcome | None:
        """Hash and type a file within the limits; quarantine what is not a document."""
        try:
            sha, head, read = hash_with_head(file.path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            return hold(
                self.store,
                report,
                file.path,
                file.rel,
                "unreadable_file",
                f"the file cannot be read: {exc.strerror or exc}",
                now,
                try_move=True,
            )
        if read != file.size:
            return None
        typed = sniff_head(file.path, head, file.size)
        if typed is None:
            return None
        media_type, kind = typed
        document_id = document_id_for(file.rel.rsplit("/", 1)[-1], sha)
        if kind == "unsupported":
            what = media_type or ("unknown content" if file.size else "an empty file")
            reason = "empty_file" if file.size == 0 else "unsupported_type"
            return quarantine_unsupported(
                self.store,
                report,
                file.path,
                file.rel,
                sha,
                document_id,
                reason,
                what,
                media_type,
                now,
            )
        return self._register(file, sha, document_id, now, report)

    def _register(
        self, file: _Stable, sha: str, document_id: str, now: float, report: TickReport
    ) -> Outcome | None:
        """A document: new, taken again after an unfinished tick, or a duplicate of another."""
        this_file = {
            "document_id": document_id,
            "source_file": file.url,
            "inbox": self.key,
            "relative_path": file.rel,
            "size": file.size,
            "mtime": file.mtime,
            "taken_at": stamp(now),
        }
        seen = self._seen(sha, document_id, file.url, this_file)
        if seen is not None:
            same_file = (
                seen.get("inbox") == self.key
                and seen.get("relative_path") == file.rel
                and seen.get("size") == file.size
                and seen.get("mtime") == file.mtime
            )
            released = not self.settings.keep_originals and self.store.has_archive(sha)
            if same_file and not released:
                return self._request_again(file, sha, seen["document_id"], report)
            return move_duplicate(
                self.store, self.results, report, file.path, file.rel, sha, seen, now
            )
        self.content.put(sha, this_file)
        entry = self.store.register_file(
            file.path, source_file=file.url, subfolder=file.subfolder, origin="sensor", sha256=sha
        )
        report.new_documents.append(
            NewDocument(entry.document_id, file.url, file.rel, file.subfolder, sha, file.size)
        )
        return "taken", entry.document_id

    def _seen(
        self, sha: str, document_id: str, url: str, this_file: dict[str, Any]
    ) -> dict[str, Any] | None:
        """The content index record of ``sha``, rebuilt from the registry if only it was lost."""
        seen = self.content.get(sha)
        if seen is None and self.store.has_entry(document_id):
            entry = self.store.entry(document_id)
            if entry.origin == "sensor" and entry.source_file == url:
                seen = this_file  # registered by a tick whose index write was lost
            else:  # the same name and content came another way, e.g. the CLI
                seen = {"document_id": document_id, "source_file": entry.source_file}
            self.content.put(sha, seen)
        return seen

    def _request_again(
        self, file: _Stable, sha: str, document_id: str, report: TickReport
    ) -> Outcome:
        """Taken by a tick that did not finish: make sure it is registered, ask again."""
        self.store.register_file(
            file.path, source_file=file.url, subfolder=file.subfolder, origin="sensor", sha256=sha
        )
        report.new_documents.append(
            NewDocument(document_id, file.url, file.rel, file.subfolder, sha, file.size, True)
        )
        return "taken", document_id
