"""The PaddleOCR tests run only in the paddle environment (``.venv-paddle``).

PaddleOCR pulls ``opencv-contrib-python``, which clashes with the
``opencv-python-headless`` of the main environment, so PaddlePaddle lives in a
second virtualenv and these tests are collected only where it is installed:
``.venv-paddle/bin/python -m pytest tests/paddle``. The main suite never imports
paddle.
"""

from __future__ import annotations

import importlib.util

from invoice_pipeline import settings

# what the ocr resource does before an engine loads (PaddleX reads these at import time)
settings.apply_library_environment()

collect_ignore_glob = [] if importlib.util.find_spec("paddleocr") else ["test_*.py"]
