"""Connection load on PostgreSQL: 8 concurrent runs, the webserver and the daemon.

The production instance (dagster.yaml: the pooled storages of
``invoice_pipeline/instance_storage/postgres.py``) on fresh databases;
``dagster-daemon`` and ``dagster-webserver`` run for real, eight documents are
dropped at once and the run queue lets all eight runs go together
(``DAGSTER_MAX_CONCURRENT_RUNS=8``), while the webserver is kept busy with
GraphQL. A thread samples ``pg_stat_activity`` every 0.1 s. The peak must stay
within the bound the pools set (:func:`connection_bound`), and once the runs
are over only the long-lived processes may hold connections.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from psycopg2 import sql

from invoice_pipeline.instance_storage import postgres as pooled
from invoice_pipeline.processing.results import engine as results_engine
from invoice_pipeline.samples import generate_invoice

from .conftest import PG_HOST, PG_PORT, PG_USER, REPO, ProdEnv, free_port, pg_connect, running

pytestmark = pytest.mark.postgres

RUNS = 8
STORAGES = 3  # run, event log, schedule


def connection_bound(processes: int) -> int:
    """The most Dagster-storage connections ``processes`` processes can open at once."""
    return processes * STORAGES * (pooled.POOL_SIZE + pooled.POOL_MAX_OVERFLOW)


class Sampler(threading.Thread):
    """Counts the server's connections to our databases every 0.1 s."""

    def __init__(self, databases: list[str]) -> None:
        super().__init__(daemon=True)
        self.databases = databases
        self.samples: list[dict[str, int]] = []
        self.stop_event = threading.Event()

    def count(self) -> dict[str, int]:
        with contextlib.closing(pg_connect()) as conn, conn.cursor() as cur:
            cur.execute(
                "SELECT datname, count(*) FROM pg_stat_activity WHERE datname = ANY(%s) "
                "GROUP BY datname",
                (self.databases,),
            )
            return dict(cur.fetchall())

    def run(self) -> None:
        while not self.stop_event.is_set():
            self.samples.append(self.count())
            time.sleep(0.1)

    def peak(self, database: str) -> int:
        return max((s.get(database, 0) for s in self.samples), default=0)


@pytest.fixture
def load_env(tmp_path: Path) -> Iterator[ProdEnv]:
    names = {k: f"invoice_load_{secrets.token_hex(4)}_{k}" for k in ("dagster", "results")}
    with contextlib.closing(pg_connect()) as admin, admin.cursor() as cur:
        for name in names.values():
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    home, inbox, storage = tmp_path / "dagster_home", tmp_path / "inbox", tmp_path / "storage"
    for folder in (home, inbox, storage):
        folder.mkdir()
    # the production file, with the run queue launching in threads: a launch takes seconds
    # (a run worker process starts), so one at a time the eight runs would hardly overlap
    yaml = (REPO / "dagster.yaml").read_text()
    anchor = "    dequeue_interval_seconds: 2\n"
    assert anchor in yaml
    threaded = "    dequeue_use_threads: true\n    dequeue_num_workers: 8\n"
    (home / "dagster.yaml").write_text(yaml.replace(anchor, anchor + threaded))
    env = {
        "DAGSTER_HOME": str(home),
        "DAGSTER_PG_HOST": PG_HOST,
        "DAGSTER_PG_PORT": str(PG_PORT),
        "DAGSTER_PG_USER": PG_USER,
        "DAGSTER_PG_PASSWORD": "",
        "DAGSTER_PG_DB": names["dagster"],
        "DAGSTER_EVENT_BATCH_SIZE": "100",
        "DAGSTER_MAX_CONCURRENT_RUNS": str(RUNS),
        "INVOICE_INBOX": str(inbox),
        "INVOICE_STORAGE": str(storage),
        "INVOICE_LOCAL_ROOT": str(tmp_path / "local"),
        "INVOICE_RESULTS_DB_URL": (
            f"postgresql+psycopg2://{PG_USER}@{PG_HOST}:{PG_PORT}/{names['results']}"
        ),
        "INVOICE_STABLE_SECONDS": "0",
        "INVOICE_SENSOR_INTERVAL_SECONDS": "1",
        "INVOICE_EXECUTOR": "in_process",
        "LLM_PROVIDER": "rules",
        "PYTHONUNBUFFERED": "1",
    }
    try:
        yield ProdEnv(tmp_path, home, inbox, storage, names, env)
    finally:
        with contextlib.closing(pg_connect()) as admin, admin.cursor() as cur:
            for name in names.values():
                cur.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


def _failures(instance, records) -> str:  # noqa: ANN001
    """What went wrong in the runs of ``records``: their failure events, for the message."""
    from dagster import DagsterEventType, DagsterRunStatus

    lines = []
    for record in records:
        run = record.dagster_run
        if run.status == DagsterRunStatus.SUCCESS:
            continue
        lines.append(f"run {run.run_id} ({run.tags.get('dagster/partition')}): {run.status}")
        for event in instance.all_logs(run.run_id):
            kind = event.dagster_event.event_type if event.dagster_event else None
            if kind in (DagsterEventType.STEP_FAILURE, DagsterEventType.RUN_FAILURE, None):
                if kind is None and event.level < 40:
                    continue
                lines.append(f"  {kind}: {event.message[:2000]}")
                data = event.dagster_event.event_specific_data if event.dagster_event else None
                error = getattr(data, "error", None)
                if error is not None:
                    lines.append(f"  {error.to_string()[:4000]}")
    return "\n".join(lines) + "\n"


def test_connections_stay_within_the_pool_bound(load_env: ProdEnv) -> None:
    from dagster import DagsterRunStatus, RunsFilter

    dbs = load_env.databases
    sampler = Sampler([dbs["dagster"], dbs["results"]])
    port = free_port()
    web = ["dagster-webserver", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)]
    finished = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}
    concurrent = 0
    with (
        running(web, load_env, "webserver.log") as webserver,
        running(["dagster-daemon", "run", "-w", "workspace.yaml"], load_env, "daemon.log") as d,
    ):
        sampler.start()
        deadline = time.monotonic() + 120
        while True:  # the webserver serves the code location
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/server_info", timeout=5).is_success:
                    break
            assert webserver.alive(), webserver.log_tail()
            assert time.monotonic() < deadline, webserver.log_tail()
            time.sleep(1)
        for seed in range(RUNS):
            data, suffix, _ = generate_invoice(8200 + seed, "en", kind="scan")  # OCR: long runs
            (load_env.inbox / f"load-{seed}{suffix}").write_bytes(data)
        deadline = time.monotonic() + 300
        with load_env.instance() as instance:
            while True:
                httpx.post(  # keep the webserver busy the way an open UI does
                    f"http://127.0.0.1:{port}/graphql",
                    json={"query": "{ runsOrError { ... on Runs { results { runId status } } } }"},
                    timeout=30,
                )
                records = instance.get_run_records(filters=RunsFilter(job_name="invoice_job"))
                done = [r for r in records if r.dagster_run.status in finished]
                succeeded = {
                    r.dagster_run.tags.get("dagster/partition")
                    for r in done
                    if r.dagster_run.status == DagsterRunStatus.SUCCESS
                }
                if len(records) >= RUNS and len(done) == len(records):
                    if len(succeeded) == RUNS:
                        break
                    # a run whose worker crashed is retried by the daemon (run_retries in
                    # dagster.yaml): give the retry time to appear; a failed step is not
                    # retried that way, so it fails here with its error
                    settled = max(r.end_time or 0 for r in records)
                    assert time.time() - settled < 60, _failures(instance, records)
                assert d.alive(), d.log_tail()
                assert time.monotonic() < deadline, _failures(instance, records)
                time.sleep(0.5)
            records = [r for r in records if r.dagster_run.status == DagsterRunStatus.SUCCESS]
            spans = [(r.start_time, r.end_time) for r in records]
            concurrent = max(sum(s <= t < e for s, e in spans) for t, _ in spans)
        time.sleep(3)
        idle = sampler.count()
        sampler.stop_event.set()
        sampler.join()
    peak_dagster, peak_results = sampler.peak(dbs["dagster"]), sampler.peak(dbs["results"])
    print(
        f"\nconnections: peak dagster db {peak_dagster}, peak results db {peak_results}, "
        f"after the runs {idle}, runs at once {concurrent}"
    )
    # long-lived: webserver, daemon, and the code servers they start; then one per run
    processes = 4 + RUNS
    assert concurrent >= 2  # the runs really overlapped
    assert peak_dagster <= connection_bound(processes), peak_dagster
    assert peak_results <= processes * (results_engine.POOL_SIZE + results_engine.MAX_OVERFLOW)
    # when the runs are over, only the long-lived processes hold connections: one per storage
    assert idle.get(dbs["dagster"], 0) <= 4 * STORAGES * pooled.POOL_SIZE + 4, idle


def test_a_pooled_storage_never_holds_more_than_its_bound(load_env: ProdEnv) -> None:
    """Sixteen threads at once on one pooled storage: at most POOL_SIZE + POOL_MAX_OVERFLOW
    connections open, the other threads wait; afterwards POOL_SIZE stay held."""
    import sqlalchemy as sa

    db = load_env.databases["dagster"]
    url = f"postgresql+psycopg2://{PG_USER}@{PG_HOST}:{PG_PORT}/{db}"
    storage = pooled.PooledPostgresRunStorage.from_config_value(None, {"postgres_url": url})
    sampler = Sampler([db])
    bound = pooled.POOL_SIZE + pooled.POOL_MAX_OVERFLOW

    def hold() -> None:
        with storage._engine.connect() as conn:  # the storage's own engine and pool
            conn.execute(sa.text("SELECT pg_sleep(0.5)"))

    try:
        assert sampler.count().get(db, 0) <= pooled.POOL_SIZE
        sampler.start()
        threads = [threading.Thread(target=hold) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        sampler.stop_event.set()
        sampler.join()
        assert sampler.peak(db) == bound, sampler.peak(db)
        assert sampler.count().get(db, 0) == pooled.POOL_SIZE  # the overflow was closed
    finally:
        storage.dispose()
