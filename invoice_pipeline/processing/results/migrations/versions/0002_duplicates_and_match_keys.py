"""File-level duplicates, review reasons and the match keys of the duplicate-invoice check.

Adds the ``duplicates`` table (files the drop-folder sensor saw twice), the
``reasons`` and ``duplicate_of`` columns of ``invoices``, and the indexed
``seller_name_key`` / ``invoice_number_key`` columns, filled for rows written
before this revision.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02
"""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels = None
depends_on = None

# frozen copies of validate/text.py's name_key / invoice_number_key as of this revision
_LEGAL_FORMS = set(
    "gmbh ag kg ohg ug ev co ltd limited plc llc inc corp sa sas sarl sàrl ab as asa aps bv nv "
    "oy srl spa".split()
)


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _name_key(name: str | None) -> str | None:
    if not name:
        return None
    words = re.findall(r"\w+", _strip_accents(name.splitlines()[0]).casefold())
    return " ".join(w for w in words if w not in _LEGAL_FORMS)[:255] or None


def _number_key(number: str | None) -> str | None:
    if not number:
        return None
    return re.sub(r"[^0-9A-Za-z]", "", _strip_accents(number)).upper()[:255] or None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "duplicates",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("document_id", sa.String(255)),
        sa.Column("path", sa.String(1024), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("sha256", "path", name="uq_duplicates_sha256_path"),
    )
    op.create_index("ix_duplicates_sha256", "duplicates", ["sha256"])
    op.add_column("invoices", sa.Column("seller_name_key", sa.String(255)))
    op.add_column("invoices", sa.Column("invoice_number_key", sa.String(255)))
    op.add_column("invoices", sa.Column("duplicate_of", sa.String(255)))
    op.add_column("invoices", sa.Column("reasons", _json()))
    op.create_index("ix_invoices_seller_name_key", "invoices", ["seller_name_key"])
    op.create_index("ix_invoices_invoice_number_key", "invoices", ["invoice_number_key"])

    invoices = sa.table(
        "invoices",
        sa.column("document_id", sa.String),
        sa.column("seller_name", sa.Text),
        sa.column("invoice_number", sa.String),
        sa.column("seller_name_key", sa.String),
        sa.column("invoice_number_key", sa.String),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(invoices.c.document_id, invoices.c.seller_name, invoices.c.invoice_number)
    ).all()
    for document_id, seller_name, invoice_number in rows:
        bind.execute(
            invoices.update()
            .where(invoices.c.document_id == document_id)
            .values(
                seller_name_key=_name_key(seller_name),
                invoice_number_key=_number_key(invoice_number),
            )
        )


def downgrade() -> None:
    op.drop_index("ix_invoices_invoice_number_key", table_name="invoices")
    op.drop_index("ix_invoices_seller_name_key", table_name="invoices")
    with op.batch_alter_table("invoices") as batch:
        batch.drop_column("reasons")
        batch.drop_column("duplicate_of")
        batch.drop_column("invoice_number_key")
        batch.drop_column("seller_name_key")
    op.drop_index("ix_duplicates_sha256", table_name="duplicates")
    op.drop_table("duplicates")
