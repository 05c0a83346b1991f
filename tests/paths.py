"""Where the tests find the repository and their fixtures (one place, so tests can move)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SAMPLES = ROOT / "tests" / "bird" / "samples"  # recorded birdc replies per BIRD version
