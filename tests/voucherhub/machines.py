"""Several "machines" on one host, for the several-machines test: one Linux bridge with the host's address on
it, and per machine a network namespace joined to the bridge by a veth pair, with an address of its own.
A process started on a machine sees only that machine's network: it reaches the others, and the services
the host runs on the bridge address, over the bridge, as it would over a LAN.

Needs root and iproute2 (``ip netns``). Names carry a short tag of the run, so a run never meets the
leftovers of another; ``Network.down`` kills every process of every machine and removes them all.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path


def ip(*args: str) -> str:
    return subprocess.run(["ip", *args], check=True, capture_output=True, text=True, timeout=30).stdout


def free_subnet() -> str:
    """A 10.77.x prefix no interface of the host uses yet."""
    used = ip("-o", "-4", "addr")
    for third in [*range(os.getpid() % 200 + 20, 250), *range(20, 250)]:
        if f"10.77.{third}." not in used:
            return f"10.77.{third}"
    raise RuntimeError("no free 10.77.x.0/24 subnet")


@dataclass
class Machine:
    """One network namespace with one address on the bridge, and the processes started on it."""

    namespace: str
    address: str
    processes: list[subprocess.Popen] = field(default_factory=list)

    def start(self, command: list[str], *, env: dict, cwd: Path, log: Path) -> subprocess.Popen:
        with open(log, "ab") as out:
            process = subprocess.Popen(
                ["ip", "netns", "exec", self.namespace, *command],
                cwd=cwd,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append(process)
        return process

    def pids(self) -> list[int]:
        out = subprocess.run(["ip", "netns", "pids", self.namespace], capture_output=True, text=True, timeout=30)
        return [int(pid) for pid in out.stdout.split()]

    def crash(self) -> None:
        """The machine dies: every process on it is killed at once (SIGKILL), none can clean up."""
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)


class Network:
    """A bridge ``<tag>br`` holding ``<prefix>.1`` (the host), and machines ``<tag>-<name>`` on it."""

    def __init__(self, tag: str):
        self.tag = tag
        self.prefix = free_subnet()
        self.host = f"{self.prefix}.1"
        self.bridge = f"{tag}br"
        self.machines: dict[str, Machine] = {}

    def up(self) -> Network:
        ip("link", "add", self.bridge, "type", "bridge")
        ip("addr", "add", f"{self.host}/24", "dev", self.bridge)
        ip("link", "set", self.bridge, "up")
        return self

    def machine(self, name: str, number: int) -> Machine:
        """A new machine ``name`` at ``<prefix>.<number>``."""
        namespace, veth, address = f"{self.tag}-{name}", f"{self.tag}{name}", f"{self.prefix}.{number}"
        ip("netns", "add", namespace)
        self.machines[name] = Machine(namespace, address)
        ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", namespace)
        ip("link", "set", veth, "master", self.bridge, "up")
        ip("-n", namespace, "addr", "add", f"{address}/24", "dev", "eth0")
        ip("-n", namespace, "link", "set", "eth0", "up")
        ip("-n", namespace, "link", "set", "lo", "up")
        return self.machines[name]

    def crash(self) -> None:
        for machine in self.machines.values():
            machine.crash()

    def down(self) -> None:
        self.crash()
        for machine in self.machines.values():
            with contextlib.suppress(subprocess.CalledProcessError):
                ip("netns", "del", machine.namespace)  # takes its end of the veth pair, and so the pair
        with contextlib.suppress(subprocess.CalledProcessError):
            ip("link", "del", self.bridge)


def self_signed_certificate(folder: Path, address: str) -> tuple[Path, Path]:
    """A certificate for ``https://<address>`` (its own authority) and its key, made with openssl."""
    cert, key = folder / "receiver.pem", folder / "receiver.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={address}"]
        + ["-addext", f"subjectAltName=IP:{address}", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


HAPROXY = """\
global
    maxconn 512

defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    # A request that found no live server (refused, reset, nothing answered) goes to the other one;
    # the API's Idempotency-Key makes a repeated redemption answer the first one's result.
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response

frontend api
    bind {bind}
    default_backend web

backend web
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2
{servers}
"""


def haproxy_config(bind: str, servers: dict[str, str]) -> str:
    lines = "\n".join(f"    server {name} {address} check" for name, address in servers.items())
    return HAPROXY.format(bind=bind, servers=lines)
