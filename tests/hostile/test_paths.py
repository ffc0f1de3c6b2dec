"""File names cannot write outside the storage root, and stored originals keep their bytes.

The document store is given names and ids that try to climb out (``../``,
absolute paths, backslashes, drive letters), names that are legal but odd
(newlines, right-to-left overrides, 255 bytes of four-byte characters) and
checks that every path it makes resolves under its root, that the name fits
the file system with the prefixes and suffixes the store adds, and that
quarantine, archive and processed/ hold the original bytes (sha256). The
drop-folder scanner and ``release_original`` are run over such names,
including a second file under the same long name, which once failed with
ENAMETOOLONG and left the file in the inbox for ever.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import dagster as dg
import pytest

from invoice_pipeline import settings
from invoice_pipeline.processing.intake.documents import ingest_document, release_original
from invoice_pipeline.processing.intake.scanner import InboxScanner
from invoice_pipeline.processing.intake.store import DocumentStore, document_id_for, safe_name
from tests.hostile.inputs import HOSTILE_NAMES, invoice_pdf

CLIMBING = [
    "../../evil.pdf",
    "../../../../../../../../tmp/evil.pdf",
    "/etc/passwd",
    "/",
    "..",
    ".",
    "",
    "a/../../b.pdf",
    "..\\..\\evil.pdf",
    "C:\\Windows\\System32\\evil.pdf",
    "%2e%2e%2fevil.pdf",
    "~/evil.pdf",
    "sub/./../../x.pdf",
    "evil.pdf\u0000.png".replace("\u0000", ""),  # NUL-free: file names cannot hold one
    "\u202eevil\u200b.pdf",
    "Ｅｖｉｌ／．．／ｘ.pdf",  # fullwidth solidus and full stops
    "e\u0301vil.pdf",  # NFD
    *HOSTILE_NAMES.values(),
]

NAME_MAX = 255
ROOM = len("0123456789ab-1700000000000-") + len(".part")
"""What the store may add to a stored name: a second copy's prefix, a partial write's suffix."""


def inside(path: object, root: Path) -> bool:
    return Path(str(path)).resolve().is_relative_to(root.resolve())


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("name", CLIMBING)
def test_store_paths_stay_under_the_root(tmp_path: Path, name: str) -> None:
    root = tmp_path / "storage"
    store = DocumentStore(root)
    data = f"bytes of {name!r}".encode()
    stored = safe_name(name)
    assert "/" not in stored and stored not in ("", ".", "..")
    assert len(stored.encode()) + ROOM <= NAME_MAX

    copy = store.quarantine(name, name, data, {"reason": "test"})
    assert inside(copy, root / "quarantine") and copy.read_bytes() == data
    assert inside(store.quarantine_dir(name) / "reason.json", root / "quarantine")
    note = store.quarantine_in_place(name + "-big", name, None, {"reason": "test"})
    assert inside(note, root / "quarantine")

    for i, subfolder in enumerate((None, name, "../..", "/abs/olute", "a/../../..")):
        other = DocumentStore(
            root / f"variant-{i}"
        )  # so one variant's file is not another's folder
        target = other.processed_path(name, subfolder)
        assert inside(target, root / f"variant-{i}" / "processed"), (subfolder, target)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        again = target.with_name(f"{sha(data)[:12]}-{1_700_000_000_000}-{target.name}.part")
        again.write_bytes(data)  # the longest name the store makes from it fits NAME_MAX
        assert again.read_bytes() == data

    assert inside(store._entry_path(name), root / "registry")
    # nothing anywhere else in tmp_path
    assert {p.name for p in tmp_path.iterdir()} == {"storage"}


@pytest.mark.parametrize("digest", ["../../../../evil", "/etc/passwd", "ab/../../x", "", "A" * 64])
def test_the_archive_takes_only_a_digest(tmp_path: Path, digest: str) -> None:
    store = DocumentStore(tmp_path / "storage")
    with pytest.raises(ValueError, match="sha256"):
        store.archive_path(digest)
    data = b"%PDF-1.7 original bytes"
    path = store.archive(data)
    assert path.read_bytes() == data and path.name == sha(data)


def test_hostile_names_through_the_drop_folder(tmp_path: Path, monkeypatch) -> None:
    """Each name is taken, archived, released to processed/ byte for byte; then the same names
    arrive again with new content, and as copies in a subfolder: no error, nothing left over."""
    inbox, root = tmp_path / "inbox", tmp_path / "storage"
    inbox.mkdir()
    monkeypatch.setenv("INVOICE_INBOX", str(inbox))
    store = DocumentStore(root)
    scanner = InboxScanner(settings.get().inbox_settings, store)
    names = list(HOSTILE_NAMES.values())
    originals = {}
    for i, name in enumerate(names):
        originals[name] = invoice_pdf(960) + f"%{i}\n".encode()  # distinct, cheap to make
        (inbox / name).write_bytes(originals[name])

    def take(cursor: str | None, now: float):
        first = scanner.tick(cursor, now=now)
        report = scanner.tick(first.cursor, now=now + 10)
        assert report.errors == []
        for doc in report.new_documents:
            entry = store.entry(doc.document_id)
            raw = ingest_document(entry, store)
            assert not raw.failed, raw.issues
            data = (inbox / doc.relative_path).read_bytes()
            assert Path(raw.archive_path).read_bytes() == data
            moved = release_original(entry, store)
            assert moved is not None and inside(moved, root / "processed")
            assert Path(moved).read_bytes() == data
        return report

    first = take(None, 0.0)
    assert len(first.new_documents) == len(names)
    # the same names again: new content at the top (processed/ has the name: a prefix is
    # added), the old content in a subfolder (duplicates, moved to processed/duplicates/)
    (inbox / "again").mkdir()
    for name in names:
        (inbox / name).write_bytes(originals[name] + b"%v2\n")
        (inbox / "again" / name).write_bytes(originals[name])
    second = take(first.cursor, 100.0)
    assert len(second.new_documents) == len(second.duplicates) == len(names)
    for doc in second.new_documents:
        moved = store.processed_path(Path(doc.relative_path).name)
        prefixed = moved.with_name(f"{doc.sha256[:12]}-{moved.name}")
        assert prefixed.read_bytes() == originals[Path(doc.relative_path).name] + b"%v2\n"
    for dup in second.duplicates:
        assert dup.moved_to and inside(dup.moved_to, root / "processed" / "duplicates")
        assert Path(dup.moved_to).read_bytes() == originals[Path(dup.relative_path).name]
    assert [p for p in inbox.rglob("*") if p.is_file()] == []
    assert {p.name for p in tmp_path.iterdir()} == {"inbox", "storage"}


def test_a_partition_key_cannot_write_outside_the_storage_root(env, memory_instance) -> None:
    from invoice_pipeline.assets import raw
    from invoice_pipeline.definitions import resources

    key = "../../../escaped"
    memory_instance.add_dynamic_partitions("documents", [key])
    dg.materialize(
        [raw],
        partition_key=key,
        instance=memory_instance,
        resources=resources(),
        raise_on_error=False,
    )
    storage = env["storage"]
    escaped = [
        p
        for p in storage.parent.rglob("escaped*")
        if not Path(os.path.realpath(p)).is_relative_to(storage.resolve())
    ]
    assert escaped == []


def test_document_ids_are_safe_path_segments() -> None:
    for name in CLIMBING:
        document_id = document_id_for(name, "0" * 64)
        assert safe_name(document_id) == document_id
        assert "/" not in document_id and ".." not in document_id
