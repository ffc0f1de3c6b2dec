"""The drop folder, scanned tick by tick: stable files become documents, exactly once.

:class:`InboxScanner` is the plain-Python work of ``drop_folder_sensor``. Each
:meth:`~InboxScanner.tick` lists INVOICE_INBOX recursively (a local folder,
with os.scandir, or any fsspec URL such as ``s3://bucket/inbox``), skips ignored names
silently, and tracks every other file by its fingerprint (size, modification
time). A file is *stable* once a later tick sees the same fingerprint at least
INVOICE_STABLE_SECONDS after it was first seen with it; only stable files are
read, at most INVOICE_SENSOR_MAX_PER_TICK of them (and no more than
INVOICE_SENSOR_TIME_BUDGET_SECONDS of reading) per tick, oldest first; the
rest wait for the next tick. A stable file is read once: hashed (sha256) and
typed by the magic bytes of its head (:func:`documents.sniff`). Then it is
either **new** (registered in the document store, its content recorded in the
content index ``inbox-state/content/<sha[:2]>/<sha>.json``, returned for the
sensor to add its partition and request its run; ``raw`` later archives it
and moves the original to ``processed/``), a **duplicate** (same
content seen before under any name: recorded in the results database and in
``duplicates/`` of the store, moved to ``processed/duplicates/``), or
**quarantined** (unsupported content: copied with ``reason.json`` into the
quarantine area, removed from the inbox only after the copy is written;
unreadable, non-regular or oversized files keep their place and get a
``reason.json``). State: the per-file fingerprints (pending files with the
time first seen, and files already dealt with, so nothing is hashed twice)
can be large, so they live in the store as generation files
``inbox-state/<inbox-key>/<generation>.json``; the Dagster cursor is a
compact ``{"v", "inbox", "gen"}`` of about 60 bytes that names the generation
the last committed tick wrote. A tick whose cursor was never committed (a
crash) is replayed from the previous generation: files it took are found
again in the content index as the same file (same path and fingerprint) and
re-requested, which Dagster's run_key de-duplicates. A lost or reset cursor
only costs one stability wait; nothing is forgotten, because the inbox itself
holds every pending file. Nothing here imports dagster.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import stat
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from upath import UPath

from invoice_pipeline.processing import config
from invoice_pipeline.processing.intake.documents import sniff
from invoice_pipeline.processing.intake.ignore import extra_patterns, is_ignored, is_ignored_folder
from invoice_pipeline.processing.intake.store import DocumentStore, document_id_for, slugify

log = logging.getLogger(__name__)

STATE_VERSION = 1
STATE_DIR = "inbox-state"
KEEP_GENERATIONS = 3
HEAD_BYTES = 64 * 1024
_CHUNK = 1024 * 1024
_MAX_XML_BYTES = 20 * 1024 * 1024
_MTIME_KEYS = ("mtime", "LastModified", "last_modified", "updated", "modified", "created")


# ------------------------------------------------------------------- settings


def sensor_interval_seconds() -> int:
    """INVOICE_SENSOR_INTERVAL_SECONDS: the least time between two ticks (default 10)."""
    return max(1, config.env_int("INVOICE_SENSOR_INTERVAL_SECONDS", 10))


def max_per_tick() -> int:
    """INVOICE_SENSOR_MAX_PER_TICK: stable files read per tick at most (default 200)."""
    return max(1, config.env_int("INVOICE_SENSOR_MAX_PER_TICK", 200))


def time_budget_seconds() -> float:
    """INVOICE_SENSOR_TIME_BUDGET_SECONDS: reading stops for this tick after it (default 20)."""
    return config.env_float("INVOICE_SENSOR_TIME_BUDGET_SECONDS", 20.0)


@dataclass(frozen=True)
class InboxSettings:
    """What a tick needs to know; :meth:`from_env` reads every value from the environment."""

    inbox: str
    stable_seconds: float = 3.0
    max_per_tick: int = 200
    time_budget_seconds: float = 20.0
    max_file_bytes: int = 100 * 1024 * 1024
    keep_originals: bool = False
    ignore_patterns: tuple[str, ...] = ()

    @classmethod
    def from_env(cls) -> InboxSettings:
        return cls(
            inbox=config.inbox(),
            stable_seconds=config.stable_seconds(),
            max_per_tick=max_per_tick(),
            time_budget_seconds=time_budget_seconds(),
            max_file_bytes=config.max_file_bytes(),
            keep_originals=config.env_bool("INVOICE_KEEP_ORIGINALS", False),
            ignore_patterns=extra_patterns(),
        )


# -------------------------------------------------------------------- results


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


# ---------------------------------------------------------------------- state


@dataclass
class _State:
    """pending: rel → [size, mtime, first_seen]; known: rel → [size, mtime, outcome, id]."""

    gen: int = 0
    pending: dict[str, list[Any]] = field(default_factory=dict)
    known: dict[str, list[Any]] = field(default_factory=dict)


def _mtime_of(info: dict[str, Any]) -> float | str | None:
    for key in _MTIME_KEYS:
        value = info.get(key)
        if value is None:
            continue
        if isinstance(value, dt.datetime):
            return value.timestamp()
        if isinstance(value, int | float):
            return float(value)
        return str(value)
    etag = info.get("ETag") or info.get("etag")
    return str(etag) if etag else None


def _hash_with_head(path: UPath, head_size: int = HEAD_BYTES) -> tuple[str, bytes, int]:
    """sha256 of the whole file, its first ``head_size`` bytes, and the bytes read."""
    digest = hashlib.sha256()
    head = bytearray()
    read = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            if len(head) < head_size:
                head += chunk[: head_size - len(head)]
            digest.update(chunk)
            read += len(chunk)
    return digest.hexdigest(), bytes(head), read


def _stamp(now: float) -> str:
    return dt.datetime.fromtimestamp(now, dt.UTC).isoformat()


class InboxScanner:
    """One drop folder and the document store its files go to.

    ``results`` (a :class:`~invoice_pipeline.processing.results.store.ResultsStore`)
    receives every duplicate in its ``duplicates`` table when given; the store's
    ``duplicates/`` folder always gets a JSON record too.
    """

    def __init__(self, settings: InboxSettings, store: DocumentStore, results: Any = None):
        self.settings = settings
        self.store = store
        self.results = results
        self.root = UPath(settings.inbox)
        self.fs = self.root.fs
        self.base = self.root.path.rstrip("/") or "/"
        self.key = hashlib.sha256(str(self.root).encode()).hexdigest()[:16]
        self.state_dir = store.root / STATE_DIR / self.key
        self.content_dir = store.root / STATE_DIR / "content"
        storage = store.root.path.rstrip("/") + "/"
        same_fs = (store.root.protocol or "file") == (self.root.protocol or "file")
        self.storage_prefix = storage if same_fs and storage.startswith(self.base + "/") else None

    # ------------------------------------------------------------ cursor/state
    def _state_path(self, gen: int) -> UPath:
        return self.state_dir / f"{gen:010d}.json"

    def load_state(self, cursor: str | None) -> _State:
        """The state the committed cursor names; empty for no cursor or another inbox."""
        if not cursor:
            return _State()
        try:
            data = json.loads(cursor)
            if data.get("v") != STATE_VERSION or data.get("inbox") != self.key:
                log.warning("drop folder cursor is for another inbox or version; starting over")
                return _State()
            gen = int(data["gen"])
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("unreadable drop folder cursor %r; starting over", cursor[:200])
            return _State()
        if gen == 0:
            return _State()
        path = self._state_path(gen)
        try:
            payload = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            log.warning("drop folder state %s is missing or broken (%s); starting over", path, exc)
            return _State(gen=gen)
        return _State(gen=gen, pending=payload.get("pending", {}), known=payload.get("known", {}))

    def _save_state(self, state: _State) -> None:
        path = self._state_path(state.gen)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"v": STATE_VERSION, "inbox": str(self.root), "gen": state.gen}
        payload |= {"pending": state.pending, "known": state.known}
        path.write_text(json.dumps(payload, separators=(",", ":")))
        for old in range(state.gen - KEEP_GENERATIONS, max(0, state.gen - 50), -1):
            stale = self._state_path(old)
            if not stale.exists():
                break
            stale.unlink()  # our own bookkeeping, superseded; never a user's file

    def _cursor(self, gen: int) -> str:
        return json.dumps(
            {"v": STATE_VERSION, "inbox": self.key, "gen": gen}, separators=(",", ":")
        )

    # ----------------------------------------------------------------- listing
    def list_files(self) -> dict[str, tuple[int, float | str | None, bool]]:
        """relative path → (size, mtime, regular file?) for everything under the inbox."""
        if _is_local(self.root):
            return self._list_local()
        if not self.fs.exists(self.base):
            return {}
        out: dict[str, tuple[int, float | str | None, bool]] = {}
        prefix = self.base if self.base.endswith("/") else self.base + "/"
        self.fs.invalidate_cache(self.base)  # object stores cache listings in the process
        for path, info in self.fs.find(self.base, detail=True).items():
            kind = info.get("type")
            if kind == "directory":
                continue
            if self.storage_prefix and path.startswith(self.storage_prefix):
                continue  # the storage root inside the inbox: our own files
            rel = path[len(prefix) :] if path.startswith(prefix) else path.lstrip("/")
            if not rel:
                continue
            out[rel] = (int(info.get("size") or 0), _mtime_of(info), kind == "file")
        return out

    def _list_local(self) -> dict[str, tuple[int, float | str | None, bool]]:
        """The same for a local folder, with os.scandir: a few times faster than fsspec."""
        out: dict[str, tuple[int, float | str | None, bool]] = {}
        if not os.path.isdir(self.base):
            os.makedirs(self.base, exist_ok=True)
            return out
        stack = [(self.base, "")]
        while stack:
            folder, prefix = stack.pop()
            try:
                entries = list(os.scandir(folder))
            except (FileNotFoundError, NotADirectoryError):
                continue
            except OSError as exc:
                log.warning("cannot list %s: %s", folder, exc)
                continue
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if is_ignored_folder(entry.name):
                        continue
                    if self.storage_prefix and entry.path + "/" == self.storage_prefix:
                        continue
                    stack.append((entry.path, f"{prefix}{entry.name}/"))
                    continue
                try:
                    st = entry.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue
                out[prefix + entry.name] = (st.st_size, st.st_mtime, stat.S_ISREG(st.st_mode))
        return out

    # -------------------------------------------------------------------- tick
    def tick(self, cursor: str | None, now: float | None = None) -> TickReport:
        """Look at the inbox once; register, record or quarantine what is stable."""
        started = time.perf_counter()
        now = time.time() if now is None else now
        state = self.load_state(cursor)
        listing = self.list_files()
        report = TickReport(cursor=self._cursor(state.gen), listed=len(listing))
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
        report.waiting = len(candidates) - taken
        report.unstable = len(pending) - report.waiting
        report.known = len(known)

        if pending != state.pending or known != state.known:
            state = _State(gen=state.gen + 1, pending=pending, known=known)
            self._save_state(state)
            report.state_written = True
        report.cursor = self._cursor(state.gen)
        report.seconds = time.perf_counter() - started
        return report

    # ------------------------------------------------------------ one file
    def _take(
        self,
        rel: str,
        size: int,
        mtime: float | str | None,
        regular: bool,
        now: float,
        report: TickReport,
    ) -> tuple[str, str] | None:
        """Deal with one stable file: ("taken"|"held"|"moved", id), or None if it changed."""
        path = self.root / rel
        url = str(path)
        name = rel.rsplit("/", 1)[-1]
        subfolder = rel.split("/", 1)[0] if "/" in rel else None
        if not regular:
            return self._hold(
                report,
                path,
                rel,
                "not_a_regular_file",
                "a link, pipe or device, not a file; it is left where it is",
                now,
            )
        if size > self.settings.max_file_bytes:
            return self._hold(
                report,
                path,
                rel,
                "file_too_large",
                f"{size:,} bytes, over the limit of {self.settings.max_file_bytes:,} "
                "(INVOICE_MAX_FILE_BYTES); the file is left where it is",
                now,
            )
        try:
            sha, head, read = _hash_with_head(path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            return self._hold(
                report,
                path,
                rel,
                "unreadable_file",
                f"the file cannot be read: {exc.strerror or exc}",
                now,
                try_move=True,
            )
        if read != size:
            return None
        media_type, kind = sniff(head)
        if kind == "unsupported" and media_type == "application/xml" and size > len(head):
            if size <= _MAX_XML_BYTES:
                try:
                    media_type, kind = sniff(path.read_bytes())
                except OSError:
                    return None
        document_id = document_id_for(name, sha)
        if kind == "unsupported":
            what = media_type or ("unknown content" if size else "an empty file")
            reason = "empty_file" if size == 0 else "unsupported_type"
            return self._quarantine(
                report, path, rel, sha, document_id, reason, what, media_type, now
            )

        this_file = {
            "document_id": document_id,
            "source_file": url,
            "inbox": self.key,
            "relative_path": rel,
            "size": size,
            "mtime": mtime,
            "taken_at": _stamp(now),
        }
        seen = self._content_get(sha)
        if seen is None and self.store.has_entry(document_id):
            entry = self.store.entry(document_id)
            if entry.origin == "sensor" and entry.source_file == url:
                seen = this_file  # registered by a tick whose index write was lost
            else:  # the same name and content came another way, e.g. the CLI
                seen = {"document_id": document_id, "source_file": entry.source_file}
            self._content_put(sha, seen)
        if seen is not None:
            same_file = (
                seen.get("inbox") == self.key
                and seen.get("relative_path") == rel
                and seen.get("size") == size
                and seen.get("mtime") == mtime
            )
            released = not self.settings.keep_originals and self.store.has_archive(sha)
            if same_file and not released:
                # taken by a tick that did not finish: make sure it is registered, ask again
                self.store.register_file(
                    path, source_file=url, subfolder=subfolder, origin="sensor", sha256=sha
                )
                report.new_documents.append(
                    NewDocument(seen["document_id"], url, rel, subfolder, sha, size, True)
                )
                return "taken", seen["document_id"]
            return self._duplicate(report, path, rel, sha, seen, now)

        self._content_put(sha, this_file)
        entry = self.store.register_file(
            path, source_file=url, subfolder=subfolder, origin="sensor", sha256=sha
        )
        report.new_documents.append(NewDocument(entry.document_id, url, rel, subfolder, sha, size))
        return "taken", entry.document_id

    # ------------------------------------------------------------ content index
    def _content_path(self, sha: str) -> UPath:
        return self.content_dir / sha[:2] / f"{sha}.json"

    def _content_get(self, sha: str) -> dict[str, Any] | None:
        path = self._content_path(sha)
        try:
            return json.loads(path.read_text())
        except FileNotFoundError:
            return None
        except ValueError:
            return None

    def _content_put(self, sha: str, record: dict[str, Any]) -> None:
        path = self._content_path(sha)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(record, default=str))

    # ---------------------------------------------------------------- outcomes
    def _duplicate(
        self,
        report: TickReport,
        path: UPath,
        rel: str,
        sha: str,
        seen: dict[str, Any],
        now: float,
    ) -> tuple[str, str] | None:
        if not self.store.has_archive(sha):
            # The document's own run has not archived its bytes yet, and its file may be
            # this one renamed: archive these identical bytes so the document never loses
            # its content, whatever happens to the file it was first taken from.
            try:
                self.store.archive(path.read_bytes(), sha256=sha)
            except ValueError:
                return None  # changed since it was hashed
            except FileNotFoundError:
                return None
        subfolder = "duplicates" + (f"/{rel.rsplit('/', 1)[0]}" if "/" in rel else "")
        target = self.store.processed_path(path.name, subfolder)
        if target.exists():
            target = target.with_name(f"{sha[:12]}-{int(now * 1000)}-{target.name}")
        try:
            moved = _copy_then_remove(path, target)
        except FileNotFoundError:
            return None
        dup = Duplicate(
            source_file=str(path),
            relative_path=rel,
            sha256=sha,
            duplicate_of=seen["document_id"],
            original_source_file=str(seen.get("source_file", "")),
            detected_at=_stamp(now),
            moved_to=str(target) if moved else None,
        )
        report.duplicates.append(dup)
        record_duplicate(self.store, dup, self.results)
        return ("moved" if moved else "held"), seen["document_id"]

    def _quarantine(
        self,
        report: TickReport,
        path: UPath,
        rel: str,
        sha: str,
        document_id: str,
        reason: str,
        what: str,
        media_type: str | None,
        now: float,
    ) -> tuple[str, str] | None:
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
            return self._hold(report, path, rel, "unreadable_file", str(exc), now)
        if hashlib.sha256(data).hexdigest() != sha:
            return None  # changed since it was hashed: wait for it to settle again
        target = self.store.quarantine(
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
                str(self.store.quarantine_dir(document_id) / "reason.json"),
                not moved,
            )
        )
        return ("moved" if moved else "held"), document_id

    def _hold(
        self,
        report: TickReport,
        path: UPath,
        rel: str,
        reason: str,
        message: str,
        now: float,
        try_move: bool = False,
    ) -> tuple[str, str]:
        """A file that cannot be copied safely: a reason in the quarantine, the file kept."""
        quarantine_id = (
            f"{slugify(path.name)}-{reason.replace('_', '-')}-"
            f"{hashlib.sha256(str(path).encode()).hexdigest()[:8]}"
        )
        folder = self.store.quarantine_dir(quarantine_id)
        folder.mkdir(parents=True, exist_ok=True)
        moved = False
        if try_move and _is_local(path) and _is_local(folder):
            try:  # a rename needs no read permission on the file itself
                os.rename(path.path, (folder / path.name).path)
                moved = True
            except OSError:
                moved = False
        payload = {
            "document_id": quarantine_id,
            "file_name": path.name,
            "sha256": None,
            "quarantined_at": _stamp(now),
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


# ------------------------------------------------------------------ helpers


def _is_local(path: UPath) -> bool:
    protocol = path.protocol or "file"
    return protocol in ("file", "local")


def _copy_then_remove(source: UPath, target: UPath) -> bool:
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
    stamp = duplicate.detected_at.replace(":", "").replace("-", "").replace("+0000", "Z")
    where = hashlib.sha256(duplicate.source_file.encode()).hexdigest()[:6]
    path = store.root / "duplicates" / f"{stamp}-{duplicate.sha256[:12]}-{where}.json"
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
