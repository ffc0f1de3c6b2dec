"""The review page: a person checks, corrects and approves the invoices in ``manual_review``.

A small Starlette application (:func:`~invoice_pipeline.review.app.create_app`)
over the results database and the asset storage, served by uvicorn through
:func:`serve` (``invoice-pipeline review serve``): the queue, each document's
page images with the box of every field, a form to correct values (normalised
and checked like extracted ones, :mod:`.corrections`) and approve or reject, a
JSON API and ``/metrics``. It never imports Dagster; the decisions are kept by
``processing/results/review_store.py`` beside the extracted values. Security
(:mod:`.security`): it binds to 127.0.0.1 unless told otherwise, and any other
address needs ``INVOICE_REVIEW_TOKEN``.
"""

from __future__ import annotations

from invoice_pipeline.review.security import is_loopback

__all__ = ["TokenRequired", "serve"]


class TokenRequired(RuntimeError):
    """Binding to a non-loopback address without an access token."""


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    *,
    results_url: str,
    storage_root: str,
    token: str | None,
    dagster_ui_url: str | None = None,
    thresholds: object | None = None,
) -> None:
    """Serve the review page with uvicorn until interrupted.

    Raises :class:`TokenRequired` (before binding) when ``host`` is not a
    loopback address and no token is set.
    """
    if not token and not is_loopback(host):
        raise TokenRequired(
            f"the review page binds to {host}: set INVOICE_REVIEW_TOKEN (every request must "
            "then carry it), or bind to 127.0.0.1"
        )
    import uvicorn

    from invoice_pipeline.review.app import create_app

    app = create_app(
        results_url,
        storage_root,
        token=token,
        dagster_ui_url=dagster_ui_url,
        thresholds=thresholds,  # type: ignore[arg-type]
    )
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)
