"""arouteserver (optional, in a virtualenv of its own) building the same exchange, for benchmarks.

It is not a dependency of ZT-IX: pass the path of its `arouteserver` script to the benchmarks.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import subprocess
from pathlib import Path

from tests.benchmarks.synth import peer_asn

RTR_LOCAL = """\
protocol rpki RPKI {
  roa4 { table RPKI4; };
  roa6 { table RPKI6; };
  remote 127.0.0.1 port 8323;
}
"""
ARS_GENERAL = """\
cfg:
  rs_as: 64511
  router_id: "10.64.0.1"
  filtering:
    next_hop:
      policy: "strict"
    max_as_path_len: 32
    never_via_route_servers:
      peering_db: False
    transit_free:
      asns: ""
    irrdb:
      enforce_origin_in_as_set: False
      enforce_prefix_in_as_set: False
      tag_as_set: False
    rpki_bgp_origin_validation:
      enabled: True
      reject_invalid: True
    max_prefix:
      action: "shutdown"
  rpki_roas:
    source: "rtr"
  graceful_shutdown:
    enabled: True
  communities:
    do_not_announce_to_any:
      std: "0:rs_as"
      lrg: "rs_as:0:0"
    do_not_announce_to_peer:
      std: "0:peer_as"
      lrg: "rs_as:0:peer_as"
    announce_to_peer:
      std: "rs_as:peer_as"
      lrg: "rs_as:1:peer_as"
"""


def arouteserver_build(n: int, ars: str, workdir: Path, runs: int = 1) -> tuple[Path, float] | str:
    """(config, CPU seconds of `arouteserver bird`: the median of `runs`) for N clients like
    synth's, or why not."""
    argv, out = arouteserver_command(n, ars, workdir)
    times = []
    for _ in range(runs):
        cpu, code, err = cpu_seconds(argv)
        if code != 0 or not out.exists():
            return f"arouteserver failed: {err.strip().splitlines()[-1:]}"
        times.append(cpu)
    return out, sorted(times)[len(times) // 2]


def arouteserver_command(n: int, ars: str, workdir: Path) -> tuple[list[str], Path]:
    """(the `arouteserver bird` command line, the config it writes) for N clients like synth's,
    its configuration written under `workdir`."""
    package = Path(
        subprocess.run(
            [
                str(Path(ars).parent / "python"),
                "-c",
                "import pierky.arouteserver as a, os; print(os.path.dirname(a.__file__))",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.strip()
    )
    root = workdir / f"ars-{n}"
    shutil.rmtree(root, ignore_errors=True)
    (root / "cache").mkdir(parents=True)
    for name in ("bogons.yml", "log.ini"):
        shutil.copy(package / "config.d" / name, root / name)
    shutil.copytree(package / "templates", root / "templates")
    (root / "arouteserver.yml").write_text(
        f'cfg_dir: {root}\nlogging_config_file: "log.ini"\ncfg_general: "general.yml"\n'
        'cfg_clients: "clients.yml"\ncfg_bogons: "bogons.yml"\ntemplates_dir: "templates"\n'
        'template_name: "main.j2"\ncache_dir: "cache"\ncheck_new_release: False\n'
    )
    (root / "general.yml").write_text(ARS_GENERAL)
    (root / "rpki_rtr_config.local").write_text(RTR_LOCAL)
    lines = ["clients:"]
    for index in range(1, n + 1):
        v4 = ipaddress.IPv4Address("10.64.1.0") + index
        v6 = ipaddress.IPv6Address("fd00:64::1:0") + index
        lines += [
            f"  - asn: {peer_asn(index)}",
            "    ip:",
            f'      - "{v4}"',
            f'      - "{v6}"',
            "    cfg:",
            "      filtering:",
            "        max_prefix:",
            "          limit_ipv4: 100",
            "          limit_ipv6: 20",
        ]
    (root / "clients.yml").write_text("\n".join(lines) + "\n")
    out = root / "bird.conf"
    argv = [
        ars,
        "bird",
        "--cfg",
        str(root / "arouteserver.yml"),
        "--target-version",
        "2.0.11",
        "--local-files-dir",
        str(root),
        "-o",
        str(out),
    ]
    return argv, out


def compiled_env(cache: Path) -> dict[str, str]:
    """The environment of a ZT-IX process that runs from compiled bytecode, as an installed
    wheel does (pip compiles it at install): kept in `cache`, written by a first run."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    return env


def cpu_seconds(
    argv: list[str], cwd: Path | None = None, env: dict[str, str] | None = None
) -> tuple[float, int, str]:
    """(user + system CPU seconds of the whole process, exit status, stderr)."""
    proc = subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime, proc.returncode, err
