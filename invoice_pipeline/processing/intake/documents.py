"""Receiving a document: limits, archive, description, quarantine, release from the inbox.

``ingest_document`` is the work of the ``raw`` asset: it reads a registered
file, checks it against the :class:`Limits`, archives its bytes content-addressed and
describes it as a :class:`RawDocument` (typed by content with :func:`.sniff.sniff`). A file that cannot be processed is not
an exception: it gets a RawDocument whose issues say why, and a copy in the
quarantine area with ``reason.json``. The original is never deleted.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from typing import Any

from upath import UPath

from invoice_pipeline.processing.intake.sniff import sniff
from invoice_pipeline.processing.intake.store import DocumentStore
from invoice_pipeline.schema import DocumentEntry, Issue, RawDocument

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limits:
    """What the pipeline accepts.

    :func:`invoice_pipeline.settings.get` fills it from INVOICE_MAX_FILE_BYTES,
    INVOICE_MAX_PAGES and INVOICE_MAX_IMAGE_PIXELS; the defaults here are theirs.
    """

    max_file_bytes: int = 100 * 1024 * 1024
    max_pages: int = 200
    max_image_pixels: int = 100_000_000


def _issue(code: str, message: str) -> Issue:
    return Issue(code=code, message=message, stage="raw")


def _describe_pdf(raw: RawDocument, data: bytes, limits: Limits) -> None:
    from invoice_pipeline.processing.imaging import pdf

    try:
        info = pdf.probe(data, max_pages=limits.max_pages)
    except pdf.PdfError as exc:
        raw.issues.append(_issue(exc.reason_code, exc.message))
        return
    raw.page_count = info.page_count
    raw.text_layer_pages = list(info.text_pages)
    if info.has_javascript:
        raw.issues.append(
            Issue(
                code="pdf_javascript",
                message="the PDF contains JavaScript; it is never executed, only its text is read",
                severity="warning",
                stage="raw",
            )
        )
    if info.embedded_files:
        from invoice_pipeline.processing.extract.einvoice import find_embedded_xml

        found = find_embedded_xml(data)
        if found is not None:
            raw.embedded_xml = found[0]
        else:
            raw.issues.append(
                Issue(
                    code="pdf_embedded_files",
                    message=f"the PDF carries attachments that are not an e-invoice: {', '.join(info.embedded_files)[:200]}",
                    severity="warning",
                    stage="raw",
                )
            )


def _decode_frames(img: Any, frames: int) -> None:
    """Decode every frame (a header can be fine over broken data); raise if none decodes.

    A multi-frame file with some bad frames passes: those pages fail one by one later.
    """
    first_error: Exception | None = None
    for index in range(frames):
        try:
            img.seek(index)
            img.load()
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            first_error = first_error or exc
            continue
        return
    if first_error is not None:
        raise first_error


def _describe_image(raw: RawDocument, data: bytes, limits: Limits) -> None:
    import warnings

    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our limit is below
            with Image.open(io.BytesIO(data)) as img:
                frames = getattr(img, "n_frames", 1)
                pixels = img.width * img.height
                if pixels <= limits.max_image_pixels and frames <= limits.max_pages:
                    _decode_frames(img, frames)
    except Image.DecompressionBombError as exc:
        raw.issues.append(
            _issue("image_too_large", f"the image is too large to decode safely: {exc}")
        )
        return
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raw.issues.append(_issue("image_corrupt", f"the image cannot be read: {exc}"))
        return
    if pixels > limits.max_image_pixels:
        raw.issues.append(
            _issue(
                "image_too_large",
                f"the image has {pixels:,} pixels, over the limit of {limits.max_image_pixels:,} "
                "(INVOICE_MAX_IMAGE_PIXELS)",
            )
        )
        return
    if frames > limits.max_pages:
        raw.issues.append(
            _issue(
                "too_many_pages",
                f"{frames} frames, over the limit of {limits.max_pages} (INVOICE_MAX_PAGES)",
            )
        )
        return
    raw.page_count = frames


def describe(raw: RawDocument, data: bytes, limits: Limits | None = None) -> RawDocument:
    """Fill in type, pages and problems of a document from its bytes."""
    limits = limits or Limits()
    raw.media_type, raw.kind = sniff(data)
    if not data:
        raw.issues.append(_issue("empty_file", "the file is empty"))
    elif raw.kind == "pdf":
        _describe_pdf(raw, data, limits)
    elif raw.kind == "image":
        _describe_image(raw, data, limits)
    elif raw.kind == "xml":
        raw.page_count = 1
    else:
        what = raw.media_type or "unknown content"
        raw.issues.append(
            _issue(
                "unsupported_type",
                f"not a supported document ({what}); supported are PDF, PNG, JPEG, TIFF, WebP, "
                "BMP and XML e-invoices",
            )
        )
    return raw


def ingest_document(
    entry: DocumentEntry, store: DocumentStore, limits: Limits | None = None
) -> RawDocument:
    """Read, check, archive and describe one registered document (the ``raw`` stage)."""
    limits = limits or Limits()
    raw = RawDocument(
        document_id=entry.document_id,
        source_file=entry.source_file,
        file_name=entry.file_name,
        sha256=entry.sha256,
        size_bytes=entry.size_bytes,
        subfolder=entry.subfolder,
        received_at=entry.registered_at,
    )
    if entry.size_bytes > limits.max_file_bytes:
        raw.issues.append(
            _issue(
                "file_too_large",
                f"{entry.size_bytes:,} bytes, over the limit of {limits.max_file_bytes:,} "
                "(INVOICE_MAX_FILE_BYTES); the file is left where it is",
            )
        )
        store.quarantine_in_place(entry.document_id, entry.file_name, entry.sha256, _reason(raw))
        return raw

    if store.has_archive(entry.sha256):
        data = store.read_archive(entry.sha256)
    else:
        source = UPath(entry.source_file)
        if not source.exists():
            raw.issues.append(
                _issue(
                    "source_missing", f"the file {entry.source_file} is gone and was never archived"
                )
            )
            return raw
        data = source.read_bytes()
        try:
            store.archive(data, sha256=entry.sha256)
        except ValueError:
            raw.issues.append(
                _issue(
                    "content_changed",
                    "the file changed after it was registered; the new content is a new document",
                )
            )
            store.quarantine(entry.document_id, entry.file_name, data, _reason(raw))
            return raw
    raw.archive_path = str(store.archive_path(entry.sha256))
    describe(raw, data, limits)
    if raw.failed:
        store.quarantine(entry.document_id, entry.file_name, data, _reason(raw))
    return raw


def _reason(raw: RawDocument) -> dict:
    errors = [i for i in raw.issues if i.severity == "error"]
    return {
        "source_file": raw.source_file,
        "reason": errors[0].code if errors else "unknown",
        "message": errors[0].message if errors else "",
        "issues": [i.model_dump() for i in raw.issues],
    }


def not_registered(document_id: str) -> RawDocument:
    """The value of a partition that was added without registering its file."""
    return RawDocument(
        document_id=document_id,
        source_file="",
        file_name="",
        sha256="",
        size_bytes=0,
        issues=[
            _issue(
                "not_registered",
                "this partition has no registered file; add documents with the sensor or "
                "`invoice-pipeline process`",
            )
        ],
    )


def release_original(entry: DocumentEntry, store: DocumentStore) -> str | None:
    """Move a dropped file out of the inbox once its bytes are safely archived or quarantined.

    Only files that came through the drop folder are moved (files given to the
    CLI stay where they are). The file goes to ``processed/`` under the storage
    root; it is removed from the inbox only after the copy is written.
    """
    if entry.origin != "sensor":
        return None
    source = UPath(entry.source_file)
    stored = store.has_archive(entry.sha256) or store.quarantine_dir(entry.document_id).exists()
    if not stored or not source.exists():
        return None
    data = source.read_bytes()
    if hashlib.sha256(data).hexdigest() != entry.sha256:
        return None  # changed since registration: the new content is a new document
    target = store.processed_path(entry.file_name, entry.subfolder)
    if target.exists():
        target = target.with_name(f"{entry.sha256[:12]}-{target.name}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    source.unlink()
    return str(target)
