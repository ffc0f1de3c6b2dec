"""The per-document loop through the real pipeline: blocking checks, document_ok, stage history.

Every test materialises the six assets for real (``runner.process`` on a
temporary Dagster instance, SQLite results database) over generated invoices
and reads back what a user would see: records, asset-check evaluations per
partition, and the status and history rows of the results database.
"""

from __future__ import annotations

import dagster as dg

from invoice_pipeline import runner, settings
from invoice_pipeline.definitions import build_definitions
from invoice_pipeline.processing.evaluate import quality_checks
from invoice_pipeline.processing.results.store import ResultsStore
from invoice_pipeline.samples import generate_invoice

STAGES = [
    ("raw", "uploaded"),
    ("preprocessed", "preprocessing"),
    ("ocr_text", "ocr"),
    ("llm_fields", "extracting"),
    ("validated", "validating"),
    ("evaluation", "evaluating"),
]


def invoices(inbox, seeds, locale="en"):
    paths = []
    for seed in seeds:
        data, suffix, _ = generate_invoice(seed, locale, kind="pdf")
        path = inbox / f"invoice-{seed}{suffix}"
        path.write_bytes(data)
        paths.append(path)
    return paths


def check(instance: dg.DagsterInstance, asset: str, name: str, partition: str):
    """The latest evaluation of one asset check on one document's partition."""
    history = instance.event_log_storage.get_asset_check_execution_history(
        dg.AssetCheckKey(dg.AssetKey(asset), name), limit=50
    )
    found = [
        r.event.dagster_event.event_specific_data
        for r in history
        if r.event and r.event.dagster_event.event_specific_data.partition == partition
    ]
    assert found, (asset, name, partition)
    return found[0]


def results() -> ResultsStore:
    return ResultsStore(settings.get().results_db_url)


def test_broken_contract_stops_that_document_only(pipeline_env, instance, monkeypatch):
    paths = invoices(pipeline_env["inbox"], [301, 302, 303])
    real = quality_checks.contract_problems
    broken_source = str(paths[1])

    def forced(invoice):
        problems = dict(real(invoice))
        if invoice.source_file == broken_source:
            problems["currency"] = "currency 'EURO' is not an ISO 4217 code"
        return problems

    monkeypatch.setattr(quality_checks, "contract_problems", forced)
    records = runner.process(
        [str(p) for p in paths], defs=build_definitions(), instance=instance, batch_size=3
    )
    by_file = {r.source_file: r for r in records}
    broken = by_file[broken_source]
    others = [by_file[str(p)] for p in (paths[0], paths[2])]

    # one run for the batch, and it succeeded: the other documents went on
    runs = instance.get_runs()
    assert [r.status for r in runs if r.job_name == "invoice_job"] == [dg.DagsterRunStatus.SUCCESS]
    for record in others:
        assert record.status in ("approved", "manual_review"), record.reasons
        assert record.currency is not None  # its values flowed on
        assert check(instance, "validated", "contract_valid", record.document_id).passed

    # the broken one did not flow on as good: failed, with the check's reason, no broken value
    assert broken.status == "failed"
    assert any(
        r.startswith("contract_broken: blocking check contract_valid") for r in broken.reasons
    )
    assert broken.currency is None
    failed_check = check(instance, "validated", "contract_valid", broken.document_id)
    assert not failed_check.passed and failed_check.blocking
    assert "EURO" in failed_check.description
    with results() as db:
        row = db.status(broken.document_id)[0]
        history = [(h["stage"], h["status"]) for h in db.history(broken.document_id)]
    assert row["status"] == "failed" and row["stage"] == "evaluation"
    assert ("validated", "failed") in history and ("evaluation", "evaluating") not in history


def test_document_ok_fails_for_a_corrupt_file_with_its_reason(pipeline_env, instance):
    [good] = invoices(pipeline_env["inbox"], [311])
    corrupt = pipeline_env["inbox"] / "corrupt.pdf"
    corrupt.write_bytes(b"%PDF-1.7\n1 0 obj <<>> endobj\n% truncated")
    records = runner.process(
        [str(good), str(corrupt)], defs=build_definitions(), instance=instance, batch_size=2
    )
    by_file = {r.source_file: r for r in records}
    bad, fine = by_file[str(corrupt)], by_file[str(good)]
    assert bad.status == "failed"

    bad_check = check(instance, "evaluation", "document_ok", bad.document_id)
    assert not bad_check.passed
    assert bad_check.severity == dg.AssetCheckSeverity.ERROR
    metadata = {k: v.value for k, v in bad_check.metadata.items()}
    assert metadata["quarantined"] is True
    assert metadata["status"] == "failed"
    assert metadata["reason"] == "; ".join(bad.reasons) and bad.issues[0].code in metadata["reason"]
    ok = check(instance, "evaluation", "document_ok", fine.document_id)
    assert ok.passed and ok.metadata["reason"].value == ""

    # the partitions view can filter on it: the check's latest status per partition
    key = dg.AssetCheckKey(dg.AssetKey("evaluation"), "document_ok")
    assert key in build_definitions().resolve_asset_graph().asset_check_keys


def test_status_is_written_per_document_as_each_stage_finishes(pipeline_env, instance):
    from click.testing import CliRunner

    from invoice_pipeline.cli import main

    paths = invoices(pipeline_env["inbox"], [321, 322], locale="de")
    records = runner.process(
        [str(p) for p in paths], defs=build_definitions(), instance=instance, batch_size=2
    )
    [run] = [r for r in instance.get_runs() if r.job_name == "invoice_job"]
    with results() as db:
        histories = {r.document_id: db.history(r.document_id) for r in records}
    for record in records:
        rows = histories[record.document_id]
        assert [(h["stage"], h["status"]) for h in rows] == [
            *STAGES,
            ("evaluation", record.status),
        ]
        assert {h["run_id"] for h in rows} == {run.run_id}
        times = [h["at"] for h in rows]
        assert times == sorted(times)
    # written as each document finishes a stage, not once per batch: the first document's
    # stage is recorded before the second's, and before the first's next stage
    first, second = (histories[r.document_id] for r in records)
    for stage in range(len(STAGES) - 1):  # one step per stage: both documents, in turn
        assert first[stage]["at"] < second[stage]["at"] < first[stage + 1]["at"]
    # evaluation: each document evaluating, then decided, before the next one starts
    evaluating, decided = len(STAGES) - 1, len(STAGES)
    assert first[evaluating]["at"] < first[decided]["at"] < second[evaluating]["at"]

    cli = CliRunner()
    shown = cli.invoke(main, ["status", records[0].document_id, "--history"])
    assert shown.exit_code == 0, shown.output
    import json

    lines = [json.loads(line) for line in shown.output.splitlines()]
    assert [(line["stage"], line["status"]) for line in lines] == [
        *STAGES,
        ("evaluation", records[0].status),
    ]
    assert all(line["at"] and line["run_id"] == run.run_id for line in lines)
    assert cli.invoke(main, ["status", "--history"]).exit_code == 2
