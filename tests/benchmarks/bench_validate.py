"""Benchmark: time `validate` (load + check) for N synthetic peers read from disk.

Run: .venv/bin/python -m tests.benchmarks.bench_validate [N ...]
Targets: 2,000 peers in under 0.5 s of loading and checking (issue 10; issue 2 asked for 1 s);
a 1 KB alias bomb ("billion laughs") refused in under 0.1 s with under 50 MB of memory.
"""

from __future__ import annotations

import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from tests.benchmarks.synth import synthetic_files
from ztix.errors import ValidationFailed
from ztix.load.loader import load, load_files


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


def alias_bomb() -> None:
    """Time and peak memory of refusing a 1 KB billion-laughs peer file."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    bomb = "\n".join(lines) + "\n"
    files = synthetic_files(1)
    peer = next(p for p in files if p.startswith("peers/"))
    files[peer] = bomb
    tracemalloc.start()
    start = time.perf_counter()
    try:
        load_files(files)
    except ValidationFailed as exc:
        refused = exc.problems[0].message
    else:
        refused = "ACCEPTED"
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"alias bomb of {len(bomb.encode())} bytes ({9**10:,} values if expanded): refused in "
        f"{elapsed * 1000:.2f} ms, peak {peak / 2**20:.2f} MB ({refused})"
    )


if __name__ == "__main__":
    alias_bomb()
    main([int(a) for a in sys.argv[1:]] or [100, 1000, 2000, 5000])
