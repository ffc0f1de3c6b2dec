"""Fetch official PaddleOCR inference models once, at image build time (deploy/Dockerfile.gpu).

PaddleOCR 3.x downloads its models when it starts unless it is handed local model folders;
a pod on a GPU node must never do that (no egress, cold starts, unpinned content). This
script runs in a build stage: for each ``NAME[=SHA256]`` it downloads
``<base-url>/<NAME>_infer.tar``, checks its SHA-256 when one is given (and prints it either
way, so it can be pinned), unpacks it with tarfile's ``data`` filter (no absolute paths, no
``..``, no links out of the folder) into ``<dest>/<NAME>/`` and checks that the folder holds
an ``inference.yml`` and the weights. ``<dest>/models.json`` records what was fetched. The
runtime image then points ``PADDLEOCR_DET_MODEL_DIR`` / ``PADDLEOCR_REC_MODEL_DIR`` (read by
``invoice_pipeline/settings.py`` for the PaddleOCR engine) at those folders. Standard library
only, so it runs on a bare Python image.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tarfile
import tempfile
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

DEFAULT_BASE_URL = (
    "https://paddle-model-ecology.bj.bcebos.com/paddlex/official_inference_model/paddle3.0.0"
)
WEIGHT_FILES = ("inference.pdiparams",)
CONFIG_FILES = ("inference.yml", "inference.yaml")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class FetchedModel:
    """One model folder written by :func:`fetch_model`."""

    name: str
    url: str
    sha256: str
    folder: str
    files: list[str]


def parse_spec(spec: str) -> tuple[str, str | None]:
    """``NAME`` or ``NAME=SHA256`` → (name, expected sha256 or None)."""
    name, _, digest = spec.partition("=")
    name, digest = name.strip(), digest.strip().lower()
    if not name or "/" in name or name.startswith("."):
        raise ValueError(f"bad model name in {spec!r}")
    if digest and (len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest)):
        raise ValueError(f"bad SHA-256 in {spec!r}")
    return name, digest or None


def _download(url: str, target: Path, timeout: float) -> str:
    """Stream ``url`` into ``target``; return the SHA-256 of what was written."""
    digest = hashlib.sha256()
    with urllib.request.urlopen(url, timeout=timeout) as response, target.open("wb") as out:  # noqa: S310
        while chunk := response.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def _model_root(extracted: Path) -> Path:
    """The folder of the archive that holds the weights (the archive's single top folder)."""
    candidates = [p.parent for p in extracted.rglob(WEIGHT_FILES[0])]
    if len(candidates) != 1:
        raise ValueError(f"expected one {WEIGHT_FILES[0]} in the archive, found {len(candidates)}")
    return candidates[0]


def fetch_model(
    name: str,
    dest: Path,
    *,
    sha256: str | None = None,
    base_url: str = DEFAULT_BASE_URL,
    timeout: float = 300.0,
) -> FetchedModel:
    """Download, verify and unpack ``<base_url>/<name>_infer.tar`` into ``dest/<name>``."""
    url = f"{base_url.rstrip('/')}/{name}_infer.tar"
    folder = dest / name
    with tempfile.TemporaryDirectory(dir=dest) as tmp:
        archive = Path(tmp) / f"{name}.tar"
        actual = _download(url, archive, timeout)
        if sha256 is not None and actual != sha256:
            raise ValueError(f"{url}: SHA-256 {actual} does not match the pinned {sha256}")
        unpacked = Path(tmp) / "unpacked"
        unpacked.mkdir()
        with tarfile.open(archive) as tar:
            tar.extractall(unpacked, filter="data")
        root = _model_root(unpacked)
        if not any((root / c).is_file() for c in CONFIG_FILES):
            raise ValueError(f"{url}: no inference.yml beside the weights")
        if folder.exists():
            shutil.rmtree(folder)
        shutil.move(str(root), folder)
    files = sorted(p.name for p in folder.iterdir())
    return FetchedModel(name=name, url=url, sha256=actual, folder=str(folder), files=files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", metavar="NAME[=SHA256]")
    parser.add_argument("--dest", type=Path, required=True, help="folder to unpack into")
    parser.add_argument("--base-url", default=DEFAULT_BASE_URL)
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args(argv)
    args.dest.mkdir(parents=True, exist_ok=True)
    fetched: list[FetchedModel] = []
    for spec in args.models:
        name, digest = parse_spec(spec)
        model = fetch_model(
            name, args.dest, sha256=digest, base_url=args.base_url, timeout=args.timeout
        )
        pinned = "verified" if digest else "not pinned"
        print(f"{model.name}: sha256={model.sha256} ({pinned}) -> {model.folder}", flush=True)
        fetched.append(model)
    manifest = args.dest / "models.json"
    manifest.write_text(json.dumps([asdict(m) for m in fetched], indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
