"""Benchmark: `ztix apply` with 1,000 peers and 3 route servers over real SSH and BIRD.

Run as root (route servers run in network namespaces):
    .venv/bin/python -m tests.benchmarks.bench_apply [--peers 1000] [--settle 2]

Prints: the first apply; a no-op apply (target: 0 ZeroTier writes, 0 uploads, <= 2 s); and the
time to deploy a one-peer change to 1 route server vs to 3 (canary, then 2 in parallel).
The canary's deploy (reconfigure and health settle) finishes before the others start, so 3 route
servers take at least about twice one; the parallel stage alone (1 vs 3 at once) is also printed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import tempfile
import time
from pathlib import Path

from asyncssh import read_private_key

from tests.benchmarks.bench_zerotier import Server
from tests.benchmarks.synth import peer_asn, synthetic_files
from tests.lab import netns
from tests.lab.daemons import Bird, Daemon, wait_for
from tests.lab.sshd import Sshd
from tests.lab.topology import ROAS, slurm, vrps
from ztix.adapters.routeserver.deployer import SshDeployer
from ztix.cli import main as ztix_main
from ztix.load.loader import load_files
from ztix.ports.deploy import DeployResult, DeploySettings, Target
from ztix.render.routeserver import render_all

RS = """\
  - name: rs{n}
    zerotier_node_id: "{node:010x}"
    ipv4: 10.64.0.{n}
    ipv6: fd00:64::{n}
    router_id: 10.64.0.{n}
    ssh:
      host: 127.0.0.1
      port: {port}
      user: root
      host_key: {host_key}
    bird:
      config_path: {workdir}/rs{n}/bird.conf
      control_socket: {workdir}/rs{n}.ctl
"""


def exchange_files(peers: int, servers: int, sshd: Sshd, workdir: Path, api: str) -> dict[str, str]:
    """The synthetic exchange, with route servers reachable over our sshd."""
    files = synthetic_files(peers)
    route_servers = "".join(
        RS.format(
            n=n, node=0xE000000000 + n, port=sshd.port, host_key=sshd.host_key, workdir=workdir
        )
        for n in range(1, servers + 1)
    )
    ix = files["ix.yaml"]
    head, tail = ix.split("route_servers:\n", 1)
    tail = tail[tail.index("rpki:") :]
    files["ix.yaml"] = (
        head.replace("http://127.0.0.1:9993", api) + "route_servers:\n" + route_servers + tail
    )
    return files


def write(files: dict[str, str], root: Path) -> None:
    """Write the repository."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def cli(*args: str) -> tuple[float, int, str]:
    """Run `ztix` in-process; (seconds, exit code, output)."""
    out = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = ztix_main(list(args))
    return time.perf_counter() - start, code, out.getvalue()


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--peers", type=int, default=1000)
    parser.add_argument("--settle", type=float, default=2.0, help="health settle seconds")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root: the route servers run in network namespaces")
    netns.cleanup()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        sshd = Sshd(workdir / "ssh")
        api = Server()
        birds: list[Daemon] = []
        (workdir / "vrps.json").write_text(vrps(ROAS))
        (workdir / "slurm.json").write_text(slurm())
        try:
            repo_dir = workdir / "repo"
            files = exchange_files(args.peers, 3, sshd, workdir, api.url)
            write(files, repo_dir)
            configs = render_all(*_models(files))
            for n in (1, 2, 3):
                ns = f"{netns.PREFIX}ba-rs{n}"
                netns.run("ip", "netns", "add", ns)
                for cmd in (
                    ["ip", "link", "set", "lo", "up"],
                    ["ip", "link", "add", "lan0", "type", "veth", "peer", "name", "lan1"],
                    ["ip", "addr", "add", f"10.64.0.{n}/16", "dev", "lan0"],
                    ["ip", "addr", "add", f"fd00:64::{n}/64", "dev", "lan0", "nodad"],
                    ["ip", "link", "set", "lan0", "up"],
                    ["ip", "link", "set", "lan1", "up"],
                ):
                    netns.run("ip", "netns", "exec", ns, *cmd)
                (workdir / f"rs{n}").mkdir()
                config = workdir / f"rs{n}" / "bird.conf"
                config.write_text(f"router id 10.64.0.{n};\nprotocol device {{}}\n")
                # Each route server's own RTR cache (the deploy health check needs RPKI ready).
                birds.append(
                    Daemon(
                        ns,
                        [
                            "stayrtr",
                            "-bind",
                            "127.0.0.1:8323",
                            "-cache",
                            str(workdir / "vrps.json"),
                            "-slurm",
                            str(workdir / "slurm.json"),
                            "-checktime=false",
                            "-metrics.addr",
                            "",
                        ],
                        workdir / f"stayrtr{n}.log",
                    )
                )
                birds.append(Bird(ns, config, workdir, f"rs{n}"))
            for bird in [b for b in birds if isinstance(b, Bird)]:

                def up(b: Bird = bird) -> bool:
                    return "Daemon is up" in b.cmd("show", "status")

                wait_for("BIRD up", up)
            os.environ.update(
                {
                    "ZTIX_ZEROTIER_TOKEN": "t",
                    "ZTIX_SSH_KEY_FILE": str(sshd.client_key_path),
                    "ZTIX_HEALTH_SETTLE": str(args.settle),
                    "ZTIX_BIRD_CONFIRM_TIMEOUT": "60",
                }
            )
            report = str(workdir / "report.json")
            took, code, out = cli("apply", "--repo", str(repo_dir), "--report", report)
            print(f"first apply, {args.peers} peers, 3 route servers: {took:.2f} s (exit {code})")
            print(
                "  "
                + "\n  ".join(
                    line for line in out.splitlines() if "zerotier" in line or line.startswith("rs")
                )
            )
            took, code, out = cli("apply", "--repo", str(repo_dir), "--report", report)
            zt_line = next(
                line for line in out.splitlines() if line.startswith("zerotier authorize")
            )
            rs_lines = [line for line in out.splitlines() if line.startswith("rs")]
            print(f"no-op apply: {took:.2f} s (exit {code}); {zt_line}; " + "; ".join(rs_lines))
            key_settings = DeploySettings(health_settle=args.settle, confirm_timeout=60)
            deployer = SshDeployer(read_private_key(sshd.client_key_path), key_settings)
            exchange = _models(files)[0]
            targets = {rs.name: Target.from_model(rs, exchange) for rs in exchange.route_servers}
            for label, names, changed in (
                ("1 route server", ["rs1"], 11),
                ("3 route servers", ["rs1", "rs2", "rs3"], 12),
            ):
                path = f"peers/AS{peer_asn(changed)}.yaml"
                files[path] = files[path].replace("ipv4: 100", "ipv4: 101")
                configs = render_all(*_models(files))
                jobs = [(targets[n], _const(configs[n])) for n in names]
                start = time.perf_counter()
                results = asyncio.run(deployer.deploy_all(jobs, canary="rs1"))
                took = time.perf_counter() - start
                print(
                    f"deploy a one-peer change to {label}: {took:.2f} s "
                    f"({', '.join(f'{r.route_server} {r.action}' for r in results)})"
                )
            # The parallel stage on its own (what follows a successful canary): 1 vs 3 at once.
            for label, names, changed in (
                ("1 route server", ["rs2"], 13),
                ("3 route servers at once", ["rs1", "rs2", "rs3"], 14),
            ):
                path = f"peers/AS{peer_asn(changed)}.yaml"
                files[path] = files[path].replace("ipv4: 100", "ipv4: 101")
                configs = render_all(*_models(files))
                start = time.perf_counter()
                results = asyncio.run(_fan_out(deployer, [(targets[n], configs[n]) for n in names]))
                took = time.perf_counter() - start
                print(
                    f"parallel stage, {label}: {took:.2f} s "
                    f"({', '.join(f'{r.route_server} {r.action}' for r in results)})"
                )
        finally:
            for daemon in birds:
                daemon.stop()
            api.close()
            sshd.stop()
            netns.cleanup()


def _const(text: str):  # type: ignore[no-untyped-def]
    return lambda held: text


async def _fan_out(deployer: SshDeployer, jobs: list[tuple[Target, str]]) -> list[DeployResult]:
    # Each route server on its own (its own canary), all at once: the raw fan-out cost.
    each = await asyncio.gather(
        *(deployer.deploy_all([(t, _const(c))], canary=t.name) for t, c in jobs)
    )
    return [result for results in each for result in results]


def _models(files: dict[str, str]):  # type: ignore[no-untyped-def]
    repo = load_files(files)
    return repo.exchange.model, [p.model for p in repo.peers]


if __name__ == "__main__":
    main()
