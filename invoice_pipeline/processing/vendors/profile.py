"""The pydantic models of a vendor profile: one rule per field, the vendor's constants."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

RelBox = tuple[float, float, float, float]
"""x0, y0, x1, y1 as fractions of the page's width and height (0..1)."""

ValueKind = Literal["date", "amount", "id"]
Relation = Literal["same_line", "right", "below"]
KeyKind = Literal["vat", "iban", "reg", "name"]

LOCATED_FIELDS: dict[str, ValueKind] = {
    "invoice_number": "id",
    "invoice_date": "date",
    "due_date": "date",
    "purchase_order": "id",
    "subtotal": "amount",
    "tax_amount": "amount",
    "total_amount": "amount",
}
"""The fields read from a place on the page, and the kind of value each holds."""

CONSTANT_FIELDS: tuple[str, ...] = (
    "seller_name",
    "seller_address",
    "seller_vat_id",
    "iban",
    "currency",
)
"""The fields that are the vendor's own and the same on each of its invoices."""


class FieldRule(BaseModel):
    """Where and how one field is printed on this vendor's invoices."""

    field: str
    kind: ValueKind
    label: str
    """The label text as printed next to (or above) the value."""
    relation: Relation
    """The value is on the label's line after it, right of it on the same row, or below it."""
    label_box: RelBox
    value_box: RelBox
    offset: tuple[float, float]
    """The value's top left minus the label's top left, in page fractions."""
    region: str
    """The page region of the value: ``top|middle|bottom``-``left|centre|right``."""
    page_from_end: int = 0
    """0: the last page, 1: the one before, ... (totals sit on the last page)."""
    day_first: bool | None = None
    """Dates: whether a numeric date prints the day before the month."""
    decimal_separator: str | None = None
    """Amounts: ``,`` or ``.``."""
    shape: str | None = None
    """Ids: the printed shape, letters as ``A`` and digits as ``9`` (``RE-99999``)."""
    words: int = 1
    learned_from: str
    """The document that taught this rule."""


class ColumnRule(BaseModel):
    """One column of the vendor's line-item table: its kind, header label and x range."""

    kind: str
    """``description``, ``quantity``, ``unit_price``, ``amount`` or ``tax_rate``."""
    label: str
    """The header words over the column (empty where the header has none)."""
    label_box: RelBox
    x0: float
    x1: float
    """The x range the column's values spanned on the confirmed page."""


class TableRule(BaseModel):
    """The vendor's line-item table: its columns, header and the row that ends it."""

    columns: list[ColumnRule]
    header: str
    end_label: str = ""
    """The text of the row under the last item (a subtotal line), where there is one."""
    decimal_separator: str | None = None
    items: int = 0
    """How many confirmed items taught it."""
    learned_from: str


class VendorProfile(BaseModel):
    """What the pipeline knows about one seller: its identity, constants and field rules."""

    vendor_key: str
    key_kind: KeyKind
    display_name: str
    ids: list[str] = Field(default_factory=list)
    """Compact VAT ids, IBANs and registration ids of the seller; any one on a page identifies it."""
    name_key: str = ""
    postcode: str | None = None
    constants: dict[str, str] = Field(default_factory=dict)
    """seller_name, seller_address, seller_vat_id, iban, currency as confirmed."""
    fields: dict[str, FieldRule] = Field(default_factory=dict)
    table: TableRule | None = None
    """The line-item table's columns, learned from confirmed items that add up."""
    version: int = 0
    learned_from: list[str] = Field(default_factory=list)
    updated_at: dt.datetime | None = None
    forgotten_at: dt.datetime | None = None

    @property
    def known_fields(self) -> list[str]:
        """The fields the profile reads: its located fields, and ``line_items`` with a table."""
        return [*sorted(self.fields), *(["line_items"] if self.table is not None else [])]

    @property
    def source(self) -> str:
        """How the evidence of a value read through this profile names it."""
        return f"vendor_profile:{self.vendor_key}@v{self.version}"
