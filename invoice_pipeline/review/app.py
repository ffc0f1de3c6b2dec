"""The review web application (Starlette): queue, document view, decisions, JSON API, metrics.

:func:`create_app` builds the app over one results database and one asset
storage. Pages (Jinja2 templates, autoescaped, htmx for the queue's filters and
paging): ``/queue`` (manual_review, failed, approved and rejected in tabs, oldest
first, filtered by reason and seller), ``/documents/{id}`` (page images with an
SVG box per field, the fields in a form, reasons beside their field, e-invoice
values, audit trail; the form posts to ``/documents/{id}/review`` with a CSRF
token), ``/documents/{id}/pages/{n}.png`` (only for ids the database knows),
``/login``. JSON API: ``GET /api/documents``, ``GET /api/documents/{id}``,
``POST /api/documents/{id}/review`` (409 on a stale version, 422 naming the
field of a refused value). ``GET /metrics`` in Prometheus text format.
Guards (token, session, CSRF, body size, headers) are in :mod:`.security`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Literal

import jinja2
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from invoice_pipeline.processing.evaluate.thresholds import Thresholds
from invoice_pipeline.processing.results.review_store import (
    Override,
    ReviewStore,
    StaleVersion,
    UnknownDocument,
)
from invoice_pipeline.processing.results.store import ResultsStore
from invoice_pipeline.processing.vendors.store import learn_vendor
from invoice_pipeline.review import security
from invoice_pipeline.review.corrections import (
    EDITABLE_FIELDS,
    ItemInput,
    Refusal,
    check_review,
)
from invoice_pipeline.review.metrics import registry_for
from invoice_pipeline.review.pages import PageSource
from invoice_pipeline.review.views import DocumentView, document_view

__all__ = ["ReviewRequest", "create_app"]

HERE = Path(__file__).parent
QUEUE_TABS = ("manual_review", "failed", "approved", "rejected")
PAGE_SIZE = 50
MAX_LIMIT = 500
MAX_BODY_BYTES = 64 * 1024


class ReviewRequest(BaseModel):
    """The body of ``POST /api/documents/{id}/review``."""

    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "reject"]
    fields: dict[str, str | None] = Field(default_factory=dict)
    reviewer: str = Field(min_length=1, max_length=255)
    comment: str | None = Field(default=None, max_length=4000)
    version: int = Field(ge=0)
    override: list[str] = Field(default_factory=list)
    """Checks the reviewer explicitly overrides (for example ``iban_valid``)."""
    line_items: list[ItemInput] | None = Field(default=None, max_length=500)
    """Every line item as corrected (None: the items stay as read); blank rows are dropped."""


class ReviewRefused(Exception):
    def __init__(self, refusals: list[Refusal]) -> None:
        super().__init__("; ".join(f"{r.field}: {r.message}" for r in refusals))
        self.refusals = refusals


_ITEM_CELL = re.compile(r"^item-(\d{1,3})-(description|quantity|unit_price|amount|tax_rate)$")


def _form_items(form: Any) -> list[ItemInput]:
    """The line-item rows of the review form (``item-<n>-<column>``), in row order."""
    rows: dict[int, dict[str, str]] = {}
    for key in form.keys():
        m = _ITEM_CELL.match(str(key))
        if m:
            rows.setdefault(int(m.group(1)), {})[m.group(2)] = str(form.get(key, ""))
    return [ItemInput(**rows[n]) for n in sorted(rows)]


def _json(code: int, **body: Any) -> JSONResponse:
    return JSONResponse(body, status_code=code)


def create_app(
    results_url: str,
    storage_root: str,
    *,
    token: str | None = None,
    dagster_ui_url: str | None = None,
    thresholds: Thresholds | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
    migrate: bool = True,
    vendor_memory: bool | None = None,
) -> Starlette:
    """The review app over the results database at ``results_url`` and the asset storage.

    An approval teaches the document's vendor profile (``vendor_memory``; None: the
    VENDOR_MEMORY setting).
    """
    if vendor_memory is None:
        from invoice_pipeline import settings

        vendor_memory = settings.get().vendor_memory
    results = ResultsStore(results_url)
    if migrate:
        results.migrate()
    reviews = ReviewStore(results)
    pages = PageSource(storage_root)
    registry, decisions = registry_for(reviews, storage_root)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True, auto_reload=False
    )
    templates = Jinja2Templates(env=env)
    t = thresholds or Thresholds()

    def view(document_id: str) -> DocumentView | None:
        doc = reviews.document(document_id)
        if doc is None:
            return None
        return document_view(doc, pages, storage_root, dagster_ui_url=dagster_ui_url)

    def decide(document_id: str, body: ReviewRequest) -> DocumentView:
        doc = reviews.document(document_id)
        if doc is None:
            raise UnknownDocument(document_id)
        if body.version != doc.version:
            raise StaleVersion(document_id, body.version, doc.version)
        approve = body.decision == "approve"
        outcome = check_review(
            doc.record,
            body.fields,
            approve=approve,
            overrides=body.override,
            thresholds=t,
            items=body.line_items,
        )
        if outcome.refusals:
            raise ReviewRefused(outcome.refusals)
        reviews.save(
            document_id,
            decision="approved" if approve else "rejected",
            reviewer=body.reviewer.strip(),
            expected_version=body.version,
            corrections=outcome.corrections,
            overrides=[
                Override(check=r.check, field=r.field, message=r.message)
                for r in outcome.overridden
            ],
            comment=(body.comment or "").strip() or None,
        )
        if approve and vendor_memory:
            learn_vendor(results, storage_root, document_id, body.reviewer.strip())
        decisions.labels(body.decision).inc()
        found = view(document_id)
        assert found is not None
        return found

    def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
        csrf = request.cookies.get(security.CSRF_COOKIE) or security.new_csrf()
        response = templates.TemplateResponse(
            request,
            name,
            {**context, "csrf_token": csrf, "auth": token is not None and name != "login.html"},
            status_code=status,
        )
        if request.cookies.get(security.CSRF_COOKIE) != csrf:
            response.set_cookie(
                security.CSRF_COOKIE,
                csrf,
                httponly=True,
                samesite="strict",
                secure=request.url.scheme == "https",
            )
        return response

    # ------------------------------------------------------------------ pages

    def home(request: Request) -> Response:
        return RedirectResponse("/queue", status_code=303)

    def queue_context(request: Request) -> dict[str, Any]:
        q = request.query_params
        status = q.get("status") if q.get("status") in QUEUE_TABS else "manual_review"
        offset = max(int(q.get("offset", "0") or 0) if (q.get("offset") or "0").isdigit() else 0, 0)
        reason, seller = (q.get("reason") or "").strip(), (q.get("seller") or "").strip()
        total, records = reviews.queue(
            status, limit=PAGE_SIZE, offset=offset, reason=reason or None, seller=seller or None
        )
        return {
            "status": status,
            "tabs": QUEUE_TABS,
            "records": records,
            "total": total,
            "offset": offset,
            "page_size": PAGE_SIZE,
            "reason": reason,
            "seller": seller,
        }

    def queue_page(request: Request) -> Response:
        context = queue_context(request)
        partial = request.headers.get("hx-request") == "true"
        return page(request, "_queue_table.html" if partial else "queue.html", context)

    def document_page(request: Request) -> Response:
        found = view(request.path_params["document_id"])
        if found is None:
            return page(request, "error.html", {"message": "no such document"}, 404)
        nxt = reviews.neighbours(found.document_id)
        return page(request, "document.html", {"doc": found, "next_id": nxt, "errors": []})

    async def document_form(request: Request) -> Response:
        document_id = request.path_params["document_id"]
        form = await request.form()
        if not security.csrf_ok(request.cookies.get(security.CSRF_COOKIE), form.get("csrf_token")):  # type: ignore[arg-type]
            return page(
                request, "error.html", {"message": "the form expired: reload the page"}, 403
            )
        fields = {
            n: str(form.get(f"field_{n}", "")) for n in EDITABLE_FIELDS if f"field_{n}" in form
        }
        items = _form_items(form) if "items_shown" in form else None
        errors: list[Refusal] = []
        status = 200
        try:
            body = ReviewRequest(
                decision=str(form.get("decision", "")),  # type: ignore[arg-type]
                fields=fields,
                reviewer=str(form.get("reviewer", "")),
                comment=str(form.get("comment", "")) or None,
                version=int(str(form.get("version", "-1")))
                if str(form.get("version", "")).isdigit()
                else -1,
                override=[str(v) for v in form.getlist("override")],
                line_items=items,
            )
            await run_in_threadpool(decide, document_id, body)
            response = RedirectResponse(f"/documents/{document_id}?saved=1", status_code=303)
            response.set_cookie("review_name", body.reviewer, samesite="strict", httponly=True)
            return response
        except UnknownDocument:
            return page(request, "error.html", {"message": "no such document"}, 404)
        except ValidationError as exc:
            status = 422
            errors = [
                Refusal(
                    field=".".join(map(str, e["loc"])) or "form",
                    check="request",
                    message=e["msg"],
                    overridable=False,
                )
                for e in exc.errors()
            ]
        except StaleVersion as exc:
            status = 409
            errors = [
                Refusal(field="version", check="version", message=str(exc), overridable=False)
            ]
        except ReviewRefused as exc:
            status, errors = 422, exc.refusals
        found = await run_in_threadpool(view, document_id)
        assert found is not None
        return page(
            request,
            "document.html",
            {
                "doc": found,
                "next_id": await run_in_threadpool(reviews.neighbours, document_id),
                "errors": errors,
                "typed": fields,
                "typed_items": items,
                "comment": form.get("comment", ""),
                "stale": status == 409,
            },
            status,
        )

    def page_image(request: Request) -> Response:
        document_id = request.path_params["document_id"]
        number = request.path_params["number"]
        if reviews.document(document_id) is None:  # only documents the database knows
            return Response("no such document", status_code=404, media_type="text/plain")
        data = pages.image(document_id, number)
        if data is None:
            return Response("no image of this page", status_code=404, media_type="text/plain")
        return Response(
            data, media_type="image/png", headers={"cache-control": "private, max-age=300"}
        )

    def login_form(request: Request) -> Response:
        return page(request, "login.html", {"error": None})

    async def login(request: Request) -> Response:
        form = await request.form()
        if not security.csrf_ok(request.cookies.get(security.CSRF_COOKIE), form.get("csrf_token")):  # type: ignore[arg-type]
            return page(request, "login.html", {"error": "the form expired: try again"}, 403)
        if token is None:
            return RedirectResponse("/queue", status_code=303)
        if not security.token_ok(token, str(form.get("token", ""))):
            return page(request, "login.html", {"error": "wrong token"}, 401)
        response = RedirectResponse("/queue", status_code=303)
        response.set_cookie(
            security.SESSION_COOKIE,
            security.make_session(token),
            max_age=security.SESSION_SECONDS,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return response

    async def logout(request: Request) -> Response:
        form = await request.form()
        response = RedirectResponse("/login", status_code=303)
        if security.csrf_ok(request.cookies.get(security.CSRF_COOKIE), form.get("csrf_token")):  # type: ignore[arg-type]
            response.delete_cookie(security.SESSION_COOKIE)
        return response

    # ------------------------------------------------------------------ API

    def api_documents(request: Request) -> Response:
        q = request.query_params
        status = q.get("status", "manual_review")
        if status not in QUEUE_TABS:
            return _json(
                422,
                detail=f"status must be one of {', '.join(QUEUE_TABS)}",
                errors=[{"field": "status", "message": "unknown status"}],
            )
        try:
            limit = int(q.get("limit", PAGE_SIZE))
            offset = int(q.get("offset", 0))
        except ValueError:
            return _json(
                422,
                detail="limit and offset must be integers",
                errors=[{"field": "limit", "message": "not an integer"}],
            )
        if not (1 <= limit <= MAX_LIMIT) or offset < 0:
            return _json(
                422,
                detail=f"limit must be 1..{MAX_LIMIT}, offset 0 or more",
                errors=[{"field": "limit", "message": "out of range"}],
            )
        total, records = reviews.queue(
            status,
            limit=limit,
            offset=offset,
            reason=q.get("reason") or None,
            seller=q.get("seller") or None,
        )
        return _json(
            200,
            total=total,
            limit=limit,
            offset=offset,
            status=status,
            documents=[r.model_dump(mode="json") for r in records],
        )

    def api_document(request: Request) -> Response:
        found = view(request.path_params["document_id"])
        if found is None:
            return _json(404, detail="no such document")
        return _json(200, **found.model_dump(mode="json"))

    async def api_review(request: Request) -> Response:
        document_id = request.path_params["document_id"]
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return _json(415, detail="send the review as application/json")
        try:
            body = ReviewRequest.model_validate_json(await request.body())
        except ValidationError as exc:
            return _json(
                422,
                detail="the request is not a review",
                errors=[
                    {"field": ".".join(map(str, e["loc"])), "check": "request", "message": e["msg"]}
                    for e in exc.errors(include_url=False)
                ],
            )
        try:
            found = await run_in_threadpool(decide, document_id, body)
        except UnknownDocument:
            return _json(404, detail="no such document")
        except StaleVersion as exc:
            return _json(409, detail=str(exc), current_version=exc.current)
        except ReviewRefused as exc:
            first = exc.refusals[0]
            return _json(
                422,
                detail=f"{first.field}: {first.message}",
                errors=[r.model_dump() for r in exc.refusals],
            )
        return _json(200, **found.model_dump(mode="json"))

    def metrics(request: Request) -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    routes = [
        Route("/", home),
        Route("/queue", queue_page),
        Route("/documents/{document_id}", document_page),
        Route("/documents/{document_id}/review", document_form, methods=["POST"]),
        Route("/documents/{document_id}/pages/{number:int}.png", page_image),
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/api/documents", api_documents),
        Route("/api/documents/{document_id}", api_document),
        Route("/api/documents/{document_id}/review", api_review, methods=["POST"]),
        Route("/metrics", metrics),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = [
        Middleware(security.SecurityHeadersMiddleware),
        Middleware(security.BodyLimitMiddleware, max_bytes=max_body_bytes),
        Middleware(security.AuthMiddleware, token=token),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        results.close()

    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.results = results
    app.state.reviews = reviews
    env.globals["today"] = dt.date.today
    return app
