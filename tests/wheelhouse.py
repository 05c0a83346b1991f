"""The local wheelhouse: every locked runtime and build package, for installs without network.

`.ci/run` fills it (pip download --require-hashes of requirements/runtime.lock and build.lock)
and names it in ZTIX_TEST_WHEELHOUSE; tests that install packages read only from it, so the
suite's traffic stays on this machine and what is installed is what the locks pin.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.paths import ROOT

DEFAULT = ROOT / ".cache" / "wheelhouse"


def wheelhouse() -> Path:
    """Its directory; without one the test is skipped, saying how to make it."""
    where = Path(os.environ.get("ZTIX_TEST_WHEELHOUSE", DEFAULT))
    if not any(where.glob("*.whl")):
        if "ZTIX_TEST_WHEELHOUSE" in os.environ:
            pytest.fail(f"ZTIX_TEST_WHEELHOUSE={where} holds no wheels")
        pytest.skip(
            f"no wheelhouse at {where}: make it with `pip download --require-hashes --no-deps "
            f"-d {where} -r requirements/runtime.lock -r requirements/build.lock` (.ci/run does)"
        )
    return where
