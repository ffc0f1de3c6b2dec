"""The review app's JSON API and pages on real records, on SQLite and on PostgreSQL.

Every route and error of issue 18: the queue (order, reasons, filters, paging,
tabs), a document (fields with boxes, page images, audit trail), a decision
(corrections normalised, refused with 422 naming the field unless a check is
overridden, 409 on a stale version), and what follows a review: the record the
store reads, the status rows, the Parquet table, while the extracted values
stay in ``invoices``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from invoice_pipeline.processing.results.parquet import records_to_arrow
from invoice_pipeline.processing.results.store import ResultsStore
from invoice_pipeline.processing.results.tables import invoices, review_audit
from invoice_pipeline.review.app import create_app
from invoice_pipeline.schema import Evaluation

from .conftest import Corpus

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def client(results_url: str, corpus: Corpus) -> Iterator[TestClient]:
    app = create_app(results_url, str(corpus.storage), dagster_ui_url="http://dagster.test")
    with TestClient(app) as c:
        yield c


def _queue_ids(client: TestClient, **params: object) -> list[str]:
    response = client.get("/api/documents", params=params)
    assert response.status_code == 200, response.text
    return [d["document_id"] for d in response.json()["documents"]]


def _review(client: TestClient, document_id: str, **body: object):
    return client.post(f"/api/documents/{document_id}/review", json=body)


def test_the_pipeline_fed_the_queue(corpus: Corpus) -> None:
    assert len(corpus.by_status("manual_review")) >= 3
    assert len(corpus.by_status("failed")) == 1
    boxed = [r for r in corpus.records if any(e.box for e in r.fields.values())]
    assert len(boxed) >= 3


def test_queue_lists_manual_review_oldest_first_with_reasons(
    client: TestClient, results_url: str, corpus: Corpus
) -> None:
    body = client.get("/api/documents", params={"status": "manual_review"}).json()
    with ResultsStore(results_url) as store:
        expected = [r.document_id for r in store.records(status="manual_review")]
    assert [d["document_id"] for d in body["documents"]] == expected
    assert body["total"] == len(expected) == len(corpus.by_status("manual_review"))
    assert all(d["reasons"] for d in body["documents"])
    # paging
    assert _queue_ids(client, limit=1, offset=1) == expected[1:2]
    assert _queue_ids(client, limit=2) == expected[:2]
    # filters: a part of a reason, a part of a seller name
    first = body["documents"][0]
    word = first["reasons"][0].split()[0]
    matching = _queue_ids(client, reason=word.upper())
    assert first["document_id"] in matching
    assert all(
        any(word in r for r in d["reasons"])
        for d in body["documents"]
        if d["document_id"] in matching
    )
    assert _queue_ids(client, reason="no reason reads like this") == []
    seller = first["seller_name"][2:8]
    by_seller = _queue_ids(client, seller=seller.lower())
    assert first["document_id"] in by_seller
    assert all(
        seller.lower() in (d["seller_name"] or "").lower()
        for d in body["documents"]
        if d["document_id"] in by_seller
    )
    # the failed tab
    failed = client.get("/api/documents", params={"status": "failed"}).json()
    assert [d["document_id"] for d in failed["documents"]] == [
        r.document_id for r in corpus.by_status("failed")
    ]


@pytest.mark.parametrize(
    "params",
    [{"status": "bogus"}, {"limit": "0"}, {"limit": "501"}, {"limit": "x"}, {"offset": "-1"}],
)
def test_queue_refuses_bad_parameters(client: TestClient, params: dict[str, str]) -> None:
    response = client.get("/api/documents", params=params)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] in {"status", "limit"}


def test_document_has_fields_with_boxes_pages_and_images(
    client: TestClient, corpus: Corpus
) -> None:
    multi = None
    # every readable document, approved ones too (the 40-item one may be approved)
    readable = corpus.by_status("manual_review") + corpus.by_status("approved")
    for record in readable:
        body = client.get(f"/api/documents/{record.document_id}").json()
        assert body["version"] == 0 and body["audit"] == [] and body["review"] is None
        assert body["record"] == record.model_dump(mode="json")
        assert body["dagster_url"] == (
            f"http://dagster.test/assets/evaluation?view=partitions&partition={record.document_id}"
        )
        boxed = [f for f in body["fields"] if f["box"]]
        if "factur-x" not in (record.source_file or ""):  # XML values have no place on a page
            assert boxed, record.document_id
        for field in boxed:
            page = next(p for p in body["pages"] if p["number"] == field["page"])
            x0, y0, x1, y1 = field["box"]
            assert 0 <= x0 < x1 <= page["width"] + 1 and 0 <= y0 < y1 <= page["height"] + 1
            assert field["value"] == getattr(record, field["name"])
        for page in body["pages"]:
            image = client.get(page["image_url"])
            assert image.status_code == 200 and image.content.startswith(PNG)
            assert image.headers["content-type"] == "image/png"
        if len(body["pages"]) > 1:
            multi = body
    assert multi is not None, "the 40-item invoice should span two pages"
    assert any(f["page"] == 2 for f in multi["fields"]) or len(multi["pages"]) >= 2


def test_unknown_documents_and_pages_are_404(client: TestClient, corpus: Corpus) -> None:
    known = corpus.by_status("manual_review")[0].document_id
    assert client.get("/api/documents/no-such-document").status_code == 404
    assert client.get("/documents/no-such-document").status_code == 404
    assert client.get("/documents/no-such-document/pages/1.png").status_code == 404
    assert client.get(f"/documents/{known}/pages/99.png").status_code == 404
    for sneaky in ["..%2F..%2Fregistry", "..", "%2Fetc%2Fpasswd"]:
        assert client.get(f"/documents/{sneaky}/pages/1.png").status_code == 404
    assert client.get(f"/documents/{known}/pages/x.png").status_code == 404
    response = _review(client, "no-such-document", decision="approve", reviewer="a", version=0)
    assert response.status_code == 404


def test_correct_and_approve_reaches_every_reader(
    client: TestClient, results_url: str, corpus: Corpus
) -> None:
    record = corpus.by_status("manual_review")[0]
    response = _review(
        client,
        record.document_id,
        decision="approve",
        fields={"invoice_number": "  RE-2024 / 0001 ", "purchase_order": "PO 77"},
        reviewer="ann",
        comment="number misread",
        version=0,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "approved" and body["version"] == 1
    assert body["record"]["invoice_number"] == "RE-2024 / 0001"
    assert body["extracted"]["invoice_number"] == record.invoice_number
    assert body["record"]["fields"]["invoice_number"]["confidence"] == 1.0 or (
        "invoice_number" not in record.fields
    )
    actions = [
        (a["action"], a["field"], a["value_before"], a["value_after"]) for a in body["audit"]
    ]
    assert ("correct", "invoice_number", record.invoice_number, "RE-2024 / 0001") in actions
    assert ("correct", "purchase_order", record.purchase_order, "PO 77") in actions
    assert actions[-1][:1] == ("approve",) and body["audit"][-1]["comment"] == "number misread"
    assert {a["reviewer"] for a in body["audit"]} == {"ann"}

    with ResultsStore(results_url) as store:
        stored = store.get_record(record.document_id)
        assert stored is not None and stored.status == "approved"
        assert stored.invoice_number == "RE-2024 / 0001" and stored.reasons == []
        assert any(i.code == "review_approved" and "ann" in i.message for i in stored.issues)
        assert record.document_id in {r.document_id for r in store.records(status="approved")}
        assert record.document_id not in {r.document_id for r in store.review_queue()}
        [status] = store.status(record.document_id)
        assert (status["stage"], status["status"]) == ("review", "approved")
        table = records_to_arrow(store.records())
        with store.engine.connect() as conn:
            raw = conn.execute(
                sa.select(invoices.c.invoice_number, invoices.c.status).where(
                    invoices.c.document_id == record.document_id
                )
            ).one()
    assert tuple(raw) == (record.invoice_number, record.status)  # extracted values kept
    rows = {r["document_id"]: r for r in table.to_pylist()}
    assert rows[record.document_id]["invoice_number"] == "RE-2024 / 0001"
    assert rows[record.document_id]["status"] == "approved"
    assert isinstance(table, pa.Table)
    assert record.document_id not in _queue_ids(client)
    assert record.document_id in _queue_ids(client, status="approved")


def test_refused_values_name_the_field_and_overrides_are_recorded(
    client: TestClient, results_url: str, corpus: Corpus
) -> None:
    record = next(r for r in corpus.by_status("manual_review") if r.total_amount)
    doc = record.document_id

    def refused(fields: dict[str, str], decision: str = "approve", **extra: object) -> dict:
        response = _review(
            client, doc, decision=decision, fields=fields, reviewer="bo", version=0, **extra
        )
        assert response.status_code == 422, response.text
        return response.json()

    bad_iban = refused({"iban": "DE89 3704 0044 0532 0130 01"})
    assert bad_iban["errors"][0] | {"message": ""} == {
        "field": "iban",
        "check": "iban_valid",
        "message": "",
        "overridable": True,
    }
    assert bad_iban["detail"].startswith("iban:")
    impossible = refused({"invoice_date": "2024-02-30"}, decision="reject")
    assert [(e["field"], e["overridable"]) for e in impossible["errors"]] == [
        ("invoice_date", False)
    ]
    assert refused({"total_amount": "abc"})["errors"][0]["field"] == "total_amount"
    assert refused({"currency": "XYZ"})["errors"][0]["check"] == "currency_unknown"
    sums = refused({"subtotal": "100.00", "tax_amount": "19.00", "total_amount": "120.00"})
    assert ("total_amount", "totals_consistent") in {
        (e["field"], e["check"]) for e in sums["errors"]
    }
    # an impossible date cannot be overridden
    assert refused({"invoice_date": "2024-02-30"}, override=["date_unparseable"])
    with ResultsStore(results_url) as store:
        with store.engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(review_audit)).scalar() == 0
    # overriding the checksum check saves the IBAN, compacted
    ok = _review(
        client,
        doc,
        decision="approve",
        reviewer="bo",
        version=0,
        fields={"iban": "DE89 3704 0044 0532 0130 01", "total_amount": record.total_amount},
        override=["iban_valid"],
    )
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert body["record"]["total_amount"] == record.total_amount
    assert body["record"]["iban"] == "DE89370400440532013001"
    overrides = [a for a in body["audit"] if a["action"] == "override"]
    assert [(a["check_name"], a["field"]) for a in overrides] == [("iban_valid", "iban")]
    assert any(i["code"] == "review_override" for i in body["record"]["issues"])


def test_reject_and_a_stale_version(client: TestClient, corpus: Corpus) -> None:
    [doc] = [r.document_id for r in corpus.records if "factur-x" in (r.source_file or "")]
    first = _review(client, doc, decision="reject", reviewer="cy", comment="not ours", version=0)
    assert first.status_code == 200 and first.json()["status"] == "rejected"
    assert first.json()["record"]["reasons"] and "not ours" in first.json()["record"]["reasons"][0]
    stale = _review(client, doc, decision="approve", reviewer="di", version=0)
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 1
    assert doc in _queue_ids(client, status="rejected")
    again = _review(client, doc, decision="approve", reviewer="di", version=1)
    # the sample e-invoice's VAT ids fail their checksums: approving needs the override
    assert again.status_code == 422
    assert {(e["field"], e["check"]) for e in again.json()["errors"]} == {
        ("seller_vat_id", "vat_id_valid"),
        ("buyer_vat_id", "vat_id_valid"),
    }
    again = _review(
        client, doc, decision="approve", reviewer="di", version=1, override=["vat_id_valid"]
    )
    assert again.status_code == 200 and again.json()["version"] == 2


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b'{"decision": "approve"}', "text/plain", 415),
        (b"not json", "application/json", 422),
        (b'{"decision": "maybe", "reviewer": "a", "version": 0}', "application/json", 422),
        (b'{"decision": "approve", "reviewer": "", "version": 0}', "application/json", 422),
        (
            b'{"decision": "approve", "reviewer": "a", "version": 0, "x": 1}',
            "application/json",
            422,
        ),
        (
            b'{"decision": "approve", "reviewer": "a", "version": 0, "fields": {"status": "approved"}}',
            "application/json",
            422,
        ),
    ],
)
def test_bad_review_requests(
    client: TestClient, corpus: Corpus, body: bytes, content_type: str, status: int
) -> None:
    doc = corpus.by_status("manual_review")[0].document_id
    response = client.post(
        f"/api/documents/{doc}/review", content=body, headers={"content-type": content_type}
    )
    assert response.status_code == status, response.text


def test_request_bodies_are_size_limited(client: TestClient, corpus: Corpus) -> None:
    doc = corpus.by_status("manual_review")[0].document_id
    huge = {"decision": "approve", "reviewer": "a", "version": 0, "comment": "x" * 70_000}
    assert _review(client, doc, **huge).status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"decision": "approve", "reviewer": "a", "version": 0, "comment": "'
        for _ in range(100):
            yield b"x" * 1000
        yield b'"}'

    response = client.post(
        f"/api/documents/{doc}/review",
        content=chunks(),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413


def test_a_script_in_a_document_shows_as_text(
    client: TestClient, results_url: str, corpus: Corpus
) -> None:
    record = corpus.by_status("manual_review")[0].model_copy(
        update={"seller_name": '<script>alert("x")</script>', "reasons": ["<b>bold</b> reason"]}
    )
    with ResultsStore(results_url) as store:
        store.upsert_evaluation(
            Evaluation(
                document_id=record.document_id,
                status="manual_review",
                quality_score=record.quality_score,
                reasons=record.reasons,
                record=record,
            )
        )
    for url in ["/queue", f"/documents/{record.document_id}"]:
        page = client.get(url)
        assert page.status_code == 200
        assert "<script>alert" not in page.text and "<b>bold" not in page.text
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert page.headers["x-content-type-options"] == "nosniff"
    api = client.get(f"/api/documents/{record.document_id}").json()
    assert api["record"]["seller_name"] == '<script>alert("x")</script>'


def test_metrics(client: TestClient, corpus: Corpus) -> None:
    doc = corpus.by_status("manual_review")[0].document_id
    assert _review(client, doc, decision="approve", reviewer="ann", version=0).status_code == 200
    response = client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }
    waiting = len(corpus.by_status("manual_review")) - 1
    assert samples[("invoice_documents", (("status", "manual_review"),))] == waiting
    assert samples[("invoice_documents", (("status", "approved"),))] >= 1
    assert samples[("invoice_documents", (("status", "failed"),))] == len(
        corpus.by_status("failed")
    )
    assert samples[("invoice_review_queue_length", ())] == waiting
    assert samples[("invoice_review_decisions_total", (("decision", "approve"),))] == 1
    assert samples[("invoice_review_queue_oldest_age_seconds", ())] > 0
    assert samples[("invoice_ocr_seconds_count", ())] >= len(corpus.records) - 1
    assert samples[("invoice_ocr_seconds_sum", ())] > 0


def test_pages_render_concurrently(client: TestClient, corpus: Corpus) -> None:
    """PDF pages are rendered in the server's threads at once (PDFium is not thread-safe)."""
    from concurrent.futures import ThreadPoolExecutor

    urls = [
        page["image_url"]
        for record in corpus.records
        for page in client.get(f"/api/documents/{record.document_id}").json().get("pages", [])
    ]
    assert len(urls) >= 5
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(client.get, urls * 2))
    assert all(r.status_code == 200 and r.content.startswith(PNG) for r in responses)


def test_an_einvoice_shows_its_xml_values(client: TestClient, corpus: Corpus) -> None:
    [record] = [r for r in corpus.records if "factur-x" in (r.source_file or "")]
    body = client.get(f"/api/documents/{record.document_id}").json()
    assert body["xml_values"]["invoice_number"] == record.invoice_number
    assert body["xml_values"]["total_amount"] == record.total_amount
    page = client.get(f"/documents/{record.document_id}")
    assert 'id="xml-values"' in page.text and record.invoice_number in page.text


def test_two_reviewers_at_once_one_wins(client: TestClient, corpus: Corpus) -> None:
    """Both send version 0 at the same moment: one decision is saved, the other gets 409."""
    from concurrent.futures import ThreadPoolExecutor

    doc = corpus.by_status("manual_review")[0].document_id
    bodies = [
        {
            "decision": "approve",
            "reviewer": f"r{i}",
            "version": 0,
            "fields": {"purchase_order": f"PO-{i}"},
        }
        for i in range(4)
    ]
    with ThreadPoolExecutor(max_workers=4) as pool:
        codes = sorted(r.status_code for r in pool.map(lambda b: _review(client, doc, **b), bodies))
    assert codes == [200, 409, 409, 409]
    body = client.get(f"/api/documents/{doc}").json()
    assert body["version"] == 1
    assert [a["action"] for a in body["audit"]] == ["correct", "approve"]


def test_line_items_are_corrected_checked_and_audited(
    client: TestClient, results_url: str, corpus: Corpus
) -> None:
    record = next(r for r in corpus.by_status("manual_review") if r.subtotal and r.total_amount)
    doc = record.document_id
    subtotal = record.subtotal
    assert subtotal is not None
    half = f"{float(subtotal) / 2:.2f}"
    rest = f"{float(subtotal) - float(half):.2f}"
    items = [
        {"description": "Consulting", "quantity": "2", "unit_price": half, "amount": half},
        {"description": "Travel", "quantity": "1", "unit_price": rest, "amount": rest},
        {"description": "", "quantity": "", "amount": ""},  # a blank row is dropped
    ]
    unreadable = _review(client, doc, decision="approve", reviewer="di", version=0,
                         line_items=[{"description": "Consulting", "amount": "12x,5"}])  # fmt: skip
    assert unreadable.status_code == 422
    assert [(e["field"], e["overridable"]) for e in unreadable.json()["errors"]] == [
        ("line_items[0].amount", False)
    ]
    no_amount = _review(client, doc, decision="reject", reviewer="di", version=0,
                        line_items=[{"description": "Consulting"}])  # fmt: skip
    assert no_amount.json()["errors"][0]["field"] == "line_items[0].amount"
    # items that do not add up to the subtotal are refused unless the check is overridden
    short = [{"description": "Consulting", "amount": half}]
    refused = _review(client, doc, decision="approve", reviewer="di", version=0,
                      line_items=short, fields={"subtotal": record.subtotal})  # fmt: skip
    assert refused.status_code == 422
    assert "line_items_sum" in {e["check"] for e in refused.json()["errors"]}

    ok = _review(client, doc, decision="approve", reviewer="di", version=0, line_items=items,
                 override=[e["check"] for e in refused.json()["errors"] if e["overridable"]
                           and e["check"] != "line_items_sum"])  # fmt: skip
    assert ok.status_code == 200, ok.text
    body = ok.json()
    got = body["record"]["line_items"]
    assert [(i["description"], i["amount"]) for i in got] == [
        ("Consulting", half),
        ("Travel", rest),
    ]
    assert got[0]["quantity"] == "2"
    corrected = [a for a in body["audit"] if a["field"] == "line_items"]
    assert len(corrected) == 1 and "Travel" in corrected[0]["value_after"]
    with ResultsStore(results_url) as store:
        stored = store.get_record(doc)
    assert stored is not None and [i.amount for i in stored.line_items] == [half, rest]
    # the same items typed again (other number forms) are no new correction
    again = _review(client, doc, decision="approve", reviewer="di", version=1,
                    line_items=[{**items[0], "quantity": "2.00"}, items[1]],
                    override=[e["check"] for e in refused.json()["errors"] if e["overridable"]
                              and e["check"] != "line_items_sum"])  # fmt: skip
    assert again.status_code == 200, again.text
    assert len([a for a in again.json()["audit"] if a["field"] == "line_items"]) == 1
