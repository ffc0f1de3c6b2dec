"""Command line: write a corpus of the second generator's documents with ground truth.

``python -m invoice_pipeline.samples.second OUT_DIR [--count N] [--seed S]
[--kinds pdf,scan,photo] [--locales en-US,de-DE] [--classes receipt,logo]``
writes the files and their ``.truth.json`` (see :func:`generate_corpus`) and
prints one line per file.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from . import CLASSES, KINDS, LOCALES, generate_corpus


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m invoice_pipeline.samples.second",
        description="Write documents of the second, independent sample generator with truth.",
    )
    parser.add_argument("out_dir", type=Path, help="folder to write into (created if missing)")
    parser.add_argument("--count", type=int, default=14, help="number of documents (default 14)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    parser.add_argument("--kinds", type=_csv, default=["pdf"], help=f"comma list of {KINDS}")
    parser.add_argument("--locales", type=_csv, default=list(LOCALES), help="comma list")
    parser.add_argument("--classes", type=_csv, default=list(CLASSES), help="comma list")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        samples = generate_corpus(
            args.out_dir,
            args.count,
            seed=args.seed,
            kinds=args.kinds,
            locales=args.locales,
            classes=args.classes,
        )
    except ValueError as exc:
        parser.error(str(exc))
    for s in samples:
        t = s.truth
        print(f"{s.path.name}\t{t.invoice_number}\t{t.total_amount} {t.currency}\t{t.seller_name}")
    print(
        f"{len(samples)} documents in {args.out_dir} ({time.perf_counter() - start:.1f} s)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
