"""Kubernetes settings of the OCR step pod, from the environment.

The ``ocr_text`` asset carries these as its ``dagster-k8s/config`` op tag, so
dagster-k8s's k8s_job_executor runs that step (and only that step) in a pod
that asks for an NVIDIA GPU on the GPU node pool.

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

import json
from typing import Any

from invoice_pipeline.processing.config import env_int, env_str

DEFAULT_NODE_SELECTOR = {"nvidia.com/gpu.present": "true"}
DEFAULT_TOLERATIONS = [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]


def _json_env(name: str, default: Any) -> Any:
    value = env_str(name)
    if value is None:
        return default
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{name} must be JSON, got {value!r}") from exc


def step_k8s_config() -> dict[str, Any]:
    """The ``step_k8s_config`` of the k8s_job_executor: what every step pod asks for.

    STEP_K8S_CPU / STEP_K8S_MEMORY (default 500m / 1Gi requests, memory limit
    equal to the request) size the pods of the CPU steps; the OCR step's op tag
    (:func:`ocr_step_k8s_config`) overrides them with its own resources and GPU.
    """
    memory = env_str("STEP_K8S_MEMORY", "1Gi")
    return {
        "container_config": {
            "resources": {
                "requests": {"cpu": env_str("STEP_K8S_CPU", "500m"), "memory": memory},
                "limits": {"memory": memory},
            }
        }
    }


def ocr_step_k8s_config() -> dict[str, Any]:
    """The ``dagster-k8s/config`` tag value of the OCR step."""
    gpus = env_int("OCR_K8S_GPU_LIMIT", 1)
    resources: dict[str, Any] = {
        "requests": {
            "cpu": env_str("OCR_K8S_CPU", "2"),
            "memory": env_str("OCR_K8S_MEMORY", "6Gi"),
        },
        "limits": {"memory": env_str("OCR_K8S_MEMORY", "6Gi")},
    }
    container: dict[str, Any] = {"resources": resources}
    pod_spec: dict[str, Any] = {}
    if gpus > 0:
        resources["limits"]["nvidia.com/gpu"] = str(gpus)
        container["env"] = [{"name": "OCR_DEVICE", "value": "gpu"}]
        pod_spec["node_selector"] = _json_env("OCR_K8S_NODE_SELECTOR", DEFAULT_NODE_SELECTOR)
        pod_spec["tolerations"] = _json_env("OCR_K8S_TOLERATIONS", DEFAULT_TOLERATIONS)
    image = env_str("OCR_K8S_IMAGE")
    if image:
        container["image"] = image
    config: dict[str, Any] = {"container_config": container}
    if pod_spec:
        config["pod_spec_config"] = pod_spec
    return config
