"""The review page in Debian's Chromium (Playwright), served by uvicorn on real records.

A reviewer logs in with the token, opens the queue, opens a document, sees the
page image and the field boxes, clicks a field and sees its box highlighted,
corrects the field, approves with the keyboard, reloads and sees the status
and the audit entry; a document whose seller prints ``<script>`` shows it as
text and runs nothing. Screenshots go to ``test-artifacts/review/``. A missing
chromium fails the test: ``make system-deps`` installs it.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from invoice_pipeline.processing.results.store import ResultsStore
from invoice_pipeline.review.app import create_app
from invoice_pipeline.schema import Evaluation

from .conftest import Corpus

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "review"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TOKEN = "browser-test-token"
TIMEOUT_MS = 30_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(corpus: Corpus, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The app on a real socket (uvicorn in a thread) over a copy of the corpus's database."""
    import shutil

    with ResultsStore(f"sqlite:///{corpus.results}") as source, source.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(corpus.results, tmp_path / "results.sqlite")
    url = f"sqlite:///{tmp_path / 'results.sqlite'}"
    app = create_app(url, str(corpus.storage), token=TOKEN, dagster_ui_url="http://127.0.0.1:3000")
    port = _free_port()
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", url
    finally:
        uv.should_exit = True
        thread.join(timeout=30)


def test_review_in_chromium(server: tuple[str, str], corpus: Corpus) -> None:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: `make system-deps` (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    base, results_url = server
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    waiting = corpus.by_status("manual_review")
    doc = next(
        r for r in waiting if r.fields.get("invoice_number") and r.fields["invoice_number"].box
    )
    hostile = next(r for r in waiting if r.document_id != doc.document_id)
    with ResultsStore(results_url) as store:
        record = hostile.model_copy(update={"seller_name": "<script>alert(1)</script> Evil Ltd"})
        store.upsert_evaluation(
            Evaluation(
                document_id=record.document_id,
                status="manual_review",
                quality_score=record.quality_score,
                reasons=record.reasons,
                record=record,
            )
        )
    dialogs: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

            # no token, no page: the login form
            page.goto(f"{base}/queue")
            expect(page).to_have_url(f"{base}/login")
            page.fill("input[name=token]", TOKEN)
            page.click("form.login button[type=submit]")
            expect(page).to_have_url(f"{base}/queue")

            # the queue: every waiting document, with its reasons; the script shown as text
            rows = page.locator("table.queue tbody tr[data-document]")
            expect(rows).to_have_count(len(waiting))
            expect(page.get_by_text("<script>alert(1)</script> Evil Ltd")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "queue.png"))
            # the seller filter (htmx swaps the table as one types), then back to all
            page.fill("input[name=seller]", "evil")
            expect(rows).to_have_count(1)
            expect(page).to_have_url(re.compile(r"seller=evil"))
            page.fill("input[name=seller]", "")
            expect(rows).to_have_count(len(waiting))

            # a document: the page image and a box per field
            page.click(f'a.doc-link[href="/documents/{doc.document_id}"]')
            expect(page).to_have_url(f"{base}/documents/{doc.document_id}")
            image = page.locator("figure.page.shown svg image")
            href = image.get_attribute("href")
            width = page.evaluate(
                "src => new Promise((ok, no) => { const i = new Image(); i.onload = () => ok(i.naturalWidth);"
                " i.onerror = () => no('image failed'); i.src = src; })",
                href,
            )
            assert width > 100
            boxes = page.locator("figure.page.shown rect.box")
            assert boxes.count() >= 3
            box = page.locator('rect.box[data-field="invoice_number"]')
            expect(box).to_be_visible()

            # clicking a field highlights its box; correct it; approve with the keyboard
            # `f` focuses a field (the flagged ones first)
            page.keyboard.press("f")
            focused = page.locator(
                "#review-form input[data-field]:focus, #review-form textarea[data-field]:focus"
            )
            expect(focused).to_have_count(1)
            page.keyboard.press("Escape")
            field = page.locator("#field-invoice_number")
            field.click()
            expect(box).to_have_class(re.compile(r"\bbox\b.*\bactive\b"))
            page.screenshot(path=str(ARTIFACTS / "document.png"))
            field.fill("REVIEWED-42")
            page.fill("#reviewer", "Ann Clerk")
            page.fill("#comment", "number misread")
            page.keyboard.press("Escape")
            page.keyboard.press("a")
            expect(page.locator("#status")).to_have_text("approved (by review)")

            page.reload()
            expect(page.locator("#status")).to_have_text("approved (by review)")
            expect(page.locator("#field-invoice_number")).to_have_value("REVIEWED-42")
            audit = page.locator("#audit tbody tr")
            expect(audit.filter(has_text="invoice_number")).to_contain_text("REVIEWED-42")
            expect(audit.filter(has_text="invoice_number")).to_contain_text("Ann Clerk")
            expect(audit.filter(has_text="approve")).to_contain_text("number misread")
            page.screenshot(path=str(ARTIFACTS / "approved.png"), full_page=True)

            # the hostile document: its seller printed as text, nothing ran
            page.goto(f"{base}/documents/{hostile.document_id}")
            expect(page.locator("#field-seller_name")).to_have_value(
                "<script>alert(1)</script> Evil Ltd"
            )
            page.goto(f"{base}/queue")
            expect(rows).to_have_count(len(waiting) - 1)
        finally:
            browser.close()
    assert dialogs == []
    with ResultsStore(results_url) as store:
        stored = store.get_record(doc.document_id)
    assert stored is not None and stored.status == "approved"
    assert stored.invoice_number == "REVIEWED-42"
