"""INVOICE_EXECUTOR=k8s: the Kubernetes Jobs dagster-k8s would create, rendered and validated
without a cluster.

The step Jobs are built the way dagster-k8s 0.29.27's k8s_job_executor builds them
(``K8sStepHandler``): the run launcher's settings, then the code location's container
context, then the step's ``dagster-k8s/config`` op tag (``get_user_defined_k8s_config``),
turned into a manifest by ``construct_dagster_k8s_job``. The OCR step must ask for an NVIDIA
GPU on the GPU node pool and the other five must not. The run launcher and code location
settings come from deploy/helm/values.yaml (what the official chart passes to
``K8sRunLauncher``), and the op tags from a fresh interpreter that imports the code location
with the user deployment's environment from those values, as a pod would. Every manifest is
validated against the Kubernetes schema (kubernetes-validate, strict) and written to
test-artifacts/deploy/k8s/. There is no helm binary here: the instance part of the chart's
dagster.yaml is rebuilt from the values and checked by dagster's own config validation, and
the Kubernetes pieces of the values are validated inside minimal Pods.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import dagster as dg
import kubernetes_validate
import pytest
import yaml
from dagster_k8s import K8sRunLauncher
from dagster_k8s.container_context import K8sContainerContext
from dagster_k8s.job import (
    DagsterK8sJobConfig,
    UserDefinedDagsterK8sConfig,
    construct_dagster_k8s_job,
    get_user_defined_k8s_config,
)
from kubernetes.client import ApiClient

from .conftest import ARTIFACTS, REPO

K8S_VERSION = "1.30.0"
VALUES_FILE = REPO / "deploy" / "helm" / "values.yaml"
DOCUMENT_ASSETS = ["raw", "preprocessed", "ocr_text", "llm_fields", "validated", "evaluation"]
GPU = "nvidia.com/gpu"
DNS_1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")

_DUMP_TAGS = """
import json
from invoice_pipeline.definitions import defs
graph = defs.resolve_asset_graph()
out = {"executor": defs.executor.name, "tags": {}}
for key in graph.get_all_asset_keys():
    tags = graph.get(key).assets_def.op.tags
    out["tags"][key.to_user_string()] = {k: v for k, v in tags.items() if k.startswith("dagster-k8s")}
print(json.dumps(out))
"""


def _manifest(job: Any) -> dict[str, Any]:
    body = ApiClient().sanitize_for_serialization(job)
    body.setdefault("apiVersion", "batch/v1")
    body.setdefault("kind", "Job")
    return body


def _validate(manifest: dict[str, Any], name: str) -> None:
    kubernetes_validate.validate(manifest, K8S_VERSION, strict=True)
    folder = ARTIFACTS / "k8s"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))


def _container(manifest: dict[str, Any]) -> dict[str, Any]:
    [container] = manifest["spec"]["template"]["spec"]["containers"]
    return container


def _asks_for_gpu(pod: dict[str, Any]) -> bool:
    """A GPU in any container's requests or limits."""
    containers = [*pod["containers"], *(pod.get("initContainers") or [])]
    return any(
        GPU in (c.get("resources") or {}).get(kind, {})
        for c in containers
        for kind in ("limits", "requests")
    )


def _code_location_tags(env: dict[str, str]) -> dict[str, Any]:
    """Executor name and dagster-k8s op tags, as a process started with ``env`` sees them."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("INVOICE_", "OCR_", "LLM_", "DAGSTER_"))
    }
    result = subprocess.run(
        [sys.executable, "-c", _DUMP_TAGS],
        env={**clean, **env},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def values() -> dict[str, Any]:
    return yaml.safe_load(VALUES_FILE.read_text())


@pytest.fixture(scope="module")
def deployment(values: dict[str, Any]) -> dict[str, Any]:
    [deployment] = values["dagster-user-deployments"]["deployments"]
    return deployment


@pytest.fixture(scope="module")
def deployment_env(deployment: dict[str, Any]) -> dict[str, str]:
    return {item["name"]: item["value"] for item in deployment["env"]}


@pytest.fixture(scope="module")
def helm_tags(deployment_env: dict[str, str]) -> dict[str, Any]:
    return _code_location_tags(deployment_env)


# ------------------------------------------------------------------ the OCR step, plainly


def test_ocr_step_job_asks_for_a_gpu_and_no_other_step_does(monkeypatch) -> None:
    """Default OCR_K8S_* settings: the manifests of the six steps from the asset op tags."""
    for key in [k for k in os.environ if k.startswith("OCR_K8S_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("INVOICE_EXECUTOR", "k8s")
    from invoice_pipeline.definitions import build_definitions

    defs = build_definitions()
    assert defs.executor.name == "k8s"
    graph = defs.resolve_asset_graph()
    job_config = DagsterK8sJobConfig(
        job_image="registry.example.com/invoice-pipeline:0.1.0",
        dagster_home="/opt/dagster/dagster_home",
        image_pull_policy="IfNotPresent",
        service_account_name="dagster",
        instance_config_map="dagster-instance",
        env_secrets=["invoice-pipeline-secrets"],
    )
    for name in DOCUMENT_ASSETS:
        tags = graph.get(dg.AssetKey(name)).assets_def.op.tags
        user_config = get_user_defined_k8s_config(tags)
        if "dagster-k8s/config" in tags:
            raw = tags["dagster-k8s/config"]
            assert user_config == UserDefinedDagsterK8sConfig.from_dict(
                json.loads(raw) if isinstance(raw, str) else raw
            )
        job = construct_dagster_k8s_job(
            job_config,
            args=["dagster", "api", "execute_step"],
            job_name=f"dagster-step-{name.replace('_', '-')}",
            pod_name=f"dagster-step-{name.replace('_', '-')}",
            component="step_worker",
            user_defined_k8s_config=user_config,
            labels={"dagster/op": name},
        )
        manifest = _manifest(job)
        _validate(manifest, f"plain-step-{name}")
        pod = manifest["spec"]["template"]["spec"]
        container = _container(manifest)
        if name == "ocr_text":
            assert container["resources"]["limits"][GPU] == "1"
            assert pod["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
            assert {"key": GPU, "operator": "Exists", "effect": "NoSchedule"} in pod["tolerations"]
            assert {"name": "OCR_DEVICE", "value": "gpu"} in container["env"]
        else:
            assert not _asks_for_gpu(pod), name
            assert not pod.get("nodeSelector") and not pod.get("tolerations"), name


# ------------------------------------------------------------------ from the Helm values


def _launcher(values: dict[str, Any], kubeconfig: Path) -> K8sRunLauncher:
    """The K8sRunLauncher the chart configures from runLauncher.config.k8sRunLauncher
    (kubeconfig instead of in-cluster config; nothing is contacted)."""
    cfg = values["runLauncher"]["config"]["k8sRunLauncher"]
    run_k8s = {
        re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower(): value
        for key, value in (cfg.get("runK8sConfig") or {}).items()
    }
    return K8sRunLauncher(
        service_account_name=values["global"]["serviceAccountName"],
        instance_config_map="dagster-instance",
        postgres_password_secret=values["global"]["postgresqlSecretName"],
        dagster_home="/opt/dagster/dagster_home",
        image_pull_policy=cfg["imagePullPolicy"],
        load_incluster_config=False,
        kubeconfig_file=str(kubeconfig),
        job_namespace=cfg.get("jobNamespace") or "invoices",
        env_config_maps=["dagster-pipeline-env", *(c["name"] for c in cfg["envConfigMaps"])],
        env_secrets=[s["name"] for s in cfg["envSecrets"]],
        env_vars=cfg["envVars"],
        volume_mounts=cfg["volumeMounts"],
        volumes=cfg["volumes"],
        labels=cfg.get("labels"),
        fail_pod_on_run_failure=cfg.get("failPodOnRunFailure"),
        run_k8s_config=run_k8s,
    )


def _kubeconfig(tmp_path: Path) -> Path:
    path = tmp_path / "kubeconfig"
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "none", "cluster": {"server": "https://127.0.0.1:9"}}],
        "users": [{"name": "none", "user": {"token": "unused"}}],
        "contexts": [{"name": "none", "context": {"cluster": "none", "user": "none"}}],
        "current-context": "none",
    }
    path.write_text(yaml.safe_dump(config))
    return path


def test_helm_values_render_valid_run_and_step_jobs(
    tmp_path: Path,
    values: dict[str, Any],
    deployment: dict[str, Any],
    deployment_env: dict[str, str],
    helm_tags: dict[str, Any],
) -> None:
    assert deployment_env["INVOICE_EXECUTOR"] == "k8s"
    assert helm_tags["executor"] == "k8s"
    launcher = _launcher(values, _kubeconfig(tmp_path))
    image = f"{deployment['image']['repository']}:{deployment['image']['tag']}"
    gpu_image = deployment_env["OCR_K8S_IMAGE"]
    # includeConfigInLaunchedRuns: the user deployment's env and secrets reach runs and steps
    code_location = K8sContainerContext.create_from_config(
        {
            "k8s": {
                "env_vars": [f"{k}={v}" for k, v in deployment_env.items()],
                "env_secrets": [s["name"] for s in deployment["envSecrets"]],
                "image_pull_policy": deployment["image"]["pullPolicy"],
            }
        }
    )
    run = dg.DagsterRun(job_name="invoice_job", run_id="8f14e45f-ceea-467f-a8b5-1e8a3c1d2b3c")

    run_context = K8sContainerContext.create_for_run(run, launcher, include_run_tags=True)
    run_context = run_context.merge(code_location)
    assert run_context.namespace == "invoices"  # the namespace the Jobs are created in
    run_job = construct_dagster_k8s_job(
        run_context.get_k8s_job_config(image, launcher),
        args=["dagster", "api", "execute_run"],
        job_name="dagster-run-8f14e45f",
        pod_name="dagster-run-8f14e45f",
        component="run_worker",
        user_defined_k8s_config=run_context.run_k8s_config,
        labels={"dagster/job": "invoice_job"},
    )
    manifests = {"run-worker": _manifest(run_job)}

    for name in DOCUMENT_ASSETS:
        step_config = get_user_defined_k8s_config(helm_tags["tags"][name])
        context = K8sContainerContext.create_for_run(run, launcher, include_run_tags=False)
        context = context.merge(code_location).merge(
            K8sContainerContext(run_k8s_config=step_config)
        )
        job_config = context.get_k8s_job_config(None, launcher)
        if not job_config.job_image:  # as K8sStepHandler: the code location's image
            job_config = job_config.with_image(image)
        step = name.replace("_", "-")
        job = construct_dagster_k8s_job(
            job_config,
            args=["dagster", "api", "execute_step"],
            job_name=f"dagster-step-{step}",
            pod_name=f"dagster-step-{step}",
            component="step_worker",
            user_defined_k8s_config=context.run_k8s_config,
            labels={"dagster/job": "invoice_job", "dagster/op": name},
            env_vars=[{"name": "DAGSTER_RUN_STEP_KEY", "value": name}],
        )
        manifests[f"step-{name}"] = _manifest(job)

    for name, manifest in manifests.items():
        _validate(manifest, f"helm-{name}")
        pod = manifest["spec"]["template"]["spec"]
        container = _container(manifest)
        env = {e["name"]: e.get("value") for e in container["env"]}
        # settings every run and step pod gets (the run launcher's runK8sConfig)
        assert pod["serviceAccountName"] == "dagster"
        security = pod.get("securityContext") or pod.get("security_context")
        assert security["runAsNonRoot"] is True and security["runAsUser"] == 10001, name
        assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
        assert manifest["spec"]["ttlSecondsAfterFinished"] == 86400, name
        assert env["INVOICE_STORAGE"].startswith("s3://"), name
        assert env["INVOICE_INBOX"].startswith("s3://"), name
        secrets = [e["secretRef"]["name"] for e in container["envFrom"] if "secretRef" in e]
        assert "invoice-pipeline-secrets" in secrets, name
        requests = container["resources"]["requests"]
        if name == "step-ocr_text":
            assert container["image"] == gpu_image
            assert container["resources"]["limits"][GPU] == "1"
            assert requests["cpu"] == "2" and requests["memory"] == "6Gi"
            assert pod["nodeSelector"] == json.loads(deployment_env["OCR_K8S_NODE_SELECTOR"])
            for toleration in json.loads(deployment_env["OCR_K8S_TOLERATIONS"]):
                assert toleration in pod["tolerations"]
            assert env["OCR_DEVICE"] == "gpu"
        else:
            assert container["image"] == image, name
            assert not _asks_for_gpu(pod), name
            assert not pod.get("nodeSelector") and not pod.get("tolerations"), name
            assert requests == {"cpu": "500m", "memory": "1Gi"}, name


# ------------------------------------------------------------------ the values themselves


def test_helm_values_have_the_charts_shape(
    values: dict[str, Any], deployment: dict[str, Any]
) -> None:
    """The keys the dagster chart 1.13 reads, with the types its values schema asks for."""
    assert DNS_1123.match(deployment["name"])
    assert set(deployment["image"]) == {"repository", "tag", "pullPolicy"}
    assert isinstance(deployment["image"]["tag"], str)  # "0.1.0", not a float
    assert deployment["dagsterApiGrpcArgs"] == ["-m", "invoice_pipeline.definitions"]
    assert isinstance(deployment["port"], int)
    assert deployment["includeConfigInLaunchedRuns"] == {"enabled": True}
    assert all(
        set(item) == {"name", "value"} and isinstance(item["value"], str)
        for item in deployment["env"]
    )
    json.loads(dict((e["name"], e["value"]) for e in deployment["env"])["OCR_K8S_NODE_SELECTOR"])

    launcher = values["runLauncher"]
    assert launcher["type"] == "K8sRunLauncher"
    k8s = launcher["config"]["k8sRunLauncher"]
    for key in ("envConfigMaps", "envSecrets", "envVars", "volumeMounts", "volumes"):
        assert isinstance(k8s[key], list), key
    assert isinstance(k8s["loadInclusterConfig"], bool)
    assert k8s["imagePullPolicy"] in ("Always", "IfNotPresent", "Never")
    assert set(k8s["runK8sConfig"]) <= {
        "containerConfig",
        "podSpecConfig",
        "podTemplateSpecMetadata",
        "jobSpecConfig",
        "jobMetadata",
    }

    postgres = values["postgresql"]
    assert postgres["enabled"] is False and values["generatePostgresqlPasswordSecret"] is False
    assert postgres["postgresqlScheme"] == "postgresql+psycopg2"
    assert isinstance(postgres["service"]["port"], int)

    daemon = values["dagsterDaemon"]
    assert daemon["runCoordinator"]["type"] == "QueuedRunCoordinator"
    assert daemon["runMonitoring"]["freeSlotsAfterRunEndSeconds"] > 0
    assert daemon["runRetries"]["enabled"] is True


def _pod(name: str, container: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"containers": [{"name": "main", "image": "example/image:1", **container}], **spec},
    }


def test_helm_values_kubernetes_pieces_are_valid(
    values: dict[str, Any], deployment: dict[str, Any], deployment_env: dict[str, str]
) -> None:
    """Each piece of the values that becomes part of a pod spec, validated inside a Pod."""
    pods = [
        _pod(
            "user-deployment",
            {
                "env": deployment["env"],
                "resources": deployment["resources"],
                "securityContext": deployment["securityContext"],
            },
            securityContext=deployment["podSecurityContext"],
        ),
        _pod("webserver", {"resources": values["dagsterWebserver"]["resources"]}),
        _pod(
            "run-k8s-config",
            values["runLauncher"]["config"]["k8sRunLauncher"]["runK8sConfig"]["containerConfig"],
            **values["runLauncher"]["config"]["k8sRunLauncher"]["runK8sConfig"]["podSpecConfig"],
        ),
        _pod(
            "gpu-node-pool",
            {"resources": {"limits": {GPU: deployment_env["OCR_K8S_GPU_LIMIT"]}}},
            nodeSelector=json.loads(deployment_env["OCR_K8S_NODE_SELECTOR"]),
            tolerations=json.loads(deployment_env["OCR_K8S_TOLERATIONS"]),
        ),
    ]
    for pod in pods:
        kubernetes_validate.validate(pod, K8S_VERSION, strict=True)
    broken = _pod("broken", {"resources": {"limits": "one gpu"}})
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, K8S_VERSION, strict=True)


def _chart_instance_settings(values: dict[str, Any]) -> dict[str, Any]:
    """The instance settings the chart's configmap-instance template writes for these values
    (run coordinator, monitoring, retries, retention, additionalInstanceConfig, storage)."""
    queued = values["dagsterDaemon"]["runCoordinator"]["config"]["queuedRunCoordinator"]
    monitoring = values["dagsterDaemon"]["runMonitoring"]
    retries = values["dagsterDaemon"]["runRetries"]
    postgres = values["postgresql"]
    db = {
        "username": postgres["postgresqlUsername"],
        "password": {"env": "DAGSTER_PG_PASSWORD"},
        "hostname": postgres["postgresqlHost"],
        "db_name": postgres["postgresqlDatabase"],
        "port": postgres["service"]["port"],
        "params": postgres["postgresqlParams"],
        "scheme": postgres["postgresqlScheme"],
    }
    settings: dict[str, Any] = {
        "run_storage": {
            "module": "dagster_postgres.run_storage",
            "class": "PostgresRunStorage",
            "config": {"postgres_db": db},
        },
        "run_coordinator": {
            "module": "dagster.core.run_coordinator",
            "class": "QueuedRunCoordinator",
            "config": {
                "max_concurrent_runs": queued["maxConcurrentRuns"],
                "tag_concurrency_limits": queued["tagConcurrencyLimits"],
                "dequeue_interval_seconds": queued["dequeueIntervalSeconds"],
            },
        },
        "run_monitoring": {
            "enabled": monitoring["enabled"],
            "start_timeout_seconds": monitoring["startTimeoutSeconds"],
            "cancel_timeout_seconds": monitoring["cancelTimeoutSeconds"],
            "max_resume_run_attempts": monitoring["maxResumeRunAttempts"],
            "poll_interval_seconds": monitoring["pollIntervalSeconds"],
            "free_slots_after_run_end_seconds": monitoring["freeSlotsAfterRunEndSeconds"],
        },
        "run_retries": {"enabled": retries["enabled"], "max_retries": retries["maxRetries"]},
        "retention": {
            kind: {"purge_after_days": values["retention"][kind]["purgeAfterDays"]}
            for kind in ("sensor", "schedule")
        },
        "telemetry": {"enabled": values["telemetry"]["enabled"]},
    }
    settings.update(values["additionalInstanceConfig"])
    return settings


def test_helm_instance_settings_pass_dagsters_validation(
    tmp_path: Path, values: dict[str, Any]
) -> None:
    from dagster._core.instance.config import dagster_instance_config

    (tmp_path / "dagster.yaml").write_text(yaml.safe_dump(_chart_instance_settings(values)))
    config, _ = dagster_instance_config(str(tmp_path))
    assert config["run_monitoring"]["free_slots_after_run_end_seconds"] == 300
    assert config["concurrency"]["default_op_concurrency_limit"] == 8
    assert config["run_coordinator"]["config"]["max_concurrent_runs"] == 20
    assert config["retention"]["sensor"]["purge_after_days"]["skipped"] == 7
