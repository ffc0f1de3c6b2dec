"""The tables of the results database, as SQLAlchemy Core metadata.

``invoices`` (one row per document: the header fields of the record, its
issues, evidence and reasons as JSON, and the match keys of the duplicate
check), ``line_items``, ``document_status`` (the stage and status each document
reached), ``document_stage_history`` (every stage with its time and run), ``duplicates`` (files seen twice), and the review page's
``invoice_reviews`` (each reviewed document's decision and corrections) and
``review_audit`` (every correction and decision), and the vendor memory's
``vendor_profiles`` and ``vendor_profile_history``. The alembic scripts in
``migrations/`` create the schema; :data:`metadata` mirrors their head revision,
and ``tests/processing/results/test_field_list.py`` checks both against
:class:`~invoice_pipeline.schema.InvoiceRecord`. Money is ``Numeric(18, 2)``
through :class:`ExactDecimal`, dates are ``Date``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

__all__ = [
    "ExactDecimal",
    "document_stage_history",
    "document_status",
    "duplicates",
    "invoice_reviews",
    "invoices",
    "line_items",
    "metadata",
    "review_audit",
    "vendor_profile_history",
    "vendor_profiles",
]


class ExactDecimal(sa.types.TypeDecorator[Decimal]):
    """``Numeric(p, s)`` that round-trips exact Decimals, also on SQLite.

    PostgreSQL stores NUMERIC natively. SQLite has no decimal type: the value is
    bound as text (no float conversion in Python) and read back rounded to the
    column's scale, exact for amounts below about 10^13.
    """

    impl = sa.Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        super().__init__(precision, scale, asdecimal=True)
        self._quantum = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String())
        return dialect.type_descriptor(self.impl_instance)

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        quantised = Decimal(value).quantize(self._quantum, rounding=ROUND_HALF_UP)
        return format(quantised, "f") if dialect.name == "sqlite" else quantised

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value)).quantize(self._quantum, rounding=ROUND_HALF_UP)


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


metadata = sa.MetaData()
"""The schema at the head revision (the migrations create it; this mirrors it)."""

invoices = sa.Table(
    "invoices",
    metadata,
    sa.Column("document_id", sa.String(255), primary_key=True),
    sa.Column("source_file", sa.Text()),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("quality_score", sa.Float(), nullable=False, server_default="0"),
    sa.Column("invoice_number", sa.String(255), index=True),
    sa.Column("invoice_date", sa.Date()),
    sa.Column("due_date", sa.Date()),
    sa.Column("currency", sa.String(3)),
    sa.Column("seller_name", sa.Text()),
    sa.Column("seller_address", sa.Text()),
    sa.Column("seller_vat_id", sa.String(64), index=True),
    sa.Column("buyer_name", sa.Text()),
    sa.Column("buyer_address", sa.Text()),
    sa.Column("buyer_vat_id", sa.String(64)),
    sa.Column("iban", sa.String(64)),
    sa.Column("purchase_order", sa.String(255)),
    sa.Column("subtotal", ExactDecimal(18, 2)),
    sa.Column("tax_amount", ExactDecimal(18, 2)),
    sa.Column("total_amount", ExactDecimal(18, 2)),
    sa.Column("issues", _json()),
    sa.Column("fields", _json()),
    sa.Column("extractor", sa.String(128)),
    sa.Column("ocr_engine", sa.String(128)),
    sa.Column("created_at", _timestamp(), nullable=False),
    sa.Column("updated_at", _timestamp(), nullable=False, index=True),
    sa.Column("seller_name_key", sa.String(255), index=True),
    sa.Column("invoice_number_key", sa.String(255), index=True),
    sa.Column("duplicate_of", sa.String(255)),
    sa.Column("reasons", _json()),
    sa.Index("ix_invoices_status_created_at", "status", "created_at"),
)
line_items = sa.Table(
    "line_items",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column(
        "document_id",
        sa.String(255),
        sa.ForeignKey("invoices.document_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("description", sa.Text()),
    sa.Column("quantity", ExactDecimal(20, 6)),
    sa.Column("unit_price", ExactDecimal(20, 6)),
    sa.Column("amount", ExactDecimal(18, 2)),
    sa.Column("tax_rate", ExactDecimal(7, 3)),
    sa.UniqueConstraint("document_id", "position", name="uq_line_items_document_position"),
)
document_status = sa.Table(
    "document_status",
    metadata,
    sa.Column("document_id", sa.String(255), primary_key=True),
    sa.Column("stage", sa.String(64), nullable=False),
    sa.Column("status", sa.String(32), nullable=False, index=True),
    sa.Column("reasons", _json()),
    sa.Column("created_at", _timestamp(), nullable=False),
    sa.Column("updated_at", _timestamp(), nullable=False),
)
document_stage_history = sa.Table(
    "document_stage_history",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("document_id", sa.String(255), nullable=False),
    sa.Column("stage", sa.String(64), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("reasons", _json()),
    sa.Column("run_id", sa.String(64)),
    sa.Column("at", _timestamp(), nullable=False),
    sa.Index("ix_document_stage_history_document_id_at", "document_id", "at"),
)
duplicates = sa.Table(
    "duplicates",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("sha256", sa.String(64), nullable=False, index=True),
    sa.Column("document_id", sa.String(255)),
    sa.Column("path", sa.String(1024), nullable=False),
    sa.Column("seen_at", _timestamp(), nullable=False),
    sa.UniqueConstraint("sha256", "path", name="uq_duplicates_sha256_path"),
)
invoice_reviews = sa.Table(
    "invoice_reviews",
    metadata,
    sa.Column(
        "document_id",
        sa.String(255),
        sa.ForeignKey("invoices.document_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("version", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("status", sa.String(32), index=True),
    sa.Column("reviewer", sa.String(255), nullable=False),
    sa.Column("comment", sa.Text()),
    sa.Column("corrections", _json()),
    sa.Column("overrides", _json()),
    sa.Column("reviewed_at", _timestamp(), nullable=False),
)
review_audit = sa.Table(
    "review_audit",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("document_id", sa.String(255), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("reviewer", sa.String(255), nullable=False),
    sa.Column("at", _timestamp(), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("field", sa.String(64)),
    sa.Column("value_before", sa.Text()),
    sa.Column("value_after", sa.Text()),
    sa.Column("check_name", sa.String(64)),
    sa.Column("comment", sa.Text()),
    sa.Index("ix_review_audit_document_id_id", "document_id", "id"),
)
vendor_profiles = sa.Table(
    "vendor_profiles",
    metadata,
    sa.Column("vendor_key", sa.String(255), primary_key=True),
    sa.Column("key_kind", sa.String(16), nullable=False),
    sa.Column("display_name", sa.String(512)),
    sa.Column("version", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("profile", _json(), nullable=False),
    sa.Column("learned_from", _json()),
    sa.Column("created_at", _timestamp(), nullable=False),
    sa.Column("updated_at", _timestamp(), nullable=False),
    sa.Column("forgotten_at", _timestamp()),
)
vendor_profile_history = sa.Table(
    "vendor_profile_history",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("vendor_key", sa.String(255), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("document_id", sa.String(255)),
    sa.Column("reviewer", sa.String(255)),
    sa.Column("profile", _json()),
    sa.Column("at", _timestamp(), nullable=False),
    sa.Index("ix_vendor_profile_history_vendor_key_id", "vendor_key", "id"),
)
