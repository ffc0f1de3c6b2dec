"""Seeded sample invoices with exact ground truth: born-digital PDFs, scans and photos.

The tests, the ``demo`` command and the benchmarks draw their inputs from here.
:func:`generate_invoice` turns a seed and a locale (``en``, ``de``, ``fr``,
``sv``; ``en`` is en-US or en-GB by seed) into one file in one of the
:data:`LAYOUTS`, as a born-digital ``pdf``, a ``scan`` or a ``photo``, and
returns its bytes, file suffix and the truth as an
:class:`~invoice_pipeline.schema.InvoiceRecord` (status ``approved``, money as
``"1234.56"`` strings, ISO dates, VAT ids and IBAN in compact form, addresses
as the printed lines joined with ``", "``).  :func:`generate_corpus` writes a
balanced set of such files with a ``<stem>.truth.json`` beside each (the
:class:`Sample` as JSON) and :func:`load_corpus` reads one back.  A
multi-page scan or photo is one multi-page TIFF (see :mod:`.degrade`).  The
content is drawn by :mod:`.invoices` (with :mod:`.parties`, :mod:`.locales` and
the :mod:`.invoice_data` model), printed by :mod:`.render` and scanned or
photographed by :mod:`.degrade`, the one degrader (the OCR pages of
:mod:`.synthetic` use it too).  The same arguments always give the same files.

Command line: ``python -m invoice_pipeline.samples OUT_DIR
[--count N] [--seed S] [--kinds pdf,scan,photo] [--locales en,de]``.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from invoice_pipeline.schema import InvoiceRecord

from .degrade import ROTATIONS, degrade_pdf
from .invoice_data import InvoiceData
from .invoices import make_invoice
from .locales import LOCALES
from .render import LAYOUTS, Rendered, render_pdf

Kind = Literal["pdf", "scan", "photo"]
KINDS: tuple[str, ...] = ("pdf", "scan", "photo")

__all__ = [
    "KINDS",
    "LAYOUTS",
    "LOCALES",
    "Sample",
    "generate_corpus",
    "generate_invoice",
    "load_corpus",
]


class Sample(BaseModel):
    """One generated file and its ground truth (also written as ``<stem>.truth.json``)."""

    path: Path
    kind: Kind
    locale: str
    """The locale asked for: ``en``, ``de``, ``fr`` or ``sv`` (or ``en-US``/``en-GB``)."""
    layout: str
    pages: int
    truth: InvoiceRecord
    variant: str = ""
    """The regional locale actually drawn: ``en-US``, ``en-GB``, ``de``, ``fr``, ``sv``."""
    seed: int = 0
    rotation: int = 0
    """Clockwise turn applied to scan/photo pages (0, 90, 180, 270)."""
    degradation: list[dict[str, Any]] = Field(default_factory=list)
    """Per page: skew, blur, noise, JPEG quality, photo corners (scan and photo only)."""


@dataclass
class Built:
    """Everything one generation produced, before it is written anywhere."""

    data: InvoiceData
    rendered: Rendered
    content: bytes
    suffix: str
    pages: int
    layout: str
    kind: str
    rotation: int = 0
    degradation: list[dict[str, Any]] = field(default_factory=list)

    def truth(self, document_id: str, source_file: str | None = None) -> InvoiceRecord:
        return self.data.to_record(document_id, source_file)


def _pick_layout(seed: int, locale: str) -> str:
    return random.Random(f"layout:{seed}:{locale}").choice(LAYOUTS)


def build_invoice(
    seed: int,
    locale: str,
    layout: str | None = None,
    kind: str = "pdf",
    *,
    items: int | None = None,
    rotation: int = 0,
    vendor: int | None = None,
) -> Built:
    """Generate one invoice and keep every intermediate (data, PDF, degradation).

    ``vendor`` fixes the seller and the presentation (style, labels, number format)
    to one vendor's, drawn from that seed; the content still varies with ``seed``.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; use one of {KINDS}")
    if kind == "pdf" and rotation:
        raise ValueError("rotation applies to scans and photos only")
    layout = layout or _pick_layout(seed, locale)
    data = make_invoice(seed, locale, items=items, vendor=vendor)
    rendered = render_pdf(data, layout, seed if vendor is None else vendor)
    if kind == "pdf":
        return Built(data, rendered, rendered.pdf, ".pdf", rendered.pages, layout, kind)
    degraded = degrade_pdf(rendered.pdf, kind, seed, rotation=rotation)
    return Built(
        data,
        rendered,
        degraded.data,
        degraded.suffix,
        degraded.pages,
        layout,
        kind,
        rotation,
        degraded.params,
    )


def generate_invoice(
    seed: int,
    locale: str,
    layout: str | None = None,
    kind: str = "pdf",
    *,
    items: int | None = None,
    rotation: int = 0,
) -> tuple[bytes, str, InvoiceRecord]:
    """One invoice file: ``(file bytes, file suffix, truth)``.

    ``layout`` is one of :data:`LAYOUTS` (``None``: chosen by seed); ``kind`` is
    ``pdf``, ``scan`` or ``photo``; ``items`` fixes the number of line items
    (default 1 to 25 by seed; 30 or more usually spans two or three pages);
    ``rotation`` turns scan/photo pages clockwise by 90, 180 or 270 degrees.
    The invoice content depends only on ``seed`` and ``locale``, so the same
    seed in another layout or kind has the same truth.
    """
    built = build_invoice(seed, locale, layout, kind, items=items, rotation=rotation)
    document_id = f"sample-{locale}-{built.layout}-{kind}-{seed}"
    return built.content, built.suffix, built.truth(document_id)


def _plan(
    count: int, locales: Sequence[str], layouts: Sequence[str], kinds: Sequence[str]
) -> list[tuple[str, str, str]]:
    """``count`` (locale, layout, kind) triples, each dimension cycled evenly.

    Locales repeat in order; within that, the least used layout for the locale,
    then the least used kind, is taken, and no combination repeats before all
    have been used once.
    """
    combos = [(lo, la, k) for lo in locales for la in layouts for k in kinds]
    used: Counter[tuple[str, ...]] = Counter()
    plan = []
    for i in range(count):
        locale = locales[i % len(locales)]

        def key(c: tuple[str, str, str]) -> tuple[int, ...]:
            lo, la, k = c
            return (
                used[c],
                used[("pair", lo, la)],
                used[("layout", la)],
                used[("kind", k)],
                used[("locale-kind", lo, k)],
                combos.index(c),
            )

        choice = min((c for c in combos if c[0] == locale), key=key)
        lo, la, k = choice
        used.update([choice, ("pair", lo, la), ("layout", la), ("kind", k), ("locale-kind", lo, k)])
        plan.append(choice)
    return plan


def generate_corpus(
    out_dir: Path,
    count: int = 12,
    *,
    seed: int = 0,
    locales: Sequence[str] = ("en", "de", "fr", "sv"),
    kinds: Sequence[str] = ("pdf",),
    multipage_share: float = 0.15,
    rotated_share: float = 0.0,
    layouts: Sequence[str] = LAYOUTS,
) -> list[Sample]:
    """Write ``count`` invoices to ``out_dir`` with a ``.truth.json`` beside each.

    Files are named ``<locale>-<layout>-<kind>-<n>.<pdf|png|jpg|tif>``; locales,
    layouts and kinds are cycled evenly.  About ``multipage_share`` of the
    invoices carry enough line items to run over two or three pages, and about
    ``rotated_share`` of the scans and photos are turned by 90/180/270 degrees.
    """
    if count < 0:
        raise ValueError("count must be >= 0")
    for value, allowed, what in (
        (kinds, KINDS, "kind"),
        (layouts, LAYOUTS, "layout"),
    ):
        bad = [v for v in value if v not in allowed]
        if bad or not value:
            raise ValueError(f"unknown {what}(s) {bad}; use {allowed}")
    if not locales:
        raise ValueError("no locales given")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"corpus:{seed}")
    samples = []
    english = 0
    for i, (locale, layout, kind) in enumerate(_plan(count, locales, layouts, kinds)):
        sub_seed = seed * 100_003 + i
        drawn = locale
        if locale == "en":  # alternate en-US and en-GB instead of leaving it to chance
            drawn = ("en-US", "en-GB")[(english + seed) % 2]
            english += 1
        multipage = int((i + 1) * multipage_share) > int(i * multipage_share)
        rotation = 0
        if kind != "pdf" and rng.random() < rotated_share:
            rotation = rng.choice(ROTATIONS[1:])
        items = rng.randint(30, 55) if multipage else None
        built = build_invoice(sub_seed, drawn, layout, kind, items=items, rotation=rotation)
        while multipage and built.pages < 2 and items is not None and items < 200:
            items += 15
            built = build_invoice(sub_seed, drawn, layout, kind, items=items, rotation=rotation)
        stem = f"{locale}-{layout}-{kind}-{i}"
        path = out_dir / f"{stem}{built.suffix}"
        path.write_bytes(built.content)
        sample = Sample(
            path=path,
            kind=kind,  # type: ignore[arg-type]
            locale=locale,
            layout=layout,
            pages=built.pages,
            truth=built.truth(stem, path.name),
            variant=built.data.locale,
            seed=sub_seed,
            rotation=rotation,
            degradation=built.degradation,
        )
        (out_dir / f"{stem}.truth.json").write_text(sample.model_dump_json(indent=2) + "\n")
        samples.append(sample)
    return samples


def load_corpus(directory: Path) -> list[Sample]:
    """The samples of a folder written by :func:`generate_corpus`, in file-name order.

    ``path`` is re-pointed into ``directory``, so a moved corpus still loads.
    """
    directory = Path(directory)
    samples = []
    for truth in sorted(directory.glob("*.truth.json")):
        sample = Sample.model_validate_json(truth.read_text())
        sample.path = directory / sample.path.name
        samples.append(sample)
    return samples
