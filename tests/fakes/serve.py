"""Run a fake API in its own process: `python -m tests.fakes.serve controller TOKEN NODE_ID`.

Prints the base URL on one line, then serves until stdin closes (benchmarks measure a client
against a server that does not share its interpreter lock).
"""

from __future__ import annotations

import sys

from tests.fakes.zerotier_controller import FakeController


def main() -> None:
    """Serve until stdin is closed."""
    kind, token, node = sys.argv[1:4]
    if kind != "controller":
        raise SystemExit(f"unknown fake {kind!r}")
    fake = FakeController(token=token, node_id=node)
    if len(sys.argv) > 4:
        fake.reuse_delay = float(sys.argv[4])
    print(fake.url, flush=True)
    sys.stdin.read()
    fake.close()


if __name__ == "__main__":
    main()
