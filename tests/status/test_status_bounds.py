"""`ztix status` bounds: a route server that accepts the connection and never answers costs
the connect timeout, is reported, and does not hold up the others (the real SSH adapter against
a silent socket; the collector with two route servers, one of them stuck)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator, Sequence

import asyncssh
import pytest

from tests.conftest import repo_files
from ztix.adapters.routeserver.reader import SshBirdReader
from ztix.load.loader import load_files
from ztix.ports.deploy import DeploySettings, Target
from ztix.ports.status import StatusError
from ztix.status.collect import status

SILENT_RS = """\
  - name: rs2
    zerotier_node_id: "1000000002"
    ipv4: 10.0.0.2
    ipv6: fd00:1::2
    router_id: 10.0.0.2
    ssh:
      host: 127.0.0.1
      port: {port}
      user: ztix
      host_key: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKtjAIsDUGj9NfyMhyE7ip5BXH3G+mboFszPmD0uHkYX
"""


@pytest.fixture
def silent() -> Iterator[int]:
    """A TCP port that accepts connections and never says anything."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(server.getsockname()[1])
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        server.close()


def exchange(port: int):  # type: ignore[no-untyped-def]
    files = repo_files()
    files["ix.yaml"] = files["ix.yaml"].replace(
        "rpki:\n", SILENT_RS.format(port=port) + "rpki:\n", 1
    )
    return load_files(files)


def test_a_silent_route_server_costs_the_connect_timeout_and_is_reported(silent: int) -> None:
    repo = exchange(silent)
    rs2 = repo.exchange.model.route_servers[1]
    reader = SshBirdReader(
        asyncssh.generate_private_key("ssh-ed25519"), DeploySettings(connect_timeout=1)
    )
    started = time.monotonic()
    with pytest.raises(StatusError, match="rs2: cannot connect over SSH"):
        asyncio.run(reader.query(Target.from_model(rs2), ["show status"]))
    assert time.monotonic() - started < 5


class OneStuck:
    """rs1 answers at once; rs2 is stuck until the bound and then fails."""

    def __init__(self) -> None:
        self.answered: dict[str, float] = {}

    async def query(self, target: Target, commands: Sequence[str]) -> list[str]:
        if target.name == "rs2":
            await asyncio.sleep(2)
            raise StatusError("rs2: cannot connect over SSH: timed out")
        self.answered[target.name] = time.monotonic()
        return ["Name       Proto      Table      State  Since         Info\n" for _ in commands]


def test_one_stuck_route_server_never_holds_up_the_others(silent: int) -> None:
    repo = exchange(silent)
    reader = OneStuck()
    started = time.monotonic()
    report = asyncio.run(status(repo.exchange.model, [p.model for p in repo.peers], reader))
    assert reader.answered["rs1"] - started < 0.5  # read while rs2 was still stuck
    by_name = {rs.name: rs for rs in report}
    assert by_name["rs2"].error.startswith("rs2: cannot connect")
    assert by_name["rs1"].error == "" and len(by_name["rs1"].sessions) == 3
    assert all(s.problem.startswith("not on the route server") for s in by_name["rs1"].sessions)
