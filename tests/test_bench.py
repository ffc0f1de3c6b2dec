"""The benchmarks in bench/ at tiny sizes: each core function runs for real and reports.

Nothing here asserts on timings (the machine is shared and noisy); the tests
check that every benchmark runs the real pipeline, engines and storage end to
end, produces the figures its table and JSON promise, restores what it
patched, and that the scoring of the accuracy benchmark is right on cases
worked out by hand.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from bench import (
    _common,
    _overhead_defs,
    accuracy,
    dagster_overhead,
    ocr_engines,
    profile_pipeline,
    report,
    throughput,
)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def bench_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No provider keys, no engine or executor override, results under tmp_path."""
    for var in (
        "LLM_PROVIDER",
        "OCR_ENGINE",
        "OCR_DEVICE",
        "INVOICE_EXECUTOR",
        "INVOICE_BATCH_SIZE",
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "GOOGLE_API_KEY",
    ):
        monkeypatch.delenv(var, raising=False)
    results = tmp_path / "results"
    results.mkdir()
    return results


# ------------------------------------------------------------------ common


def test_common_table_percentile_and_environment(tmp_path: Path) -> None:
    text = _common.format_table(["name", "n"], [["a", 1.5], ["longer", None]])
    assert text.splitlines()[0].startswith("name") and "-" in text.splitlines()[-1]
    assert _common.percentile([1, 2, 3, 4], 50) == 2.5
    assert _common.percentile([5], 95) == 5.0
    assert _common.percentile([], 50) is None
    assert _common.per_hour(10, 36) == 1000
    before = dict(os.environ)
    with _common.pipeline_env(tmp_path / "env", OCR_ENGINE="tesseract") as paths:
        assert os.environ["INVOICE_STORAGE"] == str(paths["storage"])
        assert os.environ["OCR_ENGINE"] == "tesseract"
    assert dict(os.environ) == before
    out = _common.write_json("demo", {"x": 1}, folder=tmp_path, load_before=[0.1, 0.1, 0.1])
    data = json.loads(out.read_text())
    assert data["x"] == 1 and data["machine"]["cpus"] == os.cpu_count()
    with _common.PeakMemory() as memory:
        block = bytearray(20 * 1024 * 1024)
    assert memory.peak_mib >= len(block) / 1024 / 1024


# -------------------------------------------------------------- throughput


def test_throughput_backfill_per_document_and_bare_ocr(bench_env: Path, tmp_path: Path) -> None:
    result = throughput.measure(
        docs=2,
        kinds=("pdf", "scan"),
        per_document_docs=1,
        drop_kinds=("pdf",),
        born_digital=1,
        stable=0.2,
        with_cold_start=False,
        with_warm_up=False,
        workdir=tmp_path,
    )
    back = result["backfill"]
    assert back["failed_runs"] == 0
    assert set(back["groups"]) == {"pdf", "scan"}
    assert back["groups"]["pdf"]["documents"] == 2  # one of the mix, one extra
    assert sum(back["statuses"].values()) == 3 and "missing" not in back["statuses"]
    for group in back["groups"].values():
        assert set(throughput.STAGES) <= set(group["stage_seconds"])
        assert group["documents_per_hour"] > 0
    bare = result["bare_ocr"]["scan"]
    assert bare["pages"] == back["groups"]["scan"]["pages"] >= 1
    # the same engine with the same settings on the same pixels reads the same text
    assert bare["same_text_as_pipeline"] == bare["pages"]
    assert bare["overhead_ratio"] > 0
    per_doc = result["per_document"]
    assert per_doc["failed_runs"] == 0 and len(per_doc["rows"]) == 1
    row = per_doc["rows"][0]
    assert row["ticks"] >= 2  # first sight, then taken once stable
    assert row["latency_s"] >= row["taken_after_s"] >= 0.2
    assert [t["what"] for t in result["targets"]][0].startswith("scanned pages")
    # the same scans through process, and the born-digital one: every document a record
    through = result["ocr_process"]
    scans = back["groups"]["scan"]["documents"]
    assert through["documents"] == (scans if scans <= 2 else scans - 2) >= 1  # two warm it up
    assert through["pages_per_hour"] > 0 and "failed" not in through["statuses"]
    assert result["born_digital_process"]["documents_per_hour"] > 0
    assert any(g["what"].startswith("scans+photos through process") for g in result["goals"])
    throughput.print_report(result)
    _common.write_json("throughput", result, folder=bench_env)
    assert throughput.chart(result, bench_env / "throughput.png").stat().st_size > 0
    table, _ = report.rows(bench_env)
    assert any(r[0] == "born-digital invoices per hour, backfill" for r in table)


# ------------------------------------------------------------------ overhead


def test_dagster_overhead_noop_and_trivial_on_sqlite(bench_env: Path) -> None:
    from invoice_pipeline.processing import stages

    original = stages.preprocess
    result = dagster_overhead.measure(
        variants=("noop", "trivial"),
        storages=("sqlite", "sqlite_stock"),
        executors=("in_process",),
        per_doc=1,
        batch=2,
    )
    assert stages.preprocess is original  # the no-op patch is undone
    assert [(c["variant"], c["storage"]) for c in result["cells"]] == [
        ("noop", "sqlite"),
        ("trivial", "sqlite"),
        ("noop", "sqlite_stock"),
        ("trivial", "sqlite_stock"),
    ]
    assert [c["event_log_storage"] for c in result["cells"]] == [
        "PooledSqliteEventLogStorage",
        "PooledSqliteEventLogStorage",
        "SqliteEventLogStorage",
        "SqliteEventLogStorage",
    ]
    for cell in result["cells"]:
        assert cell["failed_runs"] == 0
        assert cell["per_document_run_s"] > 0 and cell["batch_per_doc_s"] > 0
    dagster_overhead.print_report(result)


@pytest.mark.postgres
def test_dagster_overhead_on_postgres_drops_its_databases(
    bench_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.pg_server import host_port_user

    host, port, user = host_port_user()  # the running server, or a throwaway one
    for name, value in (("HOST", host), ("PORT", str(port)), ("USER", user)):
        monkeypatch.setenv(f"DAGSTER_PG_{name}", value)
    reason = dagster_overhead.postgres_available()
    assert reason is None, reason
    result = dagster_overhead.measure(
        variants=("noop",),
        storages=("postgres", "postgres_pooled"),
        executors=("in_process",),
        per_doc=1,
        batch=2,
    )
    assert [c["storage"] for c in result["cells"]] == ["postgres", "postgres_pooled"]
    assert [c["event_log_storage"] for c in result["cells"]] == [
        "PostgresEventLogStorage",
        "PooledPostgresEventLogStorage",
    ]
    assert all(c["failed_runs"] == 0 for c in result["cells"]) and not result["skipped"]
    import psycopg2

    s = dagster_overhead.pg_settings()
    conn = psycopg2.connect(
        host=s["hostname"], port=s["port"], user=s["username"], dbname="postgres"
    )
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s",
                (f"bench_overhead_{os.getpid()}_%",),
            )
            assert cur.fetchall() == []
    finally:
        conn.close()


def test_noop_processing_returns_valid_contracts() -> None:
    from invoice_pipeline.processing import stages
    from invoice_pipeline.schema import DocumentEntry

    with _overhead_defs.noop_processing():
        import importlib

        raw_module = importlib.import_module("invoice_pipeline.assets.raw")
        entry = DocumentEntry(
            document_id="d-1",
            source_file="d.pdf",
            file_name="d.pdf",
            sha256="0" * 64,
            size_bytes=4,
            registered_at="2024-01-01T00:00:00Z",
        )
        raw = raw_module.ingest_document(entry, None, None)
        pre = stages.preprocess(raw, b"")
        ocr = stages.read_text(raw, pre, b"")
        extracted = stages.extract(ocr, None)
        invoice = stages.validate(extracted, ocr)
        evaluation = stages.evaluate(invoice)
    assert evaluation.record.document_id == "d-1" and evaluation.status == "manual_review"
    assert stages.preprocess.__module__ == "invoice_pipeline.processing.stages"


# ------------------------------------------------------------------ profile


def test_profile_before_and_after_on_born_digital(bench_env: Path) -> None:
    from invoice_pipeline.assets import common

    result = profile_pipeline.measure(
        docs=2, kinds=("pdf",), backlog=5, compare=True, folder=bench_env, warm_up=False
    )
    assert result["before"]["success"] and result["after"]["success"]
    # the public metadata call and UPathIOManager.load_input log more events
    assert result["before"]["events"] > result["after"]["events"]
    layers = result["profile"]["layers"]
    assert "Dagster event log / run storage" in layers
    assert abs(sum(v["seconds"] for v in layers.values()) - result["profile"]["total_s"]) < 0.05
    assert result["profile"]["top_ours"][0]["function"].startswith("run_batch")
    from invoice_pipeline import dagster_compat

    assert common.add_partition_metadata is dagster_compat.add_partition_metadata
    assert (bench_env / "profile_pipeline.html").stat().st_size > 0
    profile_pipeline.print_report(result)


def test_layer_of_prefers_the_most_specific_layer() -> None:
    stack = [
        "dagster/_core/execution/plan/execute_step.py:core",
        "invoice_pipeline/processing/ocr/pages.py:read_page_with_time_limit",
        "/usr/lib/python3.11/threading.py:join",
    ]
    assert profile_pipeline.layer_of(stack) == "OCR engine"
    assert profile_pipeline.layer_of(["x.py:f"]) == profile_pipeline.OTHER


# --------------------------------------------------------------------- OCR


def test_ocr_engines_table_fast_path_and_ablation(bench_env: Path) -> None:
    result = ocr_engines.measure(
        engines=("rapidocr", "paddleocr"),
        scans=1,
        photos=0,
        fast_path_docs=2,
        ablation_steps=("binarize",),
        warm_up=False,
    )
    rapid = [r for r in result["engines"] if r["engine"] == "rapidocr"]
    assert len(rapid) == 1 and rapid[0]["kind"] == "scan" and 0 <= rapid[0]["cer_mean"] < 1
    # the runtime that really ran the models: OpenVINO, or onnxruntime's CPU provider
    assert any("OpenVINO" in p or p == "CPUExecutionProvider" for p in rapid[0]["providers"])
    paddle = [r for r in result["engines"] if r["engine"] == "paddleocr"]
    assert len(paddle) == 1 and ("skipped" in paddle[0] or paddle[0]["pages"] == 1)
    assert result["fast_path"]["pages"] >= 2 and result["fast_path"]["seconds_per_page"] > 0
    configs = [r["config"] for r in result["ablation"]]
    assert configs == ["defaults", "+binarize"]
    # the defaults of the ablation are the engine table's read, not a second one
    assert result["ablation"][0]["scan"]["pages_read_anew"] == 0
    assert result["ablation"][0]["scan"]["cer_mean"] == pytest.approx(
        rapid[0]["cer_mean"], abs=1e-5
    )
    assert "target" in result
    ocr_engines.print_report(result)
    with pytest.raises(ValueError, match="unknown preprocessing step"):
        ocr_engines.ablation([], ("rapidocr",), "cpu", steps=("sharpen",))


def test_ocr_pages_round_trip_through_a_folder(tmp_path: Path) -> None:
    pages = ocr_engines.make_pages(1, 1, seed=4)
    ocr_engines.save_pages(pages, tmp_path / "pages")
    again = ocr_engines.load_pages(tmp_path / "pages")
    assert [p["label"] for p in again] == [p["label"] for p in pages]
    assert all((a["image"] == b["image"]).all() for a, b in zip(pages, again, strict=True))
    assert again[0]["reference"] == pages[0]["reference"]


# ---------------------------------------------------------------- accuracy


def test_field_comparisons() -> None:
    assert accuracy.field_right("total_amount", 1234.5, "1234.50")
    assert not accuracy.field_right("total_amount", "1234.50", "1234.56")
    assert accuracy.field_right("invoice_date", "2024-03-01", "2024-03-01")
    assert not accuracy.field_right("invoice_date", "2024-03-01", "2024-01-03")
    assert accuracy.field_right("invoice_number", "INV 2024-001", "inv2024-001")
    assert accuracy.field_right("invoice_number", "#BLR_WFLD2015", "BLR_WFLD2015")
    assert not accuracy.field_right("invoice_number", "INV/22/9714", "INV-22-9714")
    assert accuracy.field_right("seller_name", "Amazon Web Services", "Amazon Web Services, Inc.")
    assert not accuracy.field_right("seller_address", "Storgatan 40, Linköping", "Storgatan 40")
    assert not accuracy.field_right("invoice_number", "INV-2024-001", "INV-2024-007")
    assert accuracy.field_right("seller_name", "Müller & Söhne GmbH", "Müller & Söhne GmbH.")
    assert not accuracy.field_right("seller_name", "Müller & Söhne GmbH", "Nordic Tools AB")
    assert accuracy.field_right("seller_vat_id", "DE123456789", "DE 123 456 789")
    assert accuracy.field_right("iban", "DE89370400440532013000", "DE89 3704 0044 0532 0130 00")
    assert accuracy.field_right("currency", "eur", "EUR")
    assert not accuracy.field_right("currency", "EUR", None)


def test_line_items_are_matched_one_to_one() -> None:
    truth = [
        {"description": "Consulting services March", "amount": "100.00"},
        {"description": "Versandkosten", "amount": "5.90"},
        {"description": "AWS Data Transfer", "unit_price": 0.01},
    ]
    predicted = [
        {"description": "Consulting services, March", "amount": "100.00"},
        {"description": "Consulting services, March", "amount": "100.00"},  # a duplicate line
        {"description": "Versandkosten", "amount": "5.99"},  # wrong amount
        {"description": "AWS Data Transfer", "unit_price": "0.01", "amount": "3.10"},
    ]
    assert accuracy.match_items(truth, predicted) == 2


def test_summary_counts_key_fields_and_approval() -> None:
    def scored(status: str, keys_right: bool | None, items: tuple[int, int, int]) -> dict:
        return {
            "status": status,
            "duplicate_of": None,
            "fields": {"invoice_number": bool(keys_right), "total_amount": True},
            "all_key_fields_right": keys_right,
            "line_items": dict(zip(("truth", "predicted", "matched"), items, strict=True)),
        }

    s = accuracy.summarise(
        [
            scored("approved", True, (2, 2, 2)),
            scored("approved", False, (2, 3, 1)),
            scored("manual_review", True, (0, 0, 0)),
        ]
    )
    assert s["fields"]["invoice_number"] == {"right": 2, "labelled": 3, "accuracy": 0.6667}
    assert s["all_key_fields_right"] == 0.6667
    assert s["approved_rate"] == 0.6667 and s["approved_precision"] == 0.5
    assert s["line_items"]["f1"] == round(2 * 3 / (4 + 5), 4)


def test_accuracy_on_a_generated_corpus_and_a_manifest_dataset(
    bench_env: Path, tmp_path: Path
) -> None:
    from invoice_pipeline.samples import generate_corpus, generate_invoice

    generate_corpus(tmp_path / "gen", 2, kinds=("pdf",), seed=5)
    shared = tmp_path / "shared"
    (shared / "docs").mkdir(parents=True)
    (shared / "gt").mkdir()
    content, suffix, truth = generate_invoice(21, "de", kind="pdf")
    (shared / "docs" / f"one{suffix}").write_bytes(content)
    gt = {
        "doc_id": "one",
        "file": f"docs/one{suffix}",
        "doc_type": "born_digital_pdf",
        "invoice_number": truth.invoice_number,
        "date": truth.invoice_date,
        "seller": truth.seller_name,
        "currency": truth.currency,
        "total": float(Decimal(truth.total_amount)),
        "labelled_fields": ["invoice_number", "date", "seller", "currency", "total"],
    }
    (shared / "gt" / "one.json").write_text(json.dumps(gt))
    (shared / "manifest.jsonl").write_text(
        json.dumps({k: gt[k] for k in ("doc_id", "file", "doc_type", "labelled_fields")}) + "\n"
    )
    result = accuracy.measure([tmp_path / "gen", shared], engines=("auto", "tesseract"))
    # tesseract only gets a row on generated scans: there are none here
    assert [(r["dataset"], r["engine"], r["documents"]) for r in result["runs"]] == [
        ("gen", "auto", 2),
        ("shared", "auto", 1),
    ]
    gen, manifest = result["runs"]
    assert set(gen["groups"]) == {"born-digital"}
    assert gen["all"]["fields"]["line_items"]["labelled"] == 2
    assert set(manifest["all"]["fields"]) == {
        "invoice_number",
        "invoice_date",
        "seller_name",
        "currency",
        "total_amount",
    }
    for run in result["runs"]:
        assert sum(run["all"]["statuses"].values()) == run["documents"]
        for f in run["all"]["fields"].values():
            assert 0 <= f["accuracy"] <= 1
    accuracy.print_report(result)
    _common.write_json("accuracy", result, folder=bench_env)
    assert accuracy.chart(result, bench_env / "accuracy.png").stat().st_size > 0
    assert "accuracy shared born_digital_pdf" in report.markdown(bench_env)


def test_e_invoices_are_also_read_from_their_printed_text_once_per_invoice(
    bench_env: Path, tmp_path: Path
) -> None:
    from invoice_pipeline.samples.einvoice import SampleEInvoice, cii_xml, einvoice_pdf

    sample = SampleEInvoice()
    shared = tmp_path / "shared"
    (shared / "docs").mkdir(parents=True)
    (shared / "gt").mkdir()
    lines = []
    for doc_id in ("copy-a", "copy-b"):  # two copies of one invoice
        (shared / "docs" / f"{doc_id}.pdf").write_bytes(einvoice_pdf(cii_xml(sample)))
        gt = {
            "doc_id": doc_id,
            "file": f"docs/{doc_id}.pdf",
            "doc_type": "born_digital_pdf",
            "dup_group": "one",
            "invoice_number": sample.number,
            "currency": sample.currency,
            "labelled_fields": ["invoice_number", "currency"],
        }
        (shared / "gt" / f"{doc_id}.json").write_text(json.dumps(gt))
        lines.append(json.dumps({k: gt[k] for k in ("doc_id", "file", "doc_type")}))
    (shared / "manifest.jsonl").write_text("\n".join(lines) + "\n")
    result = accuracy.measure([shared], engines=("auto",))
    assert [(r["engine"], r["documents"]) for r in result["runs"]] == [
        ("auto", 2),
        (accuracy.PRINTED, 1),
    ]
    printed = result["runs"][1]
    assert printed["all"]["fields"]["invoice_number"]["right"] == 1  # read off the page
    no_printed = accuracy.measure([shared], engines=("auto",), printed=False)
    assert [r["engine"] for r in no_printed["runs"]] == ["auto"]


# ------------------------------------------------------------- scripts


def test_gpu_script_refuses_to_run_without_a_gpu(tmp_path: Path) -> None:
    script = REPO / "bench" / "gpu_ocr.sh"
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    env = {
        **os.environ,
        "NVIDIA_SMI": str(tmp_path / "no-nvidia-smi"),
        "VENV_PREFIX": str(tmp_path / "v"),
    }
    done = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True)
    assert done.returncode == 2
    assert "no NVIDIA driver" in done.stderr
    assert not (tmp_path / "v-paddle").exists()


def _gpu_script_pip_requests(tmp_path: Path, wheels: Path | None) -> tuple[int, str, list[str]]:
    """Run gpu_ocr.sh with a fake GPU and an index that records what pip asks it."""
    import http.server
    import threading

    asked: list[str] = []

    class Index(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            asked.append(self.path)
            self.send_error(404)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Index)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    index = f"http://127.0.0.1:{server.server_address[1]}/simple"
    fake_smi = tmp_path / "nvidia-smi"
    fake_smi.write_text("#!/bin/sh\necho 'NVIDIA H200, 570.1, 143771 MiB'\n")
    fake_smi.chmod(0o755)
    env = {
        **os.environ,
        "NVIDIA_SMI": str(fake_smi),
        "VENV_PREFIX": str(tmp_path / "v"),
        "PIP_INDEX_URL": index,
        "PIP_EXTRA_INDEX_URL": index,
        "PADDLE_INDEX_URL": index,
        "PIP_RETRIES": "0",
    }
    env.pop("WHEELS_DIR", None)
    if wheels is not None:
        env["WHEELS_DIR"] = str(wheels)
    try:
        done = subprocess.run(
            ["bash", str(REPO / "bench" / "gpu_ocr.sh")],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        server.shutdown()
    return done.returncode, done.stderr, asked


def test_gpu_script_installs_only_from_the_wheel_folder_when_given_one(tmp_path: Path) -> None:
    """With WHEELS_DIR, pip never asks an index: an empty folder fails at once, offline."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    code, stderr, asked = _gpu_script_pip_requests(tmp_path, wheels)
    assert code == 2
    assert f"pip could not install the project into {tmp_path / 'v-paddle'} from {wheels}" in stderr
    assert asked == []
    # without the folder the same run asks the index (so the check above can fail)
    online = tmp_path / "online"
    online.mkdir()
    code, _, asked = _gpu_script_pip_requests(online, None)
    assert code == 2 and asked


def test_daemon_backfill_runs_a_backfill_through_the_real_daemon(bench_env: Path) -> None:
    # dagster-daemon started for real on a temporary embedded instance: the backfill of six
    # documents in runs of three is cut, queued, launched as run processes and completed
    from bench import daemon_backfill

    result = daemon_backfill.measure(6, 3, 2, seed=3, limit=240)
    assert result["completed"], result["daemon_log_tail"]
    assert result["documents"] == 6 and result["runs"] == {"SUCCESS": 2}
    assert result["documents_per_hour"] > 0 and result["documents_per_hour_while_running"] > 0
    assert len(result["run_seconds_min_median_max"]) == 3


def test_run_all_plans_every_benchmark(tmp_path: Path) -> None:
    from bench import __main__ as run_all

    plan = run_all.commands(tmp_path / "results", tmp_path / "no-data", tmp_path / "corpus", False)
    assert set(plan) == set(run_all.ORDER)
    assert isinstance(plan["einvoice_accuracy"], str)  # no zugferd-dev here: skipped, with why
    assert plan["accuracy"][1][:2] == [sys.executable, "bench/accuracy.py"]
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--help"], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0 and "--quick" in done.stdout
