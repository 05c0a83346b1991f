"""Pause Python's cyclic garbage collector while a pure stage builds large acyclic data.

Loading a 2,000-member exchange with 300,000 IRR entries, rendering it and planning against a
base revision allocate millions of strings, tuples and models that hold no reference cycles.
CPython's generational collector still runs every 700 allocations and rescans the survivors
(gc module documentation, "gc.set_threshold"): about 6 % of a plan's CPU time, freeing
nothing. Reference counting frees everything as usual meanwhile; the collector is switched
back on afterwards (if it was on), so a long-running portal or exporter keeps collecting.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Within the block, no automatic cyclic collection (nesting and threads are harmless:
    whoever switched it off switches it back on)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
