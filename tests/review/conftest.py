"""Fixtures of the review page's tests: real records from the real pipeline, real databases.

Once per session the pipeline (``runner.process`` on a temporary Dagster
instance) reads a few generated invoices: born-digital PDFs (one of them over
two pages), a scan, a Factur-X PDF carrying its XML, and a corrupt file. ``INVOICE_APPROVE_MIN_SCORE=0.99``
and ``INVOICE_MIN_FIELD_CONFIDENCE=1.0`` (no value read from a page is that sure) send
the readable ones to ``manual_review`` with a reason, so the queue has
real documents with real boxes. Each test gets its own copy of the results
database: the SQLite file copied, or a fresh PostgreSQL database (on the
server of ``tests/pg_server.py``) filled with the same records through the store.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

from invoice_pipeline import runner
from invoice_pipeline.definitions import build_definitions
from invoice_pipeline.processing.results.store import ResultsStore
from invoice_pipeline.samples import generate_invoice
from invoice_pipeline.samples.einvoice import cii_xml, einvoice_pdf
from invoice_pipeline.schema import Evaluation, InvoiceRecord
from tests.pg_server import server_url

_SCRUB = (
    "LLM_PROVIDER",
    "OCR_ENGINE",
    "INVOICE_EXECUTOR",
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "GOOGLE_API_KEY",
    "INVOICE_REVIEW_TOKEN",
)


@dataclass(frozen=True)
class Corpus:
    """What the pipeline made: the storage root, the SQLite results file and the records."""

    storage: Path
    results: Path
    records: list[InvoiceRecord]

    def by_status(self, status: str) -> list[InvoiceRecord]:
        return [r for r in self.records if r.status == status]


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corpus]:
    root = tmp_path_factory.mktemp("review-pipeline")
    paths = {name: root / name for name in ("storage", "inbox", "home")}
    for path in paths.values():
        path.mkdir()
    results = root / "results.sqlite"
    files = []
    for seed, locale, kind, items in [
        (301, "de", "pdf", 3),
        (302, "en", "pdf", 40),  # two pages or more
        (303, "fr", "pdf", 5),
        (304, "de", "scan", 4),
    ]:
        data, suffix, _truth = generate_invoice(seed, locale, kind=kind, items=items)
        path = paths["inbox"] / f"{locale}-{kind}-{seed}{suffix}"
        path.write_bytes(data)
        files.append(path)
    einvoice = paths["inbox"] / "factur-x.pdf"  # a PDF carrying its EN 16931 XML
    einvoice.write_bytes(einvoice_pdf(cii_xml()))
    files.append(einvoice)
    broken = paths["inbox"] / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n1 0 obj <<>> endobj\n% truncated")
    files.append(broken)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INVOICE_STORAGE", str(paths["storage"]))
        mp.setenv("INVOICE_INBOX", str(paths["inbox"]))
        mp.setenv("DAGSTER_HOME", str(paths["home"]))
        mp.setenv("INVOICE_RESULTS_DB_URL", f"sqlite:///{results}")
        mp.setenv("INVOICE_APPROVE_MIN_SCORE", "1.0")
        mp.setenv("INVOICE_MIN_FIELD_CONFIDENCE", "1.0")
        for name in _SCRUB:
            mp.delenv(name, raising=False)
        with dg.instance_for_test(temp_dir=str(paths["home"])) as instance:
            records = runner.process(
                [str(f) for f in files], defs=build_definitions(), instance=instance, batch_size=5
            )
    yield Corpus(storage=paths["storage"], results=results, records=records)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A database on the local PostgreSQL server for this session, dropped at the end."""
    server = server_url()  # the machine's server, or a throwaway one (tests/pg_server.py)
    name = f"invoice_review_{secrets.token_hex(6)}"
    admin = sa.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:  # a missing server is a failure, not a skip
        pytest.fail(f"PostgreSQL at {server} is required: {exc}")
    try:
        yield f"{server}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def copy_records(records: list[InvoiceRecord], url: str) -> None:
    """Write the pipeline's records into the database at ``url`` through the store."""
    with ResultsStore(url) as store:
        store.migrate()
        for record in records:
            store.upsert_evaluation(
                Evaluation(
                    document_id=record.document_id,
                    status=record.status,
                    quality_score=record.quality_score,
                    reasons=record.reasons,
                    duplicate_of=record.duplicate_of,
                    record=record,
                )
            )


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def results_url(request: pytest.FixtureRequest, corpus: Corpus, tmp_path: Path) -> str:
    """A results database holding the corpus's records, fresh for each test."""
    if request.param == "sqlite":
        copy = tmp_path / "results.sqlite"
        with ResultsStore(f"sqlite:///{corpus.results}") as source:
            source.migrate()  # checkpoint: the copy must hold every row
            with source.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copy(corpus.results, copy)
        return f"sqlite:///{copy}"
    url = request.getfixturevalue("pg_database")
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    copy_records(corpus.records, url)
    return url
