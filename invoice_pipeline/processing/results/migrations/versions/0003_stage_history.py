"""The history of each document's stages: one row per stage reached, with its run.

Adds ``document_stage_history`` (document, stage, status, reasons, time, Dagster
run id), written as each document reaches a stage, so ``invoice-pipeline status
ID --history`` can list when every stage happened; ``document_status`` keeps the
latest row per document.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "document_stage_history",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("document_id", sa.String(255), nullable=False),
        sa.Column("stage", sa.String(64), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("reasons", _json()),
        sa.Column("run_id", sa.String(64)),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_document_stage_history_document_id_at",
        "document_stage_history",
        ["document_id", "at"],
    )


def downgrade() -> None:
    op.drop_index("ix_document_stage_history_document_id_at", table_name="document_stage_history")
    op.drop_table("document_stage_history")
