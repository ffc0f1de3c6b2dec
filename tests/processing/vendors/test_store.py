"""The vendor tables on SQLite and PostgreSQL: migration 0005, versions, history, forgetting."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from invoice_pipeline.processing.results.store import ResultsStore
from invoice_pipeline.processing.vendors.learn import learn_profile
from invoice_pipeline.processing.vendors.store import UnknownVendor, VendorStore
from tests.pg_server import server_url, throwaway_database

from .conftest import invoice

PG_SERVER = server_url()


@pytest.fixture(scope="module")
def pg_database() -> Iterator[str]:
    with throwaway_database("vendor_test") as name:
        yield name


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[VendorStore]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'results.sqlite'}"
    else:
        url = f"{PG_SERVER}/{request.getfixturevalue('pg_database')}"
        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
    results = ResultsStore(url)
    results.migrate()
    yield VendorStore(results)
    results.close()


def test_migration_0005_creates_the_vendor_tables(store: VendorStore) -> None:
    assert store.results.current_revision() == "0005"
    inspector = sa.inspect(store.engine)
    profile_columns = {c["name"] for c in inspector.get_columns("vendor_profiles")}
    assert {"vendor_key", "key_kind", "display_name", "version", "profile", "learned_from",
            "created_at", "updated_at", "forgotten_at"} <= profile_columns  # fmt: skip
    history_columns = {c["name"] for c in inspector.get_columns("vendor_profile_history")}
    assert {"vendor_key", "version", "action", "document_id", "reviewer", "profile",
            "at"} <= history_columns  # fmt: skip
    indexes = {i["name"] for i in inspector.get_indexes("vendor_profile_history")}
    assert "ix_vendor_profile_history_vendor_key_id" in indexes


def test_versions_history_and_forgetting(store: VendorStore) -> None:
    a0, a1 = invoice(71, 0), invoice(71, 1)
    first = learn_profile(a0.ocr, a0.truth)
    assert first is not None
    saved = store.save(first, document_id=a0.truth.document_id, reviewer="ana")
    assert saved.version == 1
    second = learn_profile(a1.ocr, a1.truth, previous=saved)
    assert second is not None
    saved = store.save(second, document_id=a1.truth.document_id, reviewer="ben")
    assert saved.version == 2
    [current] = store.profiles()
    assert current.version == 2 and current.fields == second.fields
    assert current.learned_from == [a0.truth.document_id, a1.truth.document_id]
    assert store.find(a0.truth.seller_vat_id or "").vendor_key == current.vendor_key
    assert store.find(current.display_name.upper()).vendor_key == current.vendor_key
    assert store.learned_documents() == {a0.truth.document_id, a1.truth.document_id}

    store.forget(current.vendor_key, by="carla")
    assert store.profiles() == []
    with pytest.raises(UnknownVendor):
        store.find(current.vendor_key)
    gone = store.find(current.vendor_key, include_forgotten=True)
    assert gone.forgotten_at is not None
    history = store.history(current.vendor_key)
    assert [(h["version"], h["action"], h["reviewer"]) for h in history] == [
        (1, "learn", "ana"),
        (2, "learn", "ben"),
        (2, "forget", "carla"),
    ]
    # learning again after forgetting starts from nothing, at the next version
    again = learn_profile(a1.ocr, a1.truth)
    assert again is not None
    relearned = store.save(again, document_id=a1.truth.document_id, reviewer="ana")
    assert relearned.version == 3 and relearned.learned_from == [a1.truth.document_id]
    assert [p.vendor_key for p in store.profiles()] == [current.vendor_key]
