"""A reportlab canvas addressed in millimetres from the top-left corner.

:class:`Sheet` is the only drawing surface of the second generator: text in
the Bitstream Vera TrueType fonts shipped inside reportlab (embedded, so the
text layer carries every accented letter and the euro sign), Courier for till
receipts, boxes, rules and filled bands.  ``finish()`` returns the PDF bytes;
the document's creation date is fixed so the same drawing gives the same bytes.
"""

from __future__ import annotations

import io
from pathlib import Path

import reportlab
from reportlab.lib.colors import HexColor
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

_FONT_DIR = Path(reportlab.__file__).parent / "fonts"
FONTS = {
    ("sans", False): "S2Vera",
    ("sans", True): "S2VeraBd",
    ("sans-italic", False): "S2VeraIt",
    ("sans-italic", True): "S2VeraBI",
    ("mono", False): "Courier",
    ("mono", True): "Courier-Bold",
}
_registered = False


def _register() -> None:
    global _registered
    if _registered:
        return
    for name, file in (
        ("S2Vera", "Vera.ttf"),
        ("S2VeraBd", "VeraBd.ttf"),
        ("S2VeraIt", "VeraIt.ttf"),
        ("S2VeraBI", "VeraBI.ttf"),
    ):
        pdfmetrics.registerFont(TTFont(name, str(_FONT_DIR / file)))
    _registered = True


class Sheet:
    """One page: ``width`` x ``height`` millimetres, y measured downwards."""

    def __init__(self, width: float = 210, height: float = 297, *, title: str = "") -> None:
        _register()
        self.width, self.height = width, height
        self.buffer = io.BytesIO()
        self.canvas = Canvas(self.buffer, pagesize=(width * mm, height * mm), invariant=1)
        self.canvas.setTitle(title)
        self.canvas.setAuthor("invoice-pipeline second sample generator")

    def font(self, family: str = "sans", bold: bool = False) -> str:
        return FONTS[(family, bold)]

    def width_of(self, text: str, size: float, family: str = "sans", bold: bool = False) -> float:
        """Printed width of ``text`` in millimetres."""
        return pdfmetrics.stringWidth(text, self.font(family, bold), size) / mm

    def text(
        self,
        x: float,
        y: float,
        text: str,
        size: float = 9,
        *,
        bold: bool = False,
        family: str = "sans",
        align: str = "left",
        color: str = "#111111",
    ) -> None:
        """``text`` with its baseline at ``y``; ``align`` left, right or center at ``x``."""
        c = self.canvas
        c.setFillColor(HexColor(color))
        c.setFont(self.font(family, bold), size)
        draw = {"left": c.drawString, "right": c.drawRightString, "center": c.drawCentredString}
        draw[align](x * mm, (self.height - y) * mm, text)

    def lines(self, x: float, y: float, lines: list[str] | tuple[str, ...], size: float = 9,
              leading: float | None = None, **kw: object) -> float:  # fmt: skip
        """Several lines from baseline ``y`` downwards; returns the baseline after the last."""
        step = leading or size * 0.45
        for line in lines:
            self.text(x, y, line, size, **kw)  # type: ignore[arg-type]
            y += step
        return y

    def rect(self, x: float, y: float, w: float, h: float, *, stroke: str | None = "#444444",
             fill: str | None = None, width: float = 0.6) -> None:  # fmt: skip
        c = self.canvas
        c.setLineWidth(width)
        if stroke:
            c.setStrokeColor(HexColor(stroke))
        if fill:
            c.setFillColor(HexColor(fill))
        c.rect(x * mm, (self.height - y - h) * mm, w * mm, h * mm,
               stroke=int(bool(stroke)), fill=int(bool(fill)))  # fmt: skip

    def rule(self, x1: float, y1: float, x2: float, y2: float, *, color: str = "#555555",
             width: float = 0.5, dash: tuple[float, ...] | None = None) -> None:  # fmt: skip
        c = self.canvas
        c.setStrokeColor(HexColor(color))
        c.setLineWidth(width)
        c.setDash(*(dash,) if dash else ())
        c.line(x1 * mm, (self.height - y1) * mm, x2 * mm, (self.height - y2) * mm)
        c.setDash()

    def finish(self) -> bytes:
        self.canvas.showPage()
        self.canvas.save()
        return self.buffer.getvalue()
