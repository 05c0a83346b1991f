"""A lab exchange for the safety tests: one route server deployed over real SSH by `ztix`, an
RTR cache that can start late or restart, and member routers whose every route import is logged
(so "this route never reached that member" is read from the member's own log, not sampled)."""

from __future__ import annotations

import contextlib
import datetime
import io
import os
import re
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from tests.lab import netns
from tests.lab.daemons import Bird, Daemon, wait_for
from tests.lab.sshd import Sshd
from tests.lab.topology import ROAS, vrps
from ztix.cli import main

IX = """\
name: Safety Lab IX
asn: 64511
peering_lan:
  ipv4: 10.0.0.0/24
  ipv6: fd00:1::/64
zerotier:
  provider: self_hosted_controller
  api_url: http://127.0.0.1:9993
  network_id: "1122334455667788"
route_servers:
  - name: rs1
    zerotier_node_id: "1000000001"
    ipv4: 10.0.0.1
    ipv6: fd00:1::1
    router_id: 10.0.0.1
    ssh:
      host: 127.0.0.1
      port: {port}
      user: root
      host_key: {host_key}
    bird:
      config_path: {config}
      control_socket: {socket}
      log: stderr
rpki:
  rtr_servers:
    - name: rtr1
      host: 127.0.0.1
      port: 8323
  retry: 2
{bgp}policy:
  allow_documentation_asns: true
{policy}{extra}"""

# A receiving member: imports everything, logs every route it adds or removes.
RECEIVER = """\
log stderr all;
router id {v4};
protocol device {{}}
protocol bgp rs4 {{
  local {v4} as {asn};
  neighbor 10.0.0.1 as 64511;
  connect delay time 1;
  debug {{ routes }};
  ipv4 {{ import all; export none; }};
}}
"""
# An announcing member: its statics (with optional per-prefix filter actions) to the RS.
ANNOUNCER = """\
log stderr all;
router id {v4};
protocol device {{}}
protocol static s4 {{
  ipv4;
{routes}
}}
filter out4 {{
  bgp_next_hop = {v4};
{actions}
  bgp_path.prepend({asn});
  accept;
}}
protocol bgp rs4 {{
  local {v4} as {asn};
  neighbor 10.0.0.1 as 64511;
  rs client;
  connect delay time 1;
  ipv4 {{ import none; export filter out4; }};
}}
"""
LOG_LINE = re.compile(r"^(\S+ \S+) <TRACE> rs4\.ipv4 > (added|removed)(?: \[\w+\])? (\S+)")


def announcer(asn: int, v4: str, routes: Mapping[str, str]) -> str:
    """Member config announcing each prefix with its filter action (may be empty)."""
    return ANNOUNCER.format(
        asn=asn,
        v4=v4,
        routes="\n".join(f"  route {p} blackhole;" for p in routes),
        actions="\n".join(f"  if net = {p} then {{ {a} }}" for p, a in routes.items() if a),
    )


def peer(asn: int, node: str, v4: str, limit: int, extra: str = "") -> str:
    return (
        f"asn: {asn}\nname: Lab Member {asn}\ncontact: noc@as{asn}.example\nconnections:\n"
        f"  - zerotier_node_id: {node}\n    ipv4: {v4}\nmax_prefix:\n  ipv4: {limit}\n{extra}"
    )


class LabExchange:
    """Namespaces, daemons and the peering repository of one lab run."""

    def __init__(
        self,
        workdir: Path,
        tag: str,
        *,
        bgp: str = "",
        policy: str = "",
        extra: str = "",
        ix: Callable[[LabExchange], str] | None = None,
        bird: str = "bird",
    ) -> None:
        """`ix`: builds the whole ix.yaml for this lab (its sshd, paths) instead of IX; `bird`:
        the route server's BIRD binary (a newer one: its birdc is used over SSH too)."""
        netns.cleanup()
        self.workdir = workdir
        self.daemons: list[Daemon] = []
        self.members: dict[int, Bird] = {}
        self.rtr: Daemon | None = None
        directory = str(Path(bird).parent) if "/" in bird else None
        self.sshd = Sshd(
            workdir / "ssh", f"{directory}:{os.environ['PATH']}" if directory else None
        )
        self.lan = netns.Lan(tag)
        self.rs_ns = self.lan.add_router(f"{tag}-rs", ["10.0.0.1/24", "fd00:1::1/64"])
        self.repo = workdir / "repo"
        (self.repo / "peers").mkdir(parents=True)
        self.config = workdir / "rs1.conf"
        self.socket = workdir / "rs1.ctl"
        self.vrp_file = workdir / "vrps.json"
        self.vrp_file.write_text(vrps(ROAS))
        self.bgp, self.policy, self.extra = bgp, policy, extra
        self.ix = ix
        self.tag = tag
        self.write_ix()
        # The sentinel ROA, as the operator's manual sets it up: `ztix rs slurm` > the cache's file.
        with contextlib.redirect_stdout(io.StringIO()) as out:
            assert main(["rs", "slurm", "--repo", str(self.repo)]) == 0
        (workdir / "slurm.json").write_text(out.getvalue())
        self.config.write_text("router id 10.0.0.1;\nprotocol device {}\n")  # Debian's role
        self.rs = Bird(self.rs_ns, self.config, workdir, "rs1", bird)
        self.daemons.append(self.rs)
        wait_for("the route server up", lambda: "Daemon is up" in self.rs.cmd("show", "status"))

    def write_ix(self) -> None:
        if self.ix is not None:
            (self.repo / "ix.yaml").write_text(self.ix(self))
            return
        (self.repo / "ix.yaml").write_text(
            IX.format(
                port=self.sshd.port,
                host_key=self.sshd.host_key,
                config=self.config,
                socket=self.socket,
                bgp=self.bgp,
                policy=self.policy,
                extra=self.extra
                if "irr:" in self.extra
                else self.extra + "irr:\n  enabled: false\n  reason: a lab without IRR data\n",
            )
        )

    def start_rtr(self) -> float:
        """Start the RTR cache (ROAs plus the sentinel); the monotonic time it was started."""
        self.stop_rtr()
        self.rtr = Daemon(
            self.rs_ns,
            [
                "stayrtr",
                "-bind",
                "127.0.0.1:8323",
                "-cache",
                str(self.vrp_file),
                "-slurm",
                str(self.workdir / "slurm.json"),
                "-checktime=false",
                "-refresh",
                "2",
                "-protocol",
                "1",
                "-metrics.addr",
                "",
            ],
            self.workdir / f"stayrtr-{time.monotonic_ns()}.log",
        )
        return time.monotonic()

    def stop_rtr(self) -> None:
        if self.rtr is not None:
            self.rtr.stop()
            self.rtr = None

    def member(self, asn: int, v4: str, config: str) -> Bird:
        if asn not in self.members:
            ns = self.lan.add_router(f"{self.tag}-m{asn % 100}", [f"{v4}/24"])
            path = self.workdir / f"m{asn}.conf"
            path.write_text(config)
            self.members[asn] = Bird(ns, path, self.workdir, f"m{asn}")
            self.daemons.append(self.members[asn])
        else:
            self.members[asn].config.write_text(config)
            assert "Reconfigured" in self.members[asn].cmd("configure")
        return self.members[asn]

    def ztix(self, *args: str) -> int:
        """`ztix ARGS --repo REPO` with the deploy key (no ZeroTier: route servers only)."""
        saved = dict(os.environ)
        for key in [k for k in os.environ if k.startswith("ZTIX_")]:
            del os.environ[key]
        os.environ.update(ZTIX_SSH_KEY_FILE=str(self.sshd.client_key_path), ZTIX_HEALTH_SETTLE="1")
        try:
            return main([*args, "--repo", str(self.repo)])
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def deploy(self) -> int:
        return self.ztix("apply", "--only", "routeservers")

    def imports(self, asn: int, prefix: str) -> list[tuple[datetime.datetime, str]]:
        """(time, added|removed) of every change of `prefix` in member `asn`'s table."""
        out = []
        for line in self.members[asn].log.read_text().splitlines():
            match = LOG_LINE.match(line)
            if match and match.group(3) == prefix:
                when = datetime.datetime.fromisoformat(match.group(1))
                out.append((when, match.group(2)))
        return out

    def close(self) -> None:
        self.stop_rtr()
        for daemon in reversed(self.daemons):
            daemon.stop()
        self.sshd.stop()
        netns.cleanup()
