"""Kubernetes settings of the step pods: what the k8s_job_executor and the OCR step ask for.

The ``ocr_text`` asset carries :func:`ocr_step_k8s_config` as its
``dagster-k8s/config`` op tag, so dagster-k8s's k8s_job_executor runs that
step (and only that step) in a pod that asks for an NVIDIA GPU on the GPU node
pool. The values come from :class:`invoice_pipeline.settings.K8sOptions`:

| variable | meaning | default |
|---|---|---|
| OCR_K8S_GPU_LIMIT | ``nvidia.com/gpu`` limit of the OCR pod (0 = no GPU) | 1 |
| OCR_K8S_NODE_SELECTOR | JSON object of node labels | ``{"nvidia.com/gpu.present": "true"}`` |
| OCR_K8S_TOLERATIONS | JSON list of tolerations | tolerate ``nvidia.com/gpu`` NoSchedule |
| OCR_K8S_IMAGE | image of the OCR pod (the GPU image) | the run's image |
| OCR_K8S_CPU / OCR_K8S_MEMORY | requests of the OCR pod | 2 / 6Gi |
| STEP_K8S_CPU / STEP_K8S_MEMORY | requests of every other step pod | 500m / 1Gi |
"""

from __future__ import annotations

from typing import Any

from invoice_pipeline import settings
from invoice_pipeline.settings import K8sOptions


def step_k8s_config(options: K8sOptions | None = None) -> dict[str, Any]:
    """The ``step_k8s_config`` of the k8s_job_executor: what every step pod asks for.

    STEP_K8S_CPU / STEP_K8S_MEMORY (default 500m / 1Gi requests, memory limit
    equal to the request) size the pods of the CPU steps; the OCR step's op tag
    (:func:`ocr_step_k8s_config`) overrides them with its own resources and GPU.
    """
    k8s = options or settings.get().k8s
    return {
        "container_config": {
            "resources": {
                "requests": {"cpu": k8s.step_cpu, "memory": k8s.step_memory},
                "limits": {"memory": k8s.step_memory},
            }
        }
    }


def ocr_step_k8s_config(options: K8sOptions | None = None) -> dict[str, Any]:
    """The ``dagster-k8s/config`` tag value of the OCR step."""
    k8s = options or settings.get().k8s
    resources: dict[str, Any] = {
        "requests": {"cpu": k8s.ocr_cpu, "memory": k8s.ocr_memory},
        "limits": {"memory": k8s.ocr_memory},
    }
    container: dict[str, Any] = {"resources": resources}
    pod_spec: dict[str, Any] = {}
    if k8s.ocr_gpu_limit > 0:
        resources["limits"]["nvidia.com/gpu"] = str(k8s.ocr_gpu_limit)
        container["env"] = [{"name": "OCR_DEVICE", "value": "gpu"}]
        pod_spec["node_selector"] = k8s.ocr_node_selector
        pod_spec["tolerations"] = k8s.ocr_tolerations
    if k8s.ocr_image:
        container["image"] = k8s.ocr_image
    config: dict[str, Any] = {"container_config": container}
    if pod_spec:
        config["pod_spec_config"] = pod_spec
    return config
