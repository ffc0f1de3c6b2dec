"""Links into the review page, for the Dagster UI's materialization metadata.

:func:`review_url` gives a document's page under the review page's public base
URL (``INVOICE_REVIEW_BASE_URL``), or None when none is configured.
"""

from __future__ import annotations

from urllib.parse import quote

__all__ = ["review_url"]


def review_url(base_url: str | None, document_id: str) -> str | None:
    """``<base>/documents/<document_id>``; None without a base URL."""
    if not base_url:
        return None
    return f"{base_url.rstrip('/')}/documents/{quote(document_id, safe='')}"
