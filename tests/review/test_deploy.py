"""The review page in the deployments: its compose service and its Kubernetes manifest.

The compose service runs ``invoice-pipeline review serve`` on the pipeline's
database and (read-only) storage, cannot start without ``INVOICE_REVIEW_TOKEN``
and publishes its port on the host's loopback only; ``deploy/helm/review.yaml``
is a valid Deployment and Service (kubernetes-validate, strict) that takes the
token from a secret. The Dagster materialization metadata of ``evaluation``
links to the review page only when its base URL is set.
"""

from __future__ import annotations

from pathlib import Path

import kubernetes_validate
import yaml

from invoice_pipeline import settings
from invoice_pipeline.assets.evaluation import evaluation_metadata
from invoice_pipeline.schema import Evaluation, InvoiceRecord

REPO = Path(__file__).resolve().parents[2]
K8S_VERSION = "1.30.0"


def test_compose_review_service() -> None:
    text = (REPO / "deploy" / "docker-compose.yml").read_text()
    review = yaml.safe_load(text)["services"]["review"]
    assert review["command"][:3] == ["invoice-pipeline", "review", "serve"]
    assert "0.0.0.0" in review["command"]
    env = review["environment"]
    assert env["INVOICE_REVIEW_TOKEN"].startswith("${INVOICE_REVIEW_TOKEN:?")
    assert env["INVOICE_RESULTS_DB_URL"].strip().startswith("postgresql+psycopg2://")
    assert env["INVOICE_STORAGE"] == "/data/storage"
    assert review["volumes"] == ["invoice-storage:/data/storage:ro"]
    assert review["ports"] == ["127.0.0.1:${INVOICE_REVIEW_PORT:-8765}:8765"]
    assert review["healthcheck"]["test"][:3] == ["CMD", "python", "-c"]
    compile(review["healthcheck"]["test"][3], "healthcheck", "exec")


def test_kubernetes_manifest_is_valid() -> None:
    docs = list(yaml.safe_load_all((REPO / "deploy" / "helm" / "review.yaml").read_text()))
    assert [d["kind"] for d in docs] == ["Deployment", "Service"]
    for doc in docs:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
    [container] = docs[0]["spec"]["template"]["spec"]["containers"]
    assert container["command"][:3] == ["invoice-pipeline", "review", "serve"]
    secrets = {s["secretRef"]["name"] for s in container["envFrom"]}
    assert secrets == {"invoice-pipeline-secrets", "invoice-review-secrets"}
    values = yaml.safe_load((REPO / "deploy" / "helm" / "values.yaml").read_text())
    [deployment] = values["dagster-user-deployments"]["deployments"]
    names = {e["name"] for e in deployment["env"]}
    assert "INVOICE_REVIEW_BASE_URL" in names


def _evaluation() -> Evaluation:
    record = InvoiceRecord(document_id="inv-1-abcdef123456", status="manual_review")
    return Evaluation(
        document_id=record.document_id, status="manual_review", quality_score=0.5, record=record
    )


def test_evaluation_metadata_links_to_the_review_page(monkeypatch) -> None:
    monkeypatch.delenv("INVOICE_REVIEW_BASE_URL", raising=False)
    assert "review" not in evaluation_metadata(_evaluation())
    monkeypatch.setenv("INVOICE_REVIEW_BASE_URL", "https://review.example.com/")
    assert settings.get().review.base_url == "https://review.example.com"
    link = evaluation_metadata(_evaluation())["review"]
    assert link.url == "https://review.example.com/documents/inv-1-abcdef123456"
