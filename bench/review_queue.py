"""The review queue over 10,000 documents: one page of the queue API and of the queue page.

Writes ``--documents`` records (70% in manual_review, each with reasons and two
line items) into a SQLite results database through
``ResultsStore.upsert_evaluation``, one transaction per document as the
pipeline writes them, then times, through the real app (Starlette's test
client, no network), ``GET /api/documents`` (first page, a page near the end, a
reason filter, a seller filter) and ``GET /queue`` (the HTML page), the median
of ``--repeat`` requests each. The issue asks for under a second.

    python -m bench.review_queue --documents 10000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._main import Benchmark, run_benchmark

TARGET_SECONDS = 1.0


def _records(count: int) -> list[Any]:
    from invoice_pipeline.schema import Evaluation, InvoiceRecord, RecordLineItem

    sellers = ["Muster GmbH", "Bluewater Solutions LLC", "Dupont SARL", "Svensson AB", "Acme Ltd"]
    reasons = [
        "total_amount read with confidence 0.45 < 0.60",
        "quality score 0.71 below 0.80",
        "seller_vat_id DE123 fails its checksum",
    ]
    out = []
    for i in range(count):
        status = "manual_review" if i % 10 < 7 else ("approved" if i % 10 < 9 else "failed")
        why = [reasons[i % 3], reasons[(i + 1) % 3]] if status != "approved" else []
        record = InvoiceRecord(
            document_id=f"bench-{i:06d}-{i * 7919 % 10**12:012x}",
            source_file=f"inbox/bench-{i}.pdf",
            status=status,
            quality_score=0.5 + (i % 50) / 100,
            invoice_number=f"RE-{i:06d}",
            invoice_date="2024-04-03",
            currency="EUR",
            seller_name=f"{sellers[i % len(sellers)]} {i % 97}",
            subtotal="100.00",
            tax_amount="19.00",
            total_amount="119.00",
            line_items=[
                RecordLineItem(
                    description="Beratung", quantity="1", unit_price="50.00", amount="50.00"
                ),
                RecordLineItem(
                    description="Wartung", quantity="1", unit_price="50.00", amount="50.00"
                ),
            ],
            reasons=why,
        )
        out.append(
            Evaluation(
                document_id=record.document_id,
                status=status,
                quality_score=record.quality_score,
                reasons=why,
                record=record,
            )
        )
    return out


def _median_seconds(get: Any, url: str, repeat: int) -> tuple[float, int]:
    times = []
    status = 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = get(url)
        times.append(time.perf_counter() - started)
        status = response.status_code
        assert status == 200, (url, response.text[:200])
    return statistics.median(times), len(response.content)


def measure(documents: int, repeat: int, folder: Path) -> dict[str, Any]:
    from starlette.testclient import TestClient

    from invoice_pipeline.processing.results.store import ResultsStore
    from invoice_pipeline.review.app import create_app

    url = f"sqlite:///{folder / 'results.sqlite'}"
    started = time.perf_counter()
    with ResultsStore(url) as store:
        store.migrate()
        for evaluation in _records(documents):
            store.upsert_evaluation(evaluation)
    insert_s = time.perf_counter() - started
    waiting = documents * 7 // 10
    requests = {
        "api first page (50)": "/api/documents?status=manual_review&limit=50",
        "api page near the end": f"/api/documents?status=manual_review&limit=50&offset={max(waiting - 60, 0)}",
        "api reason filter": "/api/documents?status=manual_review&limit=50&reason=checksum",
        "api seller filter": "/api/documents?status=manual_review&limit=50&seller=dupont",
        "queue page (HTML)": "/queue?status=manual_review",
    }
    rows = []
    with TestClient(create_app(url, str(folder / "storage"))) as client:
        client.get(requests["api first page (50)"])  # warm-up: first connection, templates
        for name, path in requests.items():
            seconds, size = _median_seconds(client.get, path, repeat)
            rows.append({"request": name, "path": path, "seconds": seconds, "bytes": size})
        total = client.get(requests["api first page (50)"]).json()["total"]
    return {
        "documents": documents,
        "waiting": total,
        "insert_seconds": insert_s,
        "target_seconds": TARGET_SECONDS,
        "rows": rows,
    }


def print_report(report: dict[str, Any]) -> None:
    print(
        f"{report['documents']} documents ({report['waiting']} in manual_review) written in "
        f"{report['insert_seconds']:.1f}s"
    )
    print(f"{'request':<24} {'median ms':>10} {'bytes':>9}")
    for row in report["rows"]:
        print(f"{row['request']:<24} {row['seconds'] * 1000:>10.1f} {row['bytes']:>9}")
    worst = max(r["seconds"] for r in report["rows"])
    verdict = "meets" if worst < report["target_seconds"] else "MISSES"
    print(f"slowest {worst * 1000:.0f} ms: {verdict} the {report['target_seconds']:.0f} s target")


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)


def _measure(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="review-queue-") as tmp:
        return measure(args.documents, args.repeat, Path(tmp))


BENCHMARK = Benchmark(
    name="review_queue",
    description=__doc__.split("\n\n")[0],
    add_arguments=_arguments,
    measure=_measure,
    print_report=print_report,
    exit_status=lambda r: 0 if max(x["seconds"] for x in r["rows"]) < r["target_seconds"] else 1,
)


def main(argv: list[str] | None = None) -> int:
    return run_benchmark(BENCHMARK, argv)


if __name__ == "__main__":
    sys.exit(main())
