"""Vendor memory: each vendor's learned profile and every version of it.

Adds ``vendor_profiles`` (one row per seller: its key such as
``vat:DE123456789`` and the kind of key, the display name, the profile's
``version``, the profile itself as JSON, the documents it was learned from,
when it was created and updated, and ``forgotten_at`` once a person forgot the
vendor) and ``vendor_profile_history`` (one row per version: the profile as it
was, the document and reviewer that taught it, and the action ``learn`` or
``forget``), so a wrong correction can be traced and undone.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "vendor_profiles",
        sa.Column("vendor_key", sa.String(255), primary_key=True),
        sa.Column("key_kind", sa.String(16), nullable=False),
        sa.Column("display_name", sa.String(512)),
        sa.Column("version", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("profile", _json(), nullable=False),
        sa.Column("learned_from", _json()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("forgotten_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "vendor_profile_history",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("vendor_key", sa.String(255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("document_id", sa.String(255)),
        sa.Column("reviewer", sa.String(255)),
        sa.Column("profile", _json()),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_vendor_profile_history_vendor_key_id", "vendor_profile_history", ["vendor_key", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_vendor_profile_history_vendor_key_id", table_name="vendor_profile_history")
    op.drop_table("vendor_profile_history")
    op.drop_table("vendor_profiles")
