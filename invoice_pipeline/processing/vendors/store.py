"""The vendor profiles in the results database, and learning from a confirmed document.

``vendor_profiles`` holds each vendor's current profile (its JSON, version,
documents learned from, and ``forgotten_at`` once a person forgot it);
``vendor_profile_history`` keeps every version with the document and reviewer
that taught it, and each forgetting. :meth:`VendorStore.learn_document` reads a
confirmed record (reviews applied) and the OCR the pipeline stored for it (the
``ocr_text`` value under the asset storage, the same file the review page reads)
and saves the next version of its vendor's profile. Nothing here imports Dagster.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from upath import UPath

from invoice_pipeline.processing.intake.store import safe_name
from invoice_pipeline.processing.results.engine import upsert
from invoice_pipeline.processing.results.rows import aware, utcnow
from invoice_pipeline.processing.results.store import ResultsStore
from invoice_pipeline.processing.results.tables import (
    invoice_reviews,
    invoices,
    vendor_profile_history,
    vendor_profiles,
)
from invoice_pipeline.processing.vendors.identity import name_key
from invoice_pipeline.processing.vendors.learn import learn_profile
from invoice_pipeline.processing.vendors.profile import VendorProfile
from invoice_pipeline.schema import InvoiceRecord, OcrDocument

__all__ = ["UnknownVendor", "VendorStore", "learn_vendor", "stored_ocr"]

log = logging.getLogger(__name__)


class UnknownVendor(KeyError):
    """No profile answers to this name or key."""


def stored_ocr(storage_root: str, document_id: str) -> OcrDocument | None:
    """The ``ocr_text`` value the pipeline stored for a document (None when absent)."""
    if safe_name(document_id) != document_id:
        return None
    path = UPath(storage_root) / "assets" / "ocr_text" / f"{document_id}.json"
    if not path.exists():
        return None
    value = json.loads(path.read_text()).get("value")
    return OcrDocument.model_validate(value) if value else None


def _when(value: Any) -> Any:
    """A timestamp as SQLite's aggregates return it (text) or as a datetime."""
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def _profile(row: Any) -> VendorProfile:
    profile = VendorProfile.model_validate(row.profile)
    return profile.model_copy(
        update={"updated_at": aware(row.updated_at), "forgotten_at": aware(row.forgotten_at)}
    )


class VendorStore:
    """Reads and writes of the vendor profiles on one :class:`ResultsStore`."""

    def __init__(self, results: ResultsStore) -> None:
        self.results = results
        self.engine = results.engine

    # ------------------------------------------------------------------ reads

    def profiles(self, *, include_forgotten: bool = False) -> list[VendorProfile]:
        """Every vendor's current profile, by display name (forgotten ones left out)."""
        query = sa.select(vendor_profiles).order_by(vendor_profiles.c.display_name)
        if not include_forgotten:
            query = query.where(vendor_profiles.c.forgotten_at.is_(None))
        with self.engine.connect() as conn:
            return [_profile(row) for row in conn.execute(query).all()]

    def find(self, vendor: str, *, include_forgotten: bool = False) -> VendorProfile:
        """The profile named by its key (``vat:DE123...``), a bare id, or its name."""
        wanted = vendor.strip()
        compact = wanted.replace(" ", "").upper()
        for profile in self.profiles(include_forgotten=include_forgotten):
            if (
                profile.vendor_key == wanted
                or compact in profile.ids
                or name_key(profile.display_name) == name_key(wanted)
            ):
                return profile
        raise UnknownVendor(vendor)

    def history(self, vendor_key: str) -> list[dict[str, Any]]:
        """Every version of a vendor's profile: action, document, reviewer, time."""
        h = vendor_profile_history
        query = (
            sa.select(h.c.version, h.c.action, h.c.document_id, h.c.reviewer, h.c.at)
            .where(h.c.vendor_key == vendor_key)
            .order_by(h.c.id)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [{**row._mapping, "at": aware(row.at)} for row in rows]

    def learned_documents(self) -> set[str]:
        """The documents any profile version was learned from."""
        return set(self._learned_at())

    def _learned_at(self) -> dict[str, Any]:
        """When each document last taught a profile."""
        h = vendor_profile_history
        query = (
            sa.select(h.c.document_id, sa.func.max(h.c.at))
            .where(h.c.action == "learn", h.c.document_id.is_not(None))
            .group_by(h.c.document_id)
        )
        with self.engine.connect() as conn:
            return {row[0]: aware(_when(row[1])) for row in conn.execute(query).all()}

    # ------------------------------------------------------------------ writes

    def save(
        self, profile: VendorProfile, *, document_id: str | None, reviewer: str | None
    ) -> VendorProfile:
        """Store ``profile`` as its vendor's current one, with a history row; the saved profile.

        A vendor forgotten earlier starts again at the next version number.
        """

        def work(conn: Connection) -> VendorProfile:
            row = conn.execute(
                sa.select(vendor_profiles.c.version, vendor_profiles.c.created_at)
                .where(vendor_profiles.c.vendor_key == profile.vendor_key)
                .with_for_update()
            ).first()
            now = utcnow()
            version = max(profile.version, (row.version + 1) if row is not None else 1)
            saved = profile.model_copy(update={"version": version, "updated_at": now,
                                               "forgotten_at": None})  # fmt: skip
            body = saved.model_dump(mode="json")
            values = {
                "vendor_key": saved.vendor_key,
                "key_kind": saved.key_kind,
                "display_name": saved.display_name,
                "version": version,
                "profile": body,
                "learned_from": saved.learned_from,
                "created_at": row.created_at if row is not None else now,
                "updated_at": now,
                "forgotten_at": None,
            }
            upsert(conn, vendor_profiles, values, ["vendor_key"], list(values)[1:])
            conn.execute(
                vendor_profile_history.insert().values(
                    vendor_key=saved.vendor_key,
                    version=version,
                    action="learn",
                    document_id=document_id,
                    reviewer=reviewer,
                    profile=body,
                    at=now,
                )  # fmt: skip
            )
            return saved

        return self.results._write(work)

    def forget(self, vendor: str, *, by: str | None = None) -> VendorProfile:
        """Forget a vendor: its profile no longer applies; the history keeps every version."""
        profile = self.find(vendor)

        def work(conn: Connection) -> None:
            now = utcnow()
            conn.execute(
                vendor_profiles.update()
                .where(vendor_profiles.c.vendor_key == profile.vendor_key)
                .values(forgotten_at=now, updated_at=now)
            )
            conn.execute(
                vendor_profile_history.insert().values(
                    vendor_key=profile.vendor_key,
                    version=profile.version,
                    action="forget",
                    document_id=None,
                    reviewer=by,
                    profile=None,
                    at=now,
                )  # fmt: skip
            )

        self.results._write(work)
        return profile

    def learn(
        self, record: InvoiceRecord, ocr: OcrDocument, *, reviewer: str | None
    ) -> VendorProfile | None:
        """Learn the next version of the record's vendor from a confirmed record and its OCR."""
        draft = learn_profile(ocr, record)
        if draft is None:
            return None
        previous = next((p for p in self.profiles() if p.vendor_key == draft.vendor_key), None)
        profile = learn_profile(ocr, record, previous=previous) if previous else draft
        assert profile is not None
        return self.save(profile, document_id=record.document_id, reviewer=reviewer)

    def learn_document(
        self, document_id: str, storage_root: str, *, reviewer: str | None
    ) -> VendorProfile | None:
        """Learn from a stored document's confirmed record (None: not confirmed, no OCR)."""
        from invoice_pipeline.processing.results.review_store import ReviewStore

        document = ReviewStore(self.results).document(document_id)
        if document is None or document.record.status != "approved":
            return None
        ocr = stored_ocr(storage_root, document_id)
        if ocr is None or ocr.xml is not None or not ocr.lines:
            return None
        return self.learn(document.record, ocr, reviewer=reviewer)

    def catch_up(self, storage_root: str, *, auto_approved: bool = False) -> list[str]:
        """Learn from every confirmed document not learned from yet; the documents learned.

        Confirmed: approved by a reviewer (corrections applied); with ``auto_approved``
        also approved by the pipeline alone, which is off by default because the
        confidences behind an automatic approval are not calibrated yet.
        """
        done = self._learned_at()
        r = invoice_reviews
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(r.c.document_id, r.c.reviewer, r.c.reviewed_at)
                .where(r.c.status == "approved")
                .order_by(r.c.reviewed_at)
            ).all()
            # a document reviewed again since it last taught (a later correction) teaches again
            todo = [
                (row.document_id, row.reviewer)
                for row in rows
                if row.document_id not in done
                or done[row.document_id] < aware(_when(row.reviewed_at))
            ]
            if auto_approved:
                reviewed = sa.select(r.c.document_id)
                auto = conn.execute(
                    sa.select(invoices.c.document_id)
                    .where(invoices.c.status == "approved", invoices.c.document_id.not_in(reviewed))
                    .order_by(invoices.c.created_at)
                ).all()
                todo += [(row.document_id, None) for row in auto if row.document_id not in done]
        learned = []
        for document_id, reviewer in todo:
            if self.learn_document(document_id, storage_root, reviewer=reviewer) is not None:
                learned.append(document_id)
        return learned


def learn_vendor(
    results: ResultsStore, storage_root: str, document_id: str, reviewer: str | None
) -> VendorProfile | None:
    """Learn from a document a reviewer just approved; a failure is logged, never raised
    (the review is saved whatever the memory makes of it)."""
    try:
        return VendorStore(results).learn_document(document_id, storage_root, reviewer=reviewer)
    except Exception:
        log.exception("learning the vendor of %s failed", document_id)
        return None
