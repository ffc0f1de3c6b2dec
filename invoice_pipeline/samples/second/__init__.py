"""A second, independent sample-invoice generator: other code, other layouts, same truth format.

The project's own generator (:mod:`invoice_pipeline.samples`) is what the rules
were tuned on, so accuracy on it says little about invoices in general.  This
package draws documents with its own data model (:mod:`.content`,
:mod:`.parties`), its own vocabulary (:mod:`.vocab`, :mod:`.labels`), Babel's
CLDR formats (:mod:`.locales`) and its own reportlab drawing (:mod:`.sheet`,
:mod:`.blocks`, :mod:`.layouts`, :mod:`.receipt`) in seven :data:`CLASSES`:
label-above-value boxes, seller on the right, DIN 5008 letter windows,
multi-column headers, logo text with the legal name only in the footer, "Bill
to / Ship to" blocks, and till receipts; invoice numbers mostly without
letters under many labels; totals among other amounts (discount, deposit
prepaid, paid in full); eight :data:`LOCALES`, Malaysian tills and invoices among
them.  Scans and photos go through :mod:`invoice_pipeline.samples.degrade`, the
project's one degrader.
:func:`generate_corpus` writes ``<stem>.<pdf|png|jpg>`` with a
``<stem>.truth.json`` beside each in the first generator's format
(:class:`invoice_pipeline.samples.Sample`), so
:func:`invoice_pipeline.samples.load_corpus` and ``bench/accuracy.py`` read it.
The same arguments always give the same bytes.

Command line: ``python -m invoice_pipeline.samples.second OUT_DIR [--count N]
[--seed S] [--kinds pdf,scan,photo] [--locales en-US,de-DE] [--classes receipt,logo]``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from invoice_pipeline.samples import Sample, load_corpus
from invoice_pipeline.samples.degrade import degrade_pdf

from .blocks import Printer
from .content import TOTALS_STYLES, Document, make_document
from .layouts import LAYOUTS
from .locales import LOCALES
from .receipt import receipt
from .sheet import Sheet

CLASSES: tuple[str, ...] = (*LAYOUTS, "receipt")
KINDS: tuple[str, ...] = ("pdf", "scan", "photo")

__all__ = [
    "CLASSES",
    "KINDS",
    "LOCALES",
    "Built",
    "build_document",
    "generate_corpus",
    "load_corpus",
]


@dataclass
class Built:
    """One generated document: its content, the born-digital PDF and the file to write."""

    doc: Document
    pdf: bytes
    content: bytes
    suffix: str
    pages: int
    kind: str
    shown: dict[str, str]
    """The printed form of each key field (``invoice_number``, ``invoice_date``,
    ``total_amount``, ``currency``, ``seller_name``) as it appears on the page."""
    degradation: list[dict[str, Any]] = field(default_factory=list)


def render(
    doc: Document, seed: int, vendor: int | None = None, table: str | None = None
) -> tuple[bytes, dict[str, str]]:
    """The PDF of ``doc`` and the printed form of its key fields (``vendor`` fixes the labels,
    ``table`` the items table: ``coded``, ``own`` or ``plain``, else drawn per seller)."""
    printer = Printer(doc, random.Random(f"second-render:{seed}:{doc.cls}"), table=table)
    if vendor is not None:
        printer.label_seed = f"second-vendor-labels:{vendor}:{doc.cls}"
    if doc.cls == "receipt":
        return receipt(printer), printer.shown
    sheet = Sheet(title=f"{printer.label('invoice')} {doc.number}")
    LAYOUTS[doc.cls](sheet, printer)
    return sheet.finish(), printer.shown


def build_document(
    seed: int,
    locale: str | None = None,
    cls: str | None = None,
    kind: str = "pdf",
    *,
    totals_style: str | None = None,
    vendor: int | None = None,
    table: str | None = None,
) -> Built:
    """One document; ``locale`` and ``cls`` are drawn from ``seed`` when not given.

    ``vendor`` fixes the seller and the presentation (labels, number, date and money
    formats) to one vendor's; the content still varies with ``seed``. ``table`` forces the
    items table's style (``coded``: an article code column and a unit column; ``own``: coded,
    under the seller's own column headings, which no vocabulary lists; ``plain``).
    """
    rng = random.Random(f"second-pick:{seed}")
    locale = locale or rng.choice(list(LOCALES))
    cls = cls or rng.choice(CLASSES)
    if locale not in LOCALES or cls not in CLASSES or kind not in KINDS:
        raise ValueError(f"unknown locale, class or kind: {locale!r}, {cls!r}, {kind!r}")
    doc = make_document(seed, locale, cls, totals_style, vendor=vendor)
    pdf, shown = render(doc, seed, vendor, table)
    if kind == "pdf":
        return Built(doc, pdf, pdf, ".pdf", 1, kind, shown)
    degraded = degrade_pdf(pdf, kind, seed)
    return Built(doc, pdf, degraded.data, degraded.suffix, degraded.pages, kind, shown,
                 degraded.params)  # fmt: skip


def plan(
    count: int, classes: Sequence[str], kinds: Sequence[str], locales: Sequence[str]
) -> list[tuple[str, str, str, str]]:
    """``count`` (class, kind, locale, totals style) tuples: classes cycle in order, kinds
    and locales rotate against them, so every class, kind and locale shows up evenly."""
    out = []
    invoices = 0
    for i in range(count):
        cls = classes[i % len(classes)]
        kind = kinds[(i // len(classes) + i) % len(kinds)]
        locale = locales[(i * 3 + i // len(locales)) % len(locales)]
        style = "plain"
        if cls != "receipt":
            style = TOTALS_STYLES[invoices % len(TOTALS_STYLES)]
            invoices += 1
        out.append((cls, kind, locale, style))
    return out


def generate_corpus(
    out_dir: Path,
    count: int = 14,
    *,
    seed: int = 0,
    kinds: Sequence[str] = ("pdf",),
    locales: Sequence[str] = tuple(LOCALES),
    classes: Sequence[str] = CLASSES,
) -> list[Sample]:
    """Write ``count`` documents and their ``.truth.json`` files to ``out_dir``.

    Files are named ``second-<class>-<locale>-<kind>-<n>``; the ``layout`` of each
    :class:`~invoice_pipeline.samples.Sample` is the class of document and its
    ``locale`` and ``variant`` the locale printed (``de-DE``).
    """
    if count < 0:
        raise ValueError("count must be >= 0")
    for values, allowed, what in ((kinds, KINDS, "kind"), (locales, tuple(LOCALES), "locale"),
                                  (classes, CLASSES, "class")):  # fmt: skip
        bad = [v for v in values if v not in allowed]
        if bad or not values:
            raise ValueError(f"unknown {what}(s) {bad}; use {allowed}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    samples = []
    for i, (cls, kind, locale, style) in enumerate(plan(count, classes, kinds, locales)):
        sub_seed = seed * 100_019 + i
        built = build_document(sub_seed, locale, cls, kind, totals_style=style)
        stem = f"second-{cls}-{locale}-{kind}-{i}"
        path = out_dir / f"{stem}{built.suffix}"
        path.write_bytes(built.content)
        sample = Sample(
            path=path,
            kind=kind,  # type: ignore[arg-type]
            locale=locale,
            layout=cls,
            pages=built.pages,
            truth=built.doc.to_record(stem, path.name),
            variant=locale,
            seed=sub_seed,
            degradation=built.degradation,
        )
        (out_dir / f"{stem}.truth.json").write_text(sample.model_dump_json(indent=2) + "\n")
        samples.append(sample)
    return samples
