"""Safe XML parsing of e-invoices, and recognising the syntax: CII, ZUGFeRD 1.0 or UBL.

Every e-invoice XML goes through :func:`safe_root`: lxml without DTD loading,
entity expansion or network access, with a size limit; a document that
declares a DTD or entities is refused outright (:class:`UnsafeXmlError`), so
XXE and entity-expansion payloads never get expanded. :func:`syntax_of` names
the syntax of a root element and :func:`is_einvoice_xml` answers, without
raising, whether some bytes are an e-invoice at all.
"""

from __future__ import annotations

from lxml import etree

MAX_XML_BYTES = 20 * 1024 * 1024
"""E-invoice XML larger than this is not parsed (real ones are kilobytes)."""

NS_CII = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
NS_ZUGFERD1 = "urn:ferd:CrossIndustryDocument:invoice:1p0"
NS_UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_UBL_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"

_ROOTS: dict[tuple[str, str], str] = {
    (NS_CII, "CrossIndustryInvoice"): "cii",
    (NS_ZUGFERD1, "CrossIndustryDocument"): "zugferd1",
    (NS_UBL_INVOICE, "Invoice"): "ubl",
    (NS_UBL_CREDIT_NOTE, "CreditNote"): "ubl",
}


class UnsafeXmlError(ValueError):
    """The XML declares a DTD or entities, or is too large; it is not parsed."""


class EInvoiceError(ValueError):
    """The bytes are not a well-formed CII or UBL e-invoice."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


_DTD_MARKERS: tuple[bytes, ...] = tuple(
    marker.encode(enc)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for enc in ("utf-8", "utf-16-le", "utf-16-be")
)


def safe_root(data: bytes) -> etree._Element:
    """Parse ``data`` as XML with every dangerous feature off; refuse DTDs outright."""
    if len(data) > MAX_XML_BYTES:
        raise UnsafeXmlError(f"XML of {len(data)} bytes is over the {MAX_XML_BYTES} byte limit")
    if any(marker in data for marker in _DTD_MARKERS):
        raise UnsafeXmlError("XML with a DOCTYPE or ENTITY declaration is refused")
    try:
        tree = etree.ElementTree(etree.fromstring(data, parser=_parser()))
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise EInvoiceError(f"not well-formed XML: {exc}") from exc
    docinfo = tree.docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.doctype:
        raise UnsafeXmlError("XML with a document type declaration is refused")
    root = tree.getroot()
    if any(True for _ in root.iter(etree.Entity)):
        raise UnsafeXmlError("XML with entity references is refused")
    return root


def syntax_of(root: etree._Element) -> str | None:
    """'cii', 'zugferd1' or 'ubl' for an e-invoice root element, else None."""
    qname = etree.QName(root)
    return _ROOTS.get((qname.namespace or "", qname.localname))


def is_einvoice_xml(data: bytes) -> bool:
    """True when ``data`` is well-formed, safe XML whose root is a CII or UBL invoice.

    Recognised roots: CII ``CrossIndustryInvoice`` (EN 16931, Factur-X,
    ZUGFeRD 2.x, XRechnung CII), ZUGFeRD 1.0 ``CrossIndustryDocument`` and
    UBL 2.1 ``Invoice`` / ``CreditNote``. Never raises; XML carrying a DTD or
    entity declarations is refused (False) without being expanded.
    """
    try:
        return syntax_of(safe_root(data)) is not None
    except (UnsafeXmlError, EInvoiceError):
        return False
