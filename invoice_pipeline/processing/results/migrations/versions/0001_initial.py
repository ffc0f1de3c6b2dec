"""The first schema: invoices, their line items and the status of each document.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "invoices",
        sa.Column("document_id", sa.String(255), primary_key=True),
        sa.Column("source_file", sa.Text()),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("quality_score", sa.Float(), nullable=False, server_default="0"),
        sa.Column("invoice_number", sa.String(255)),
        sa.Column("invoice_date", sa.Date()),
        sa.Column("due_date", sa.Date()),
        sa.Column("currency", sa.String(3)),
        sa.Column("seller_name", sa.Text()),
        sa.Column("seller_address", sa.Text()),
        sa.Column("seller_vat_id", sa.String(64)),
        sa.Column("buyer_name", sa.Text()),
        sa.Column("buyer_address", sa.Text()),
        sa.Column("buyer_vat_id", sa.String(64)),
        sa.Column("iban", sa.String(64)),
        sa.Column("purchase_order", sa.String(255)),
        sa.Column("subtotal", sa.Numeric(18, 2)),
        sa.Column("tax_amount", sa.Numeric(18, 2)),
        sa.Column("total_amount", sa.Numeric(18, 2)),
        sa.Column("issues", _json()),
        sa.Column("fields", _json()),
        sa.Column("extractor", sa.String(128)),
        sa.Column("ocr_engine", sa.String(128)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_invoices_status", "invoices", ["status"])
    op.create_index("ix_invoices_invoice_number", "invoices", ["invoice_number"])
    op.create_index("ix_invoices_seller_vat_id", "invoices", ["seller_vat_id"])
    op.create_index("ix_invoices_updated_at", "invoices", ["updated_at"])

    op.create_table(
        "line_items",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "document_id",
            sa.String(255),
            sa.ForeignKey("invoices.document_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("quantity", sa.Numeric(20, 6)),
        sa.Column("unit_price", sa.Numeric(20, 6)),
        sa.Column("amount", sa.Numeric(18, 2)),
        sa.Column("tax_rate", sa.Numeric(7, 3)),
        sa.UniqueConstraint("document_id", "position", name="uq_line_items_document_position"),
    )
    op.create_index("ix_line_items_document_id", "line_items", ["document_id"])

    op.create_table(
        "document_status",
        sa.Column("document_id", sa.String(255), primary_key=True),
        sa.Column("stage", sa.String(64), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("reasons", _json()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_document_status_status", "document_status", ["status"])


def downgrade() -> None:
    op.drop_table("document_status")
    op.drop_index("ix_line_items_document_id", table_name="line_items")
    op.drop_table("line_items")
    op.drop_table("invoices")
