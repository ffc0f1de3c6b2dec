"""The review page's security: token, login session, CSRF, loopback binding, the HTML form.

With ``INVOICE_REVIEW_TOKEN`` set every route but the login form and static files
needs the bearer token or the login session; form posts need the CSRF token of
their cookie; the server refuses to bind to another address than loopback
without a token (also through the CLI), and ``invoice-pipeline review`` still
lists the queue.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from invoice_pipeline.cli import main
from invoice_pipeline.review import TokenRequired, serve
from invoice_pipeline.review.app import create_app
from invoice_pipeline.review.security import is_loopback, make_session, session_ok

from .conftest import Corpus

TOKEN = "s3cret-review-token"


@pytest.fixture
def guarded(results_url: str, corpus: Corpus) -> Iterator[TestClient]:
    with TestClient(create_app(results_url, str(corpus.storage), token=TOKEN)) as client:
        yield client


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the form carries a CSRF token"
    return match.group(1)


def test_every_route_needs_the_token(guarded: TestClient, corpus: Corpus) -> None:
    doc = corpus.by_status("manual_review")[0].document_id
    routes = [
        "/api/documents",
        f"/api/documents/{doc}",
        "/metrics",
        f"/documents/{doc}/pages/1.png",
    ]
    for route in routes:
        refused = guarded.get(route)
        assert refused.status_code == 401, route
        assert refused.headers["www-authenticate"] == "Bearer"
        assert guarded.get(route, headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert guarded.get(route, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    post = guarded.post(
        f"/api/documents/{doc}/review",
        json={"decision": "approve", "reviewer": "a", "version": 0},
    )
    assert post.status_code == 401
    page = guarded.get("/queue", headers={"accept": "text/html"}, follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (303, "/login")
    assert guarded.get("/static/htmx.min.js").status_code == 200  # the app's own JS


def test_login_form_sets_a_session_cookie(guarded: TestClient) -> None:
    form = guarded.get("/login")
    assert form.status_code == 200
    csrf = _csrf(form.text)
    wrong = guarded.post("/login", data={"token": "nope", "csrf_token": csrf})
    assert wrong.status_code == 401 and "wrong token" in wrong.text
    no_csrf = guarded.post("/login", data={"token": TOKEN, "csrf_token": "forged"})
    assert no_csrf.status_code == 403
    ok = guarded.post("/login", data={"token": TOKEN, "csrf_token": csrf}, follow_redirects=False)
    assert ok.status_code == 303
    cookie = ok.cookies.get("review_session")
    assert cookie and session_ok(TOKEN, cookie) and not session_ok("other", cookie)
    assert "httponly" in ok.headers["set-cookie"].lower()
    assert "samesite=strict" in ok.headers["set-cookie"].lower()
    assert guarded.get("/queue").status_code == 200
    assert guarded.get("/api/documents").status_code == 200
    logout = guarded.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert logout.status_code == 303
    guarded.cookies.delete("review_session")
    assert guarded.get("/api/documents").status_code == 401


def test_sessions_expire() -> None:
    assert session_ok(TOKEN, make_session(TOKEN, now=1000.0), now=1000.0 + 3600)
    assert not session_ok(TOKEN, make_session(TOKEN, now=1000.0), now=1000.0 + 13 * 3600)
    assert not session_ok(TOKEN, "9999999999.forged")
    assert not session_ok(TOKEN, None)


def test_the_form_posts_with_csrf_and_shows_errors(results_url: str, corpus: Corpus) -> None:
    doc = corpus.by_status("manual_review")[0]
    with TestClient(create_app(results_url, str(corpus.storage))) as client:
        page = client.get(f"/documents/{doc.document_id}")
        assert page.status_code == 200
        csrf = _csrf(page.text)
        form = {
            "csrf_token": csrf,
            "version": "0",
            "reviewer": "eve",
            "decision": "approve",
            "field_iban": "DE89 3704 0044 0532 0130 01",
        }
        forged = client.post(
            f"/documents/{doc.document_id}/review", data={**form, "csrf_token": "x"}
        )
        assert forged.status_code == 403
        refused = client.post(f"/documents/{doc.document_id}/review", data=form)
        assert refused.status_code == 422
        assert 'data-field="iban" data-check="iban_valid"' in refused.text
        assert 'name="override" value="iban_valid"' in refused.text
        assert "DE89 3704 0044 0532 0130 01" in refused.text  # what was typed stays in the form
        saved = client.post(
            f"/documents/{doc.document_id}/review",
            data={**form, "override": "iban_valid"},
            follow_redirects=False,
        )
        assert saved.status_code == 303, saved.text
        after = client.get(saved.headers["location"])
        assert "approved (by review)" in after.text and "iban_valid" in after.text
        stale = client.post(f"/documents/{doc.document_id}/review", data=form)
        assert stale.status_code == 409 and "Someone else reviewed" in stale.text


def test_loopback_only_without_a_token() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.1.2.3") and not is_loopback("example")
    with pytest.raises(TokenRequired):
        serve("0.0.0.0", 8765, results_url="sqlite://", storage_root="/tmp", token=None)


def test_cli_review_lists_and_serve_refuses_an_open_address(pipeline_env) -> None:
    runner = CliRunner()
    listed = runner.invoke(main, ["review", "--limit", "1"])
    assert listed.exit_code == 0, listed.output
    assert "review queue" in listed.output
    refused = runner.invoke(main, ["review", "serve", "--host", "0.0.0.0", "--port", "1"])
    assert refused.exit_code != 0
    assert "INVOICE_REVIEW_TOKEN" in refused.output
    help_text = runner.invoke(main, ["review", "serve", "--help"]).output
    assert "--host" in help_text and "--port" in help_text


def test_the_form_corrects_line_items(results_url: str, corpus: Corpus) -> None:
    doc = next(r for r in corpus.by_status("manual_review") if r.subtotal)
    with TestClient(create_app(results_url, str(corpus.storage))) as client:
        page = client.get(f"/documents/{doc.document_id}")
        assert 'name="item-0-description"' in page.text and 'id="line-items"' in page.text
        form = {
            "csrf_token": _csrf(page.text),
            "version": "0",
            "reviewer": "eve",
            "decision": "reject",
            "items_shown": "1",
            "item-0-description": "Freight",
            "item-0-amount": "1x5",
            "item-1-description": "",
            "item-1-amount": "",
        }
        refused = client.post(f"/documents/{doc.document_id}/review", data=form)
        assert refused.status_code == 422
        assert 'data-field="line_items[0].amount"' in refused.text
        assert 'value="1x5"' in refused.text  # what was typed stays in the form
        saved = client.post(
            f"/documents/{doc.document_id}/review",
            data={**form, "item-0-amount": "15,50"},
            follow_redirects=False,
        )
        assert saved.status_code == 303, saved.text
        after = client.get(saved.headers["location"])
        assert 'name="item-0-description" value="Freight"' in after.text
        assert 'name="item-0-amount" value="15.50"' in after.text
        assert 'name="item-1-description" value=' not in after.text.split('class="new-item"')[0]
