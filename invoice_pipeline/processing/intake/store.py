"""The document store: registry, content-addressed archive and quarantine.

Everything lives under one root (INVOICE_STORAGE), a local folder or any
fsspec URL (``s3://bucket/prefix``), through universal_pathlib. Layout::

    registry/<document_id>.json        DocumentEntry written at registration
    archive/<sha[:2]>/<sha256>         the original bytes, content-addressed
    quarantine/<document_id>/<name>    files that could not be processed,
    quarantine/<document_id>/reason.json   with a machine-readable reason
    processed/<subfolder>/<name>       originals moved out of the inbox

Nothing here ever deletes a file that is not stored elsewhere first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any

from upath import UPath

from invoice_pipeline.schema import DocumentEntry

_CHUNK = 1024 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")


def sha256_of(path: UPath | str) -> str:
    digest = hashlib.sha256()
    with UPath(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def slugify(name: str, max_length: int = 48) -> str:
    """A lowercase ASCII slug of a file name without its extension (``"Rechnung März.pdf"`` → ``"rechnung-marz"``)."""
    stem = PurePosixPath(name.replace("\\", "/")).name
    if "." in stem.strip("."):
        stem = stem.rsplit(".", 1)[0]
    ascii_text = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].strip("-") or "document"


def document_id_for(file_name: str, sha256: str) -> str:
    """``<slug-of-name>-<sha256[:12]>``: stable, readable, safe as a path segment."""
    return f"{slugify(file_name)}-{sha256[:12]}"


MAX_NAME_BYTES = 150
"""UTF-8 bytes a stored file name may take: room for the prefixes and suffixes the store
adds (``<sha12>-<millis>-`` for a second copy, ``.part`` while writing) under NAME_MAX."""


def _fit_bytes(text: str, max_bytes: int) -> str:
    return text.encode("utf-8")[:max_bytes].decode("utf-8", "ignore")


def safe_name(name: str, max_length: int = 120) -> str:
    """A file name that cannot escape its folder: no separators, no ``..``, no control chars.

    At most ``max_length`` characters and :data:`MAX_NAME_BYTES` UTF-8 bytes; a short
    extension is kept when the name is cut.
    """
    base = PurePosixPath(name.replace("\\", "/")).name
    base = "".join(ch if ch.isprintable() and ch not in '/\\:*?"<>|' else "_" for ch in base)
    base = base.strip(" .") or "file"
    if len(base) > max_length or len(base.encode("utf-8")) > MAX_NAME_BYTES:
        stem, dot, ext = base.rpartition(".")
        if dot and len(ext.encode("utf-8")) < 10:
            room = min(max_length, MAX_NAME_BYTES) - len(ext.encode("utf-8")) - 1
            base = _fit_bytes(stem[: max_length - len(ext) - 1], room) + dot + ext
        else:
            base = _fit_bytes(base[:max_length], MAX_NAME_BYTES)
    return base


class DocumentStore:
    """Registry, archive and quarantine under one fsspec root."""

    def __init__(self, root: str | UPath):
        self.root = UPath(root)

    # ---------------------------------------------------------------- registry
    def _entry_path(self, document_id: str) -> UPath:
        return self.root / "registry" / f"{safe_name(document_id)}.json"

    def register(self, entry: DocumentEntry) -> DocumentEntry:
        """Record a document; an existing entry for the same id is kept (first source wins)."""
        path = self._entry_path(entry.document_id)
        if path.exists():
            return self.entry(entry.document_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(entry.model_dump_json(indent=1))
        return entry

    def entry(self, document_id: str) -> DocumentEntry:
        path = self._entry_path(document_id)
        if not path.exists():
            raise KeyError(f"document {document_id!r} is not registered in {self.root}")
        return DocumentEntry.model_validate_json(path.read_text())

    def has_entry(self, document_id: str) -> bool:
        return self._entry_path(document_id).exists()

    def register_file(
        self,
        path: str | UPath,
        *,
        source_file: str | None = None,
        subfolder: str | None = None,
        origin: str = "cli",
        sha256: str | None = None,
    ) -> DocumentEntry:
        """Hash a file and register it under its document id."""
        upath = UPath(path)
        digest = sha256 or sha256_of(upath)
        entry = DocumentEntry(
            document_id=document_id_for(upath.name, digest),
            source_file=source_file if source_file is not None else str(path),
            file_name=upath.name,
            sha256=digest,
            size_bytes=upath.stat().st_size,
            subfolder=subfolder,
            origin=origin,  # type: ignore[arg-type]
            registered_at=dt.datetime.now(dt.UTC),
        )
        return self.register(entry)

    # ----------------------------------------------------------------- archive
    def archive_path(self, sha256: str) -> UPath:
        if not _SHA256.fullmatch(sha256):  # never a path from outside: only a hex digest
            raise ValueError(f"not a sha256 hex digest: {sha256[:80]!r}")
        return self.root / "archive" / sha256[:2] / sha256

    def archive(self, data: bytes, sha256: str | None = None) -> UPath:
        """Store bytes content-addressed; verifying the hash when one is given. Idempotent."""
        digest = hashlib.sha256(data).hexdigest()
        if sha256 is not None and digest != sha256:
            raise ValueError(f"content hash {digest[:12]} does not match expected {sha256[:12]}")
        path = self.archive_path(digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".part")
            tmp.write_bytes(data)
            tmp.rename(path)
        return path

    def read_archive(self, sha256: str) -> bytes:
        return self.archive_path(sha256).read_bytes()

    def has_archive(self, sha256: str) -> bool:
        return self.archive_path(sha256).exists()

    # -------------------------------------------------------------- quarantine
    def quarantine_dir(self, document_id: str) -> UPath:
        return self.root / "quarantine" / safe_name(document_id)

    def quarantine(
        self, document_id: str, file_name: str, data: bytes, reason: dict[str, Any]
    ) -> UPath:
        """Keep a copy of a file that cannot be processed, with ``reason.json`` beside it."""
        folder = self.quarantine_dir(document_id)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / safe_name(file_name)
        if not target.exists():
            target.write_bytes(data)
        payload = {
            "document_id": document_id,
            "file_name": file_name,
            "sha256": hashlib.sha256(data).hexdigest(),
            "quarantined_at": dt.datetime.now(dt.UTC).isoformat(),
            **reason,
        }
        (folder / "reason.json").write_text(json.dumps(payload, indent=1, default=str))
        return target

    def quarantine_in_place(
        self, document_id: str, file_name: str, sha256: str | None, reason: dict[str, Any]
    ) -> UPath:
        """Only ``reason.json``, for a file too large to copy: it stays where it was found."""
        folder = self.quarantine_dir(document_id)
        folder.mkdir(parents=True, exist_ok=True)
        payload = {
            "document_id": document_id,
            "file_name": file_name,
            "sha256": sha256,
            "quarantined_at": dt.datetime.now(dt.UTC).isoformat(),
            "kept_in_place": True,
            **reason,
        }
        path = folder / "reason.json"
        path.write_text(json.dumps(payload, indent=1, default=str))
        return path

    def quarantined(self) -> Iterator[dict[str, Any]]:
        base = self.root / "quarantine"
        if not base.exists():
            return
        for folder in sorted(base.iterdir()):
            reason = folder / "reason.json"
            if reason.exists():
                yield json.loads(reason.read_text())

    # --------------------------------------------------------------- processed
    def processed_path(self, file_name: str, subfolder: str | None = None) -> UPath:
        base = self.root / "processed"
        if subfolder:
            for part in PurePosixPath(subfolder.replace("\\", "/")).parts:
                if part not in ("", ".", ".."):
                    base = base / safe_name(part)
        return base / safe_name(file_name)
