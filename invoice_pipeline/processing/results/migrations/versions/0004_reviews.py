"""The review page's tables: each document's review and the audit trail of every decision.

Adds ``invoice_reviews`` (one row per reviewed document: the decision
``approved`` / ``rejected``, the reviewer, the comment, the corrected values and
the checks the reviewer overrode, and ``version``, the optimistic-concurrency
counter two reviewers of one document are checked against) and
``review_audit`` (one row per corrected field, per overridden check and per
decision: reviewer, time, field, value before and after). The extracted values
in ``invoices`` are never overwritten: a record read from the store carries the
corrections on top of them. Also indexes ``invoices`` by status and age, the
order the review queue lists.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "invoice_reviews",
        sa.Column(
            "document_id",
            sa.String(255),
            sa.ForeignKey("invoices.document_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("version", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("status", sa.String(32)),
        sa.Column("reviewer", sa.String(255), nullable=False),
        sa.Column("comment", sa.Text()),
        sa.Column("corrections", _json()),
        sa.Column("overrides", _json()),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_invoice_reviews_status", "invoice_reviews", ["status"])
    op.create_table(
        "review_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("document_id", sa.String(255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.String(255), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("field", sa.String(64)),
        sa.Column("value_before", sa.Text()),
        sa.Column("value_after", sa.Text()),
        sa.Column("check_name", sa.String(64)),
        sa.Column("comment", sa.Text()),
    )
    op.create_index("ix_review_audit_document_id_id", "review_audit", ["document_id", "id"])
    op.create_index("ix_invoices_status_created_at", "invoices", ["status", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_invoices_status_created_at", table_name="invoices")
    op.drop_index("ix_review_audit_document_id_id", table_name="review_audit")
    op.drop_table("review_audit")
    op.drop_index("ix_invoice_reviews_status", table_name="invoice_reviews")
    op.drop_table("invoice_reviews")
