"""The results database resource: SQLite by default, PostgreSQL via INVOICE_RESULTS_DB_URL."""

from __future__ import annotations

import dagster as dg
from pydantic import PrivateAttr

from invoice_pipeline.processing.results.store import ResultsStore


class ResultsDatabaseResource(dg.ConfigurableResource):
    """Invoices, line items and document status, upserted by document id."""

    url: str
    _store: ResultsStore | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._store = ResultsStore(self.url)
        self._store.migrate()

    def store(self) -> ResultsStore:
        if self._store is None:
            self._store = ResultsStore(self.url)
            self._store.migrate()
        return self._store
