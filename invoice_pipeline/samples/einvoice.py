"""Hand-written EN 16931 e-invoices for tests and demos: CII, UBL and PDFs carrying them.

:class:`SampleEInvoice` holds one invoice's values; :func:`cii_xml` writes it
as a Factur-X / ZUGFeRD 2 EN 16931 ``CrossIndustryInvoice``, :func:`ubl_xml`
as a UBL 2.1 ``Invoice`` or ``CreditNote`` (XRechnung / Peppol style), and
:func:`zugferd1_xml` as a ZUGFeRD 1.0 ``CrossIndustryDocument``.
:func:`einvoice_pdf` draws a printed rendering with reportlab and attaches
the XML with pypdfium2, like a Factur-X PDF (without the PDF/A-3 metadata).
Everything is generated in memory; no binary is committed.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape, quoteattr

import pypdfium2 as pdfium
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas


@dataclass(frozen=True)
class SampleLine:
    name: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    unit: str = "C62"

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class SampleParty:
    name: str
    street: str
    postcode: str
    city: str
    country: str
    vat_id: str

    @property
    def address(self) -> str:
        return f"{self.street}, {self.postcode} {self.city}, {self.country}"


@dataclass(frozen=True)
class SampleEInvoice:
    """The values of one sample invoice; totals are computed per EN 16931 (tax per rate)."""

    number: str = "RE-2024-0042"
    issue_date: dt.date = dt.date(2024, 4, 3)
    due_date: dt.date = dt.date(2024, 5, 3)
    currency: str = "EUR"
    seller: SampleParty = SampleParty(
        "Muster Lieferant GmbH", "Hauptstraße 1", "10115", "Berlin", "DE", "DE123456789"
    )
    buyer: SampleParty = SampleParty(
        "Kunde & Partner AG", "Kundenweg 5", "80331", "München", "DE", "DE987654321"
    )
    iban: str = "DE89370400440532013000"
    purchase_order: str = "PO-7781"
    lines: tuple[SampleLine, ...] = field(
        default_factory=lambda: (
            SampleLine(
                "Beratung Cloud-Migration",
                Decimal("10.0000"),
                Decimal("95.00"),
                Decimal("19.00"),
                "HUR",
            ),
            SampleLine(
                "Fachbuch XML-Rechnung", Decimal("3.0000"), Decimal("24.50"), Decimal("7.00")
            ),
        )
    )
    type_code: str = "380"
    prepaid: Decimal = Decimal("0.00")

    @property
    def line_total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    def tax_breakdown(self) -> list[tuple[Decimal, Decimal, Decimal]]:
        """(rate, basis, tax) per VAT rate."""
        rates = sorted({line.tax_rate for line in self.lines})
        out = []
        for rate in rates:
            basis = sum(
                (line.amount for line in self.lines if line.tax_rate == rate), Decimal("0.00")
            )
            tax = (basis * rate / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            out.append((rate, basis, tax))
        return out

    @property
    def tax(self) -> Decimal:
        return sum((tax for _, _, tax in self.tax_breakdown()), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return self.line_total + self.tax

    @property
    def due_amount(self) -> Decimal:
        return self.total - self.prepaid

    def but(self, **changes: object) -> SampleEInvoice:
        return replace(self, **changes)


def _e(value: object) -> str:
    return escape(str(value))


def _cii_party(role: str, party: SampleParty) -> str:
    return f"""
      <ram:{role}>
        <ram:Name>{_e(party.name)}</ram:Name>
        <ram:PostalTradeAddress>
          <ram:PostcodeCode>{_e(party.postcode)}</ram:PostcodeCode>
          <ram:LineOne>{_e(party.street)}</ram:LineOne>
          <ram:CityName>{_e(party.city)}</ram:CityName>
          <ram:CountryID>{_e(party.country)}</ram:CountryID>
        </ram:PostalTradeAddress>
        <ram:SpecifiedTaxRegistration>
          <ram:ID schemeID="FC">201/113/40209</ram:ID>
        </ram:SpecifiedTaxRegistration>
        <ram:SpecifiedTaxRegistration>
          <ram:ID schemeID="VA">{_e(party.vat_id)}</ram:ID>
        </ram:SpecifiedTaxRegistration>
      </ram:{role}>"""


def cii_xml(
    inv: SampleEInvoice | None = None, *, guideline: str = "urn:cen.eu:en16931:2017"
) -> bytes:
    """The invoice as a UN/CEFACT CII D16B ``CrossIndustryInvoice`` (Factur-X EN 16931)."""
    inv = inv or SampleEInvoice()
    lines = "".join(
        f"""
    <ram:IncludedSupplyChainTradeLineItem>
      <ram:AssociatedDocumentLineDocument><ram:LineID>{i}</ram:LineID></ram:AssociatedDocumentLineDocument>
      <ram:SpecifiedTradeProduct><ram:Name>{_e(line.name)}</ram:Name></ram:SpecifiedTradeProduct>
      <ram:SpecifiedLineTradeAgreement>
        <ram:NetPriceProductTradePrice><ram:ChargeAmount>{line.unit_price}</ram:ChargeAmount></ram:NetPriceProductTradePrice>
      </ram:SpecifiedLineTradeAgreement>
      <ram:SpecifiedLineTradeDelivery>
        <ram:BilledQuantity unitCode={quoteattr(line.unit)}>{line.quantity}</ram:BilledQuantity>
      </ram:SpecifiedLineTradeDelivery>
      <ram:SpecifiedLineTradeSettlement>
        <ram:ApplicableTradeTax>
          <ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode>
          <ram:RateApplicablePercent>{line.tax_rate}</ram:RateApplicablePercent>
        </ram:ApplicableTradeTax>
        <ram:SpecifiedTradeSettlementLineMonetarySummation>
          <ram:LineTotalAmount>{line.amount}</ram:LineTotalAmount>
        </ram:SpecifiedTradeSettlementLineMonetarySummation>
      </ram:SpecifiedLineTradeSettlement>
    </ram:IncludedSupplyChainTradeLineItem>"""
        for i, line in enumerate(inv.lines, start=1)
    )
    taxes = "".join(
        f"""
      <ram:ApplicableTradeTax>
        <ram:CalculatedAmount>{tax}</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode>
        <ram:BasisAmount>{basis}</ram:BasisAmount><ram:CategoryCode>S</ram:CategoryCode>
        <ram:RateApplicablePercent>{rate}</ram:RateApplicablePercent>
      </ram:ApplicableTradeTax>"""
        for rate, basis, tax in inv.tax_breakdown()
    )
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- sample Factur-X EN 16931 invoice generated by invoice_pipeline.samples.einvoice -->
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
    xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
    xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
    xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
  <rsm:ExchangedDocumentContext>
    <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>{_e(guideline)}</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument>
    <ram:ID>{_e(inv.number)}</ram:ID>
    <ram:TypeCode>{_e(inv.type_code)}</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">{inv.issue_date:%Y%m%d}</udt:DateTimeString></ram:IssueDateTime>
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>{lines}
    <ram:ApplicableHeaderTradeAgreement>{_cii_party("SellerTradeParty", inv.seller)}{_cii_party("BuyerTradeParty", inv.buyer)}
      <ram:BuyerOrderReferencedDocument><ram:IssuerAssignedID>{_e(inv.purchase_order)}</ram:IssuerAssignedID></ram:BuyerOrderReferencedDocument>
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeDelivery/>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:InvoiceCurrencyCode>{_e(inv.currency)}</ram:InvoiceCurrencyCode>
      <ram:SpecifiedTradeSettlementPaymentMeans>
        <ram:TypeCode>58</ram:TypeCode>
        <ram:PayeePartyCreditorFinancialAccount><ram:IBANID>{_e(inv.iban)}</ram:IBANID></ram:PayeePartyCreditorFinancialAccount>
      </ram:SpecifiedTradeSettlementPaymentMeans>{taxes}
      <ram:SpecifiedTradePaymentTerms>
        <ram:Description>Zahlbar innerhalb 30 Tagen netto</ram:Description>
        <ram:DueDateDateTime><udt:DateTimeString format="102">{inv.due_date:%Y%m%d}</udt:DateTimeString></ram:DueDateDateTime>
      </ram:SpecifiedTradePaymentTerms>
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:LineTotalAmount>{inv.line_total}</ram:LineTotalAmount>
        <ram:ChargeTotalAmount>0.00</ram:ChargeTotalAmount>
        <ram:AllowanceTotalAmount>0.00</ram:AllowanceTotalAmount>
        <ram:TaxBasisTotalAmount>{inv.line_total}</ram:TaxBasisTotalAmount>
        <ram:TaxTotalAmount currencyID={quoteattr(inv.currency)}>{inv.tax}</ram:TaxTotalAmount>
        <ram:GrandTotalAmount>{inv.total}</ram:GrandTotalAmount>
        <ram:TotalPrepaidAmount>{inv.prepaid}</ram:TotalPrepaidAmount>
        <ram:DuePayableAmount>{inv.due_amount}</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
"""
    return xml.encode("utf-8")


def _ubl_party(role: str, party: SampleParty) -> str:
    return f"""
  <cac:{role}>
    <cac:Party>
      <cac:PartyName><cbc:Name>{_e(party.name)}</cbc:Name></cac:PartyName>
      <cac:PostalAddress>
        <cbc:StreetName>{_e(party.street)}</cbc:StreetName>
        <cbc:CityName>{_e(party.city)}</cbc:CityName>
        <cbc:PostalZone>{_e(party.postcode)}</cbc:PostalZone>
        <cac:Country><cbc:IdentificationCode>{_e(party.country)}</cbc:IdentificationCode></cac:Country>
      </cac:PostalAddress>
      <cac:PartyTaxScheme>
        <cbc:CompanyID>{_e(party.vat_id)}</cbc:CompanyID>
        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>
      </cac:PartyTaxScheme>
      <cac:PartyLegalEntity><cbc:RegistrationName>{_e(party.name)}</cbc:RegistrationName></cac:PartyLegalEntity>
    </cac:Party>
  </cac:{role}>"""


def ubl_xml(inv: SampleEInvoice | None = None, *, credit_note: bool = False) -> bytes:
    """The invoice as a UBL 2.1 ``Invoice`` (or ``CreditNote``) in the XRechnung style."""
    inv = inv or SampleEInvoice()
    root = "CreditNote" if credit_note else "Invoice"
    line_tag, qty_tag = (
        ("CreditNoteLine", "CreditedQuantity")
        if credit_note
        else ("InvoiceLine", "InvoicedQuantity")
    )
    type_code = inv.type_code if inv.type_code != "380" or not credit_note else "381"
    cur = quoteattr(inv.currency)
    lines = "".join(
        f"""
  <cac:{line_tag}>
    <cbc:ID>{i}</cbc:ID>
    <cbc:{qty_tag} unitCode={quoteattr(line.unit)}>{line.quantity}</cbc:{qty_tag}>
    <cbc:LineExtensionAmount currencyID={cur}>{line.amount}</cbc:LineExtensionAmount>
    <cac:Item>
      <cbc:Name>{_e(line.name)}</cbc:Name>
      <cac:ClassifiedTaxCategory>
        <cbc:ID>S</cbc:ID><cbc:Percent>{line.tax_rate}</cbc:Percent>
        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>
      </cac:ClassifiedTaxCategory>
    </cac:Item>
    <cac:Price><cbc:PriceAmount currencyID={cur}>{line.unit_price}</cbc:PriceAmount></cac:Price>
  </cac:{line_tag}>"""
        for i, line in enumerate(inv.lines, start=1)
    )
    subtotals = "".join(
        f"""
    <cac:TaxSubtotal>
      <cbc:TaxableAmount currencyID={cur}>{basis}</cbc:TaxableAmount>
      <cbc:TaxAmount currencyID={cur}>{tax}</cbc:TaxAmount>
      <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>{rate}</cbc:Percent>
        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory>
    </cac:TaxSubtotal>"""
        for rate, basis, tax in inv.tax_breakdown()
    )
    due = f"\n  <cbc:DueDate>{inv.due_date.isoformat()}</cbc:DueDate>" if not credit_note else ""
    payment_due = (
        f"\n    <cbc:PaymentDueDate>{inv.due_date.isoformat()}</cbc:PaymentDueDate>"
        if credit_note
        else ""
    )
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<{root} xmlns="urn:oasis:names:specification:ubl:schema:xsd:{root}-2"
    xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
    xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:UBLVersionID>2.1</cbc:UBLVersionID>
  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0</cbc:CustomizationID>
  <cbc:ID>{_e(inv.number)}</cbc:ID>
  <cbc:IssueDate>{inv.issue_date.isoformat()}</cbc:IssueDate>{due}
  <cbc:{root}TypeCode>{_e(type_code)}</cbc:{root}TypeCode>
  <cbc:DocumentCurrencyCode>{_e(inv.currency)}</cbc:DocumentCurrencyCode>
  <cbc:BuyerReference>04011000-12345-03</cbc:BuyerReference>
  <cac:OrderReference><cbc:ID>{_e(inv.purchase_order)}</cbc:ID></cac:OrderReference>{_ubl_party("AccountingSupplierParty", inv.seller)}{_ubl_party("AccountingCustomerParty", inv.buyer)}
  <cac:PaymentMeans>
    <cbc:PaymentMeansCode>58</cbc:PaymentMeansCode>{payment_due}
    <cac:PayeeFinancialAccount><cbc:ID>{_e(inv.iban)}</cbc:ID></cac:PayeeFinancialAccount>
  </cac:PaymentMeans>
  <cac:TaxTotal>
    <cbc:TaxAmount currencyID={cur}>{inv.tax}</cbc:TaxAmount>{subtotals}
  </cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID={cur}>{inv.line_total}</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID={cur}>{inv.line_total}</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID={cur}>{inv.total}</cbc:TaxInclusiveAmount>
    <cbc:PrepaidAmount currencyID={cur}>{inv.prepaid}</cbc:PrepaidAmount>
    <cbc:PayableAmount currencyID={cur}>{inv.due_amount}</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>{lines}
</{root}>
"""
    return xml.encode("utf-8")


def zugferd1_xml(inv: SampleEInvoice | None = None) -> bytes:
    """The invoice as a ZUGFeRD 1.0 ``CrossIndustryDocument`` (COMFORT profile, abridged)."""
    inv = inv or SampleEInvoice()

    def party(role: str, p: SampleParty) -> str:
        return f"""
      <ram:{role}>
        <ram:Name>{_e(p.name)}</ram:Name>
        <ram:PostalTradeAddress>
          <ram:PostcodeCode>{_e(p.postcode)}</ram:PostcodeCode><ram:LineOne>{_e(p.street)}</ram:LineOne>
          <ram:CityName>{_e(p.city)}</ram:CityName><ram:CountryID>{_e(p.country)}</ram:CountryID>
        </ram:PostalTradeAddress>
        <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">{_e(p.vat_id)}</ram:ID></ram:SpecifiedTaxRegistration>
      </ram:{role}>"""

    lines = "".join(
        f"""
    <ram:IncludedSupplyChainTradeLineItem>
      <ram:SpecifiedSupplyChainTradeAgreement>
        <ram:NetPriceProductTradePrice><ram:ChargeAmount currencyID="{inv.currency}">{line.unit_price}</ram:ChargeAmount></ram:NetPriceProductTradePrice>
      </ram:SpecifiedSupplyChainTradeAgreement>
      <ram:SpecifiedSupplyChainTradeDelivery><ram:BilledQuantity unitCode="{line.unit}">{line.quantity}</ram:BilledQuantity></ram:SpecifiedSupplyChainTradeDelivery>
      <ram:SpecifiedSupplyChainTradeSettlement>
        <ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:ApplicablePercent>{line.tax_rate}</ram:ApplicablePercent></ram:ApplicableTradeTax>
        <ram:SpecifiedTradeSettlementMonetarySummation><ram:LineTotalAmount currencyID="{inv.currency}">{line.amount}</ram:LineTotalAmount></ram:SpecifiedTradeSettlementMonetarySummation>
      </ram:SpecifiedSupplyChainTradeSettlement>
      <ram:SpecifiedTradeProduct><ram:Name>{_e(line.name)}</ram:Name></ram:SpecifiedTradeProduct>
    </ram:IncludedSupplyChainTradeLineItem>"""
        for line in inv.lines
    )
    cur = inv.currency
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0"
    xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12"
    xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15">
  <rsm:SpecifiedExchangedDocumentContext>
    <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:ferd:CrossIndustryDocument:invoice:1p0:comfort</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:SpecifiedExchangedDocumentContext>
  <rsm:HeaderExchangedDocument>
    <ram:ID>{_e(inv.number)}</ram:ID><ram:Name>RECHNUNG</ram:Name><ram:TypeCode>{_e(inv.type_code)}</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">{inv.issue_date:%Y%m%d}</udt:DateTimeString></ram:IssueDateTime>
  </rsm:HeaderExchangedDocument>
  <rsm:SpecifiedSupplyChainTradeTransaction>
    <ram:ApplicableSupplyChainTradeAgreement>{party("SellerTradeParty", inv.seller)}{party("BuyerTradeParty", inv.buyer)}
      <ram:BuyerOrderReferencedDocument><ram:ID>{_e(inv.purchase_order)}</ram:ID></ram:BuyerOrderReferencedDocument>
    </ram:ApplicableSupplyChainTradeAgreement>
    <ram:ApplicableSupplyChainTradeSettlement>
      <ram:InvoiceCurrencyCode>{_e(cur)}</ram:InvoiceCurrencyCode>
      <ram:SpecifiedTradeSettlementPaymentMeans>
        <ram:TypeCode>58</ram:TypeCode>
        <ram:PayeePartyCreditorFinancialAccount><ram:IBANID>{_e(inv.iban)}</ram:IBANID></ram:PayeePartyCreditorFinancialAccount>
      </ram:SpecifiedTradeSettlementPaymentMeans>
      <ram:SpecifiedTradePaymentTerms>
        <ram:DueDateDateTime><udt:DateTimeString format="102">{inv.due_date:%Y%m%d}</udt:DateTimeString></ram:DueDateDateTime>
      </ram:SpecifiedTradePaymentTerms>
      <ram:SpecifiedTradeSettlementMonetarySummation>
        <ram:LineTotalAmount currencyID="{cur}">{inv.line_total}</ram:LineTotalAmount>
        <ram:TaxBasisTotalAmount currencyID="{cur}">{inv.line_total}</ram:TaxBasisTotalAmount>
        <ram:TaxTotalAmount currencyID="{cur}">{inv.tax}</ram:TaxTotalAmount>
        <ram:GrandTotalAmount currencyID="{cur}">{inv.total}</ram:GrandTotalAmount>
      </ram:SpecifiedTradeSettlementMonetarySummation>
    </ram:ApplicableSupplyChainTradeSettlement>{lines}
  </rsm:SpecifiedSupplyChainTradeTransaction>
</rsm:CrossIndustryDocument>
"""
    return xml.encode("utf-8")


def _money(value: Decimal, style: str) -> str:
    text = f"{value:,.2f}"
    if style == "de":
        return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
    return text


def printed_lines(
    inv: SampleEInvoice | None = None, *, style: str = "de", total: Decimal | None = None
) -> list[str]:
    """The text a human sees on the page: German (1.234,56 / 03.04.2024) or English style."""
    inv = inv or SampleEInvoice()
    total = inv.total if total is None else total
    if style == "de":
        head = [f"Rechnung Nr. {inv.number}", f"Rechnungsdatum: {inv.issue_date:%d.%m.%Y}"]
        labels = ("Nettobetrag", "MwSt.", "Gesamtbetrag")
    else:
        head = [f"Invoice no. {inv.number}", f"Date: {inv.issue_date.day} {inv.issue_date:%B %Y}"]
        labels = ("Net amount", "VAT", "Total")
    body = [
        inv.seller.name,
        inv.seller.address,
        f"An: {inv.buyer.name}",
        *head,
        *(
            f"{line.name}  {line.quantity.normalize()} x {_money(line.unit_price, style)}  {_money(line.amount, style)}"
            for line in inv.lines
        ),
        f"{labels[0]}: {_money(inv.line_total, style)} {inv.currency}",
        f"{labels[1]}: {_money(inv.tax, style)} {inv.currency}",
        f"{labels[2]}: {_money(total, style)} {inv.currency}",
    ]
    return body


def einvoice_pdf(
    xml: bytes | None,
    *,
    attachment_name: str = "factur-x.xml",
    lines: list[str] | None = None,
    extra_attachments: dict[str, bytes] | None = None,
) -> bytes:
    """A one-page PDF printing ``lines``, with ``xml`` attached as ``attachment_name``.

    ``xml=None`` leaves the e-invoice out; ``extra_attachments`` adds other
    files (attached first, so the e-invoice is not simply the first one).
    """
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    y = A4[1] - 72
    for text in lines if lines is not None else printed_lines():
        page.drawString(72, y, text)
        y -= 16
    page.showPage()
    page.save()

    pdf = pdfium.PdfDocument(buffer.getvalue())
    try:
        attachments = dict(extra_attachments or {})
        if xml is not None:
            attachments[attachment_name] = xml
        for name, data in attachments.items():
            attachment = pdf.new_attachment(name)
            attachment.set_data(data)
        out = io.BytesIO()
        pdf.save(out)
    finally:
        pdf.close()
    return out.getvalue()
