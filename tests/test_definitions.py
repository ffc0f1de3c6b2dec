"""The code location's shape: what the Dagster UI shows and what later issues rely on."""

from __future__ import annotations

import json
from decimal import Decimal

import dagster as dg

from invoice_pipeline.definitions import build_definitions

DOCUMENT_ASSETS = ["raw", "preprocessed", "ocr_text", "llm_fields", "validated", "evaluation"]


def test_definitions_load_and_validate(pipeline_env):
    defs = build_definitions()
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert set(DOCUMENT_ASSETS) | {"invoices"} <= keys


def test_six_partitioned_assets_in_one_group(pipeline_env):
    graph = build_definitions().resolve_asset_graph()
    for name in DOCUMENT_ASSETS:
        node = graph.get(dg.AssetKey(name))
        assert node.group_name == "invoice"
        assert isinstance(node.partitions_def, dg.DynamicPartitionsDefinition)
        assert node.partitions_def.name == "documents"
        assert node.backfill_policy is not None
        assert node.backfill_policy.max_partitions_per_run >= 2


def test_lineage(pipeline_env):
    graph = build_definitions().resolve_asset_graph()
    parents = {
        name: {p.to_user_string() for p in graph.get(dg.AssetKey(name)).parent_keys}
        for name in DOCUMENT_ASSETS
    }
    assert parents["raw"] == set()
    assert parents["preprocessed"] == {"raw"}
    assert "preprocessed" in parents["ocr_text"]
    assert parents["llm_fields"] == {"ocr_text"}
    assert "llm_fields" in parents["validated"]
    assert "validated" in parents["evaluation"]


def test_retry_policies_pool_and_gpu_tags(pipeline_env):
    defs = build_definitions()
    graph = defs.resolve_asset_graph()
    expected = {"preprocessed": 3, "ocr_text": 3, "llm_fields": 3, "validated": 2, "evaluation": 2}
    for name, retries in expected.items():
        assets_def = graph.get(dg.AssetKey(name)).assets_def
        policy = assets_def.op.retry_policy
        assert policy is not None and policy.max_retries == retries
        assert policy.backoff == dg.Backoff.EXPONENTIAL
        assert policy.jitter is not None
    llm = graph.get(dg.AssetKey("llm_fields")).assets_def
    assert llm.op.pool == "llm"
    ocr_tags = graph.get(dg.AssetKey("ocr_text")).assets_def.op.tags
    k8s = ocr_tags["dagster-k8s/config"]
    k8s = json.loads(k8s) if isinstance(k8s, str) else k8s
    assert k8s["container_config"]["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert k8s["pod_spec_config"]["tolerations"]
    for name in ("raw", "preprocessed", "llm_fields", "validated", "evaluation"):
        assert "dagster-k8s/config" not in graph.get(dg.AssetKey(name)).assets_def.op.tags


def test_executor_follows_environment(pipeline_env, monkeypatch):
    assert build_definitions().executor.name == "in_process"
    monkeypatch.setenv("INVOICE_EXECUTOR", "multiprocess")
    assert build_definitions().executor.name == "multiprocess"


def test_resources_show_the_settings_a_run_uses(pipeline_env, monkeypatch):
    monkeypatch.setenv("INVOICE_APPROVE_MIN_SCORE", "0.95")
    monkeypatch.setenv("INVOICE_AMOUNT_TOLERANCE", "0.02")
    monkeypatch.setenv("OCR_ENGINE", "tesseract")
    monkeypatch.setenv("TESSERACT_PSM", "12")
    monkeypatch.setenv("LLM_TIMEOUT_SECONDS", "7")
    resources = build_definitions().resources
    assert resources["decision"].approve_min_score == 0.95
    assert resources["decision"].thresholds().tolerance == Decimal("0.02")
    assert resources["ocr"].engine == "tesseract"
    assert resources["ocr"].options().tesseract_psm == 12
    assert resources["extractor"].options().timeout_seconds == 7.0
    # no key is part of any resource's config
    monkeypatch.setenv("OPENAI_API_KEY", "sk-never-in-config-0123456789")
    config = json.dumps({k: repr(v) for k, v in build_definitions().resources.items()})
    assert "sk-never" not in config


def test_the_decision_resource_reaches_the_evaluation(pipeline_env, instance, monkeypatch):
    from invoice_pipeline import runner
    from invoice_pipeline.samples import generate_invoice

    data, suffix, _truth = generate_invoice(3, "en", kind="pdf")
    path = pipeline_env["inbox"] / f"invoice{suffix}"
    path.write_bytes(data)
    [approved] = runner.process([str(path)], instance=instance)
    assert approved.status == "approved"
    monkeypatch.setenv("INVOICE_MIN_FIELD_CONFIDENCE", "1.0")
    [strict] = runner.process([str(path)], instance=instance)
    assert strict.status == "manual_review"
    assert any("< 1.00" in reason for reason in strict.reasons)
