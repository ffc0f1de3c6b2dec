"""Command line: write a corpus of sample invoices with ground truth to a folder.

``python -m invoice_pipeline.samples OUT_DIR [--count N] [--seed S]
[--kinds pdf,scan,photo] [--locales en,de] [--layouts classic,modern]
[--multipage-share F] [--rotated-share F]`` writes the files and their
``.truth.json`` files (see :func:`generate_corpus`) and prints one line per file.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from . import KINDS, LAYOUTS, LOCALES, generate_corpus


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m invoice_pipeline.samples",
        description="Write seeded sample invoices (PDF, scan, photo) with ground truth.",
    )
    parser.add_argument("out_dir", type=Path, help="folder to write into (created if missing)")
    parser.add_argument("--count", type=int, default=12, help="number of invoices (default 12)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    parser.add_argument("--kinds", type=_csv, default=["pdf"], help=f"comma list of {KINDS}")
    parser.add_argument("--locales", type=_csv, default=list(LOCALES), help="comma list")
    parser.add_argument("--layouts", type=_csv, default=list(LAYOUTS), help="comma list")
    parser.add_argument("--multipage-share", type=float, default=0.15)
    parser.add_argument("--rotated-share", type=float, default=0.0)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        samples = generate_corpus(
            args.out_dir,
            args.count,
            seed=args.seed,
            locales=args.locales,
            kinds=args.kinds,
            layouts=args.layouts,
            multipage_share=args.multipage_share,
            rotated_share=args.rotated_share,
        )
    except ValueError as exc:
        parser.error(str(exc))
    for s in samples:
        t = s.truth
        print(
            f"{s.path.name}\t{s.variant}\t{s.pages}p\t{t.invoice_number}\t"
            f"{t.total_amount} {t.currency}"
        )
    print(
        f"{len(samples)} invoices in {args.out_dir} ({time.perf_counter() - start:.1f} s)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
