"""Reading a stable drop-folder file once: its sha256, its head, and what it is.

:func:`hash_with_head` streams the file in 1 MiB chunks (a 500 MB file never
sits in memory) and keeps its first :data:`HEAD_BYTES`; :func:`sniff_head`
types the file by that head with :func:`~invoice_pipeline.processing.intake.sniff.sniff`,
reading a larger XML file whole (up to 20 MiB) because whether it is an
e-invoice can only be told from all of it.
"""

from __future__ import annotations

import hashlib

from upath import UPath

from invoice_pipeline.processing.intake.sniff import sniff
from invoice_pipeline.schema import DocumentKind

HEAD_BYTES = 64 * 1024
_CHUNK = 1024 * 1024
_MAX_XML_BYTES = 20 * 1024 * 1024


def hash_with_head(path: UPath, head_size: int = HEAD_BYTES) -> tuple[str, bytes, int]:
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


def sniff_head(path: UPath, head: bytes, size: int) -> tuple[str | None, DocumentKind] | None:
    """(media type, kind) of the file whose head is ``head``; None if it cannot be read now."""
    media_type, kind = sniff(head)
    if kind == "unsupported" and media_type == "application/xml" and size > len(head):
        if size <= _MAX_XML_BYTES:
            try:
                media_type, kind = sniff(path.read_bytes())
            except OSError:
                return None
    return media_type, kind
