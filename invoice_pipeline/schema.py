"""The contracts passed between the stages: one pydantic model per asset value.

Every model here is plain data (JSON round-trips through ``model_dump_json`` /
``model_validate_json``), so the IO manager can store it anywhere fsspec
reaches and a step in another pod can read it back. Money is ``Decimal``,
dates are ``datetime.date``; the flat :class:`InvoiceRecord` is the record of
DESIGN.md that the CLI, the results database and the Parquet table share, and
its fields are the one field list of the record: the annotations
:class:`DecimalText` and :class:`DateText` say which of its strings hold a
number or a date, and ``processing/results/columns.py`` derives the columns of
the results database and of the Parquet table from them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

Box = tuple[float, float, float, float]
"""x0, y0, x1, y1 in page coordinates, origin top left (see ``OcrPage.unit``)."""

DocumentKind = Literal["pdf", "image", "xml", "unsupported"]
Status = Literal["approved", "manual_review", "failed"]
"""The pipeline's decision on a document."""
RecordStatus = Literal["approved", "manual_review", "failed", "rejected"]
"""A record's status: the pipeline's decision, or a reviewer's (approved or rejected)."""

KEY_FIELDS: tuple[str, ...] = (
    "invoice_number",
    "invoice_date",
    "total_amount",
    "currency",
    "seller_name",
)
"""The fields an approved invoice must have right (DESIGN.md, bench)."""

TEXT_FIELDS: tuple[str, ...] = (
    "invoice_number",
    "invoice_date",
    "due_date",
    "currency",
    "seller_name",
    "seller_address",
    "seller_vat_id",
    "buyer_name",
    "buyer_address",
    "buyer_vat_id",
    "iban",
    "purchase_order",
    "subtotal",
    "tax_amount",
    "total_amount",
)
"""Every header field of the invoice record, in record order."""

MONEY_FIELDS: tuple[str, ...] = ("subtotal", "tax_amount", "total_amount")
DATE_FIELDS: tuple[str, ...] = ("invoice_date", "due_date")


@dataclass(frozen=True)
class DecimalText:
    """Marks a record string that holds a decimal number, such as ``"1234.50"``.

    ``precision`` and ``scale`` are those of its column (SQL ``Numeric``, Arrow
    ``decimal128``); ``style`` says how a stored number is written back as text:
    ``money`` and ``price`` with at least two decimals, ``quantity`` without
    padding zeros.
    """

    precision: int
    scale: int
    style: Literal["money", "price", "quantity"]


@dataclass(frozen=True)
class DateText:
    """Marks a record string that holds an ISO date (a ``Date`` column, Arrow ``date32``)."""


MoneyText = Annotated[str | None, DecimalText(18, 2, "money")]
PriceText = Annotated[str | None, DecimalText(20, 6, "price")]
QuantityText = Annotated[str | None, DecimalText(20, 6, "quantity")]
RateText = Annotated[str | None, DecimalText(7, 3, "quantity")]
DateString = Annotated[str | None, DateText()]


class Issue(BaseModel):
    """One problem found with a document: machine-readable code, the field, a sentence."""

    code: str
    message: str
    field: str | None = None
    severity: Literal["error", "warning", "info"] = "error"
    stage: str | None = None


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- raw


class DocumentEntry(_Model):
    """A registered document: written by the sensor or the CLI before its run starts.

    The ``raw`` asset reads it to find the bytes of its partition.
    """

    document_id: str
    source_file: str
    file_name: str
    sha256: str
    size_bytes: int
    subfolder: str | None = None
    origin: Literal["sensor", "cli", "backfill"] = "cli"
    registered_at: dt.datetime


class RawDocument(_Model):
    """A document as received: its archived bytes and what its content says it is."""

    document_id: str
    source_file: str
    file_name: str
    sha256: str
    size_bytes: int
    archive_path: str | None = None
    media_type: str | None = None
    kind: DocumentKind = "unsupported"
    page_count: int = 0
    text_layer_pages: list[int] = Field(default_factory=list)
    embedded_xml: str | None = None
    """Name of an embedded e-invoice XML attachment (Factur-X/ZUGFeRD/XRechnung)."""
    subfolder: str | None = None
    received_at: dt.datetime | None = None
    issues: list[Issue] = Field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(i.severity == "error" for i in self.issues)


# ------------------------------------------------------------------- preprocessed


class PageImage(BaseModel):
    """One page ready for OCR: pixels (or a text layer), size and what was done to it."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    page_number: int
    width: int = 0
    height: int = 0
    dpi: float | None = None
    has_text_layer: bool = False
    steps: list[str] = Field(default_factory=list)
    rotation: int = 0
    skew_degrees: float = 0.0
    image: np.ndarray | None = Field(default=None, exclude=True, repr=False)
    """Grayscale or BGR uint8 pixels; stored by the IO manager as PNG, not in JSON."""
    error: str | None = None


class PreprocessedDocument(BaseModel):
    """The pages of one document after rendering and image clean-up."""

    document_id: str
    kind: DocumentKind = "unsupported"
    pages: list[PageImage] = Field(default_factory=list)
    issues: list[Issue] = Field(default_factory=list)
    failed: bool = False

    def release_images(self) -> None:
        """Let go of the page arrays (once read): a long scan holds ~4 MB a page."""
        for page in self.pages:
            page.image = None


# ------------------------------------------------------------------------- OCR


class OcrWord(_Model):
    text: str
    box: Box
    confidence: float = 1.0


class OcrLine(_Model):
    """A line of text with its box; ``row`` groups the lines of one table row."""

    id: str
    page: int
    text: str
    box: Box
    confidence: float = 1.0
    row: int | None = None
    words: list[OcrWord] = Field(default_factory=list)


class OcrPage(_Model):
    number: int
    width: float
    height: float
    unit: Literal["pt", "px"] = "px"
    engine: str
    lines: list[OcrLine] = Field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None


class OcrDocument(_Model):
    """All text of a document in reading order, with boxes and confidences."""

    document_id: str
    engine: str
    pages: list[OcrPage] = Field(default_factory=list)
    xml: str | None = None
    """The e-invoice XML text when the document carries one (the exact source)."""
    source_file: str | None = None
    issues: list[Issue] = Field(default_factory=list)
    failed: bool = False

    @property
    def lines(self) -> list[OcrLine]:
        return [line for page in self.pages for line in page.lines]

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def mean_confidence(self) -> float:
        lines = self.lines
        return sum(line.confidence for line in lines) / len(lines) if lines else 0.0


# ------------------------------------------------------------------- extraction


class FieldValue(_Model):
    """An extracted value as printed, with its confidence and evidence."""

    value: str | None = None
    confidence: float = 0.0
    line_ids: list[str] = Field(default_factory=list)
    page: int | None = None
    box: Box | None = None
    score: float | None = None
    """The learned scorer's probability for this value (uncalibrated; None without it)."""
    source: str | None = None
    """Where the value was read when not by the extractor itself, such as
    ``vendor_profile:vat:DE123456789@v3`` (a learned vendor profile and its version)."""


class ExtractedLineItem(_Model):
    description: str | None = None
    quantity: str | None = None
    unit_price: str | None = None
    amount: str | None = None
    tax_rate: str | None = None
    confidence: float = 0.0
    line_ids: list[str] = Field(default_factory=list)


class Usage(_Model):
    provider: str
    model: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    latency_s: float = 0.0
    cost_usd: float = 0.0
    cached: bool = False
    attempts: int = 1


class VatBreakdown(_Model):
    """One VAT rate of an invoice's tax summary: the rate, its taxable amount and its tax.

    An e-invoice states it exactly (EN 16931 BG-23: BT-116, BT-117, BT-119); a printed
    invoice may print it as a VAT summary table.
    """

    rate: Decimal | None = None
    basis: Decimal | None = None
    tax: Decimal | None = None


class ExtractedInvoice(_Model):
    """Fields as a provider read them from the text: strings, not yet normalised."""

    document_id: str
    provider: str
    model: str | None = None
    language: str | None = None
    fields: dict[str, FieldValue] = Field(default_factory=dict)
    line_items: list[ExtractedLineItem] = Field(default_factory=list)
    usage: Usage | None = None
    vat_breakdown: list[VatBreakdown] = Field(default_factory=list)
    """The per-rate VAT summary where the source states one (e-invoice XML)."""
    issues: list[Issue] = Field(default_factory=list)
    failed: bool = False

    def get(self, name: str) -> str | None:
        fv = self.fields.get(name)
        return fv.value if fv else None


# --------------------------------------------------------------- validated record


class Evidence(_Model):
    confidence: float = 0.0
    page: int | None = None
    box: Box | None = None
    line_ids: list[str] = Field(default_factory=list)
    text: str | None = None
    score: float | None = None
    """The learned scorer's probability (None without it); calibration reads it."""
    source: str | None = None
    """``FieldValue.source`` of the value (a vendor profile and its version), if any."""


class LineItem(_Model):
    description: str | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    amount: Decimal | None = None
    tax_rate: Decimal | None = None


class Invoice(_Model):
    """The normalised invoice: ISO dates, ISO 4217 currency, Decimal money."""

    document_id: str
    source_file: str | None = None
    invoice_number: str | None = None
    invoice_date: dt.date | None = None
    due_date: dt.date | None = None
    currency: str | None = None
    seller_name: str | None = None
    seller_address: str | None = None
    seller_vat_id: str | None = None
    buyer_name: str | None = None
    buyer_address: str | None = None
    buyer_vat_id: str | None = None
    iban: str | None = None
    purchase_order: str | None = None
    subtotal: Decimal | None = None
    tax_amount: Decimal | None = None
    total_amount: Decimal | None = None
    tax_rate: Decimal | None = None
    language: str | None = None
    line_items: list[LineItem] = Field(default_factory=list)
    evidence: dict[str, Evidence] = Field(default_factory=dict)
    derived: list[str] = Field(default_factory=list)
    """Fields computed from others (for example total = subtotal + tax)."""
    extractor: str | None = None
    ocr_engine: str | None = None
    ocr_confidence: float | None = None
    """Mean OCR line confidence (None for a text layer or e-invoice without lines)."""
    printed_rates: list[Decimal] = Field(default_factory=list)
    """Percentages printed on the document (7 %, 19 %): evidence of mixed VAT rates."""
    vat_breakdown: list[VatBreakdown] = Field(default_factory=list)
    """The per-rate VAT summary (e-invoice BG-23); the truth for the tax rate check."""
    allowance_total: Decimal | None = None
    """Document-level allowances (e-invoice BT-107): the line items minus these are the net."""
    charge_total: Decimal | None = None
    """Document-level charges (e-invoice BT-108): the line items plus these are the net."""
    prepaid_amount: Decimal | None = None
    """Amount already paid (e-invoice BT-113): the amount due is the total minus this."""
    seller_evidence: list[str] = Field(default_factory=list)
    """What on the page corroborates the seller (issuer label, VAT id in its block, ...)."""
    issues: list[Issue] = Field(default_factory=list)
    failed: bool = False


class Check(_Model):
    name: str
    passed: bool
    message: str = ""
    field: str | None = None
    blocking: bool = True


class Evaluation(_Model):
    """The decision on one document, with every reason and the final record."""

    document_id: str
    status: Status
    quality_score: float
    checks: list[Check] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)
    duplicate_of: str | None = None
    record: InvoiceRecord


class RecordLineItem(_Model):
    description: str | None = None
    quantity: QuantityText = None
    unit_price: PriceText = None
    amount: MoneyText = None
    tax_rate: RateText = None


class InvoiceRecord(_Model):
    """The flat record of DESIGN.md: the CLI's JSON line, a results row, a Parquet row."""

    document_id: str
    source_file: str | None = None
    status: RecordStatus = "failed"
    quality_score: float = 0.0
    invoice_number: str | None = None
    invoice_date: DateString = None
    due_date: DateString = None
    currency: str | None = None
    seller_name: str | None = None
    seller_address: str | None = None
    seller_vat_id: str | None = None
    buyer_name: str | None = None
    buyer_address: str | None = None
    buyer_vat_id: str | None = None
    iban: str | None = None
    purchase_order: str | None = None
    subtotal: MoneyText = None
    tax_amount: MoneyText = None
    total_amount: MoneyText = None
    line_items: list[RecordLineItem] = Field(default_factory=list)
    issues: list[Issue] = Field(default_factory=list)
    fields: dict[str, Evidence] = Field(default_factory=dict)
    """Per-field confidence and, where OCR produced it, page and box."""
    extractor: str | None = None
    ocr_engine: str | None = None
    reasons: list[str] = Field(default_factory=list)
    """Why the document is not approved (the review queue shows these)."""
    duplicate_of: str | None = None
    """document_id of the earlier document this invoice duplicates."""


Evaluation.model_rebuild()

RECORD_STRING_FIELDS: tuple[str, ...] = tuple(
    name
    for name, field in InvoiceRecord.model_fields.items()
    if field.annotation == (str | None) and not field.metadata
)
"""The plain text fields of an :class:`InvoiceRecord` (no number, no date), in record order."""

MODELS: dict[str, type[BaseModel]] = {
    m.__name__: m
    for m in (
        RawDocument,
        PreprocessedDocument,
        OcrDocument,
        ExtractedInvoice,
        Invoice,
        Evaluation,
        InvoiceRecord,
    )
}
"""Models by name: the IO manager stores the name beside the value."""


def record_decimal(value: str | None) -> Decimal | None:
    """A record's decimal string as a Decimal; None when empty or not a finite number."""
    if value is None or value == "":
        return None
    try:
        number = Decimal(value)
    except (ArithmeticError, ValueError):
        return None
    return number if number.is_finite() else None


def record_date(value: str | None) -> dt.date | None:
    """A record's ISO date string as a date; None when empty or malformed."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def model_dump_jsonable(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
