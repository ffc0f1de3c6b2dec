"""Born-digital invoice PDFs drawn with reportlab in four visibly different layouts.

:func:`render_pdf` (in :mod:`.document`) draws an
:class:`~invoice_pipeline.samples.invoice_data.InvoiceData` as ``classic``
(seller top left, a label: value meta block top right, Times), ``modern`` (a
coloured header band, labels above values in columns, zebra table, Helvetica),
``compact`` (DIN-style window address with the buyer on the left, meta data in
a bordered two-column table, a gridded item table with article numbers and a
four-column footer) or ``minimal`` (everything left-aligned in Courier,
quantity first in the item table or no quantity column at all, totals
right-aligned at the bottom of the last page), one module per layout on the
shared machinery of :mod:`.layout` and :mod:`.pen`.  Labels (:mod:`.labels`),
number, money and date formats follow the locale, and the wording of the
labels changes between layouts (:mod:`.style`).  Long item lists continue over
further pages with the table header repeated, totals on the last page and
"Page n of m" footers.  Only the PDF base-14 fonts are used, and only
characters of their WinAnsi encoding, so the text layer reads back exactly.
Output is byte-for-byte reproducible (reportlab's ``invariant`` mode).
"""

from .document import LAYOUT_CLASSES, Rendered, number_as_printed, render_pdf
from .style import LAYOUTS, Style, choose_style

__all__ = [
    "LAYOUTS",
    "LAYOUT_CLASSES",
    "Rendered",
    "Style",
    "choose_style",
    "number_as_printed",
    "render_pdf",
]
