"""Benchmark: time `validate` (load + check) for N synthetic peers read from disk.

Run: .venv/bin/python -m tests.benchmarks.bench_validate [N ...]
Target (issue 2): 2,000 peers in <= 1 s on a 2-core machine.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks.synth import synthetic_files
from ztix.loader import load


def write(files: dict[str, str], root: Path) -> None:
    """Write the files below `root`."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def main(sizes: list[int]) -> None:
    """Print one line per size: peers, best-of-3 wall time, per-peer cost."""
    print(f"{'peers':>6} {'validate (best of 3)':>22} {'per peer':>10}")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            write(synthetic_files(n), root)
            best = float("inf")
            for _ in range(3):
                start = time.perf_counter()
                repo = load(root)
                best = min(best, time.perf_counter() - start)
            assert len(repo.peers) == n
        print(f"{n:>6} {best:>20.3f} s {best / n * 1e6:>7.0f} us")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100, 1000, 2000, 5000])
