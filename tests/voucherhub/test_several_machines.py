"""docs/deploy.md on several machines, proven: two web nodes, two workers and one beat, each on a "machine"
of its own (a network namespace: tests/voucherhub/machines.py), behind HAProxy from Debian's packages on a
sixth, against one PostgreSQL and one Redis on the host. A mixed load goes through the load balancer
(gift card redemptions with an Idempotency-Key, validations, dashboard pages, exports) while one web node and
one worker machine crash (every process on them SIGKILLed). Afterwards the books must balance: every
redemption a client was told about exists once and no other, the gift cards' balances are what the answers
add up to, no export is left unfinished, and every redemption event reached the webhook receiver (https,
signed) on the host.

Needs root (network namespaces), iproute2, haproxy (``make test`` installs it where it can), openssl,
redis-server and PostgreSQL's server binaries; skipped otherwise, saying what is missing. Runs its own
PostgreSQL cluster and Redis server, never the shared ones.
"""

import json
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from standardwebhooks.webhooks import Webhook as Verifier

from tests.voucherhub.machines import Network, haproxy_config, self_signed_certificate
from tests.voucherhub.test_faults import (
    ROOT,
    build_and_release,
    call,
    procfile,
    production_env,
    throwaway_cluster,
    wait_until,
)

pytestmark = pytest.mark.machines

GIFT_CARDS = 4
GIFT_BALANCE = 10_000_000
CLIENTS = 8
RETRIED = {0, 502, 503, 504}  # no answer (or half of one), or the load balancer had no node for it: send it again

DATA = """
import json
from campaigns.models import Campaign, CampaignType, Voucher, VoucherType
from outbound.services.webhooks import WebhookRequest, create_webhook
from voucherhub.caller import Caller

campaign = Campaign.objects.create(name="Several machines", campaign_type=CampaignType.GIFT_VOUCHERS)
for n in range({cards}):
    Voucher.objects.create(
        code=f"LB-GIFT-{{n}}", campaign=campaign, type=VoucherType.GIFT_VOUCHER, discount_type="",
        gift_amount={balance}, gift_balance={balance},
    )
hook = create_webhook(WebhookRequest(target_url="{url}", events=["redemption.succeeded"]), caller=Caller.system("test"))
print(json.dumps({{"secret": hook.secret}}))
"""


def missing() -> str:
    if os.geteuid() != 0:
        return "root (network namespaces)"
    for tool in ("ip", "haproxy", "openssl", "redis-server"):
        if not shutil.which(tool, path=f"{os.environ['PATH']}:/usr/sbin:/sbin"):
            return f"{tool} (Debian: apt-get install {'iproute2' if tool == 'ip' else tool})"
    return ""


def free_port_on(address: str) -> int:
    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]


@dataclass
class Site:
    network: Network
    cluster: object
    lb: str  # the load balancer's address; it listens on port 8000
    api: dict
    session: str
    receiver: HTTPServer
    secret: str
    logs: Path

    def call(self, method: str, path: str, body=None, headers: dict | None = None):
        return call(8000, method, path, body, headers, host=self.lb)

    def sql(self, query: str):
        return self.cluster.sql(query)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if reason := missing():
        pytest.skip(f"the several-machines test needs {reason}")
    folder = tmp_path_factory.mktemp("machines")
    with ExitStack() as stack:
        network = Network(f"vh{os.getpid() % 10000}").up()
        stack.callback(network.down)
        for name, number in (("lb", 10), ("web1", 11), ("web2", 12), ("work1", 21), ("work2", 22), ("beat", 30)):
            network.machine(name, number)
        cluster = stack.enter_context(throwaway_cluster(also_on=network.host, max_connections=80))
        redis_port = free_port_on(network.host)
        redis = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                network.host,
                "--port",
                str(redis_port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        stack.callback(redis.wait, 10)
        stack.callback(redis.terminate)
        receiver = https_receiver(folder, network.host)
        stack.callback(receiver.stop)
        stack.callback(network.crash)  # first of all: no process outlives the test, nor needs the database

        env = cluster_env(cluster, network, folder, redis_port)
        made = build_and_release(env)
        data = DATA.format(cards=GIFT_CARDS, balance=GIFT_BALANCE, url=receiver.url_for("/hooks"))
        out = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", data],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
        secret = json.loads(out.stdout.strip().splitlines()[-1])["secret"]
        start_machines(network, env, folder)
        api = {"X-App-Id": made["app_id"], "X-App-Token": made["token"]}
        yield Site(network, cluster, network.machines["lb"].address, api, made["session"], receiver, secret, folder)


def https_receiver(folder: Path, host: str) -> HTTPServer:
    """A webhook receiver on the host's bridge address, over https with a certificate of its own (the
    workers trust it through SSL_CERT_FILE, as production trusts a real one)."""
    import ssl

    cert, key = self_signed_certificate(folder, host)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    receiver = HTTPServer(host=host, port=free_port_on(host), ssl_context=context)
    receiver.expect_request("/hooks", method="POST").respond_with_data("thanks")
    receiver.start()
    return receiver


def cluster_env(cluster, network: Network, folder: Path, redis_port: int) -> dict:
    """Every node's environment (docs/deploy.md, section 1), with short recovery times for a test."""
    env = production_env(cluster, folder / "var", 8000)
    lb = network.machines["lb"].address
    env.update(
        DATABASE_URL=f"postgres://postgres@{network.host}:{cluster.port}/faults",
        REDIS_URL=f"redis://{network.host}:{redis_port}/0",
        ALLOWED_HOSTS=lb,
        FORWARDED_ALLOW_IPS=lb,
        WEB_CONCURRENCY="2",
        GUNICORN_THREADS="4",
        CELERY_CONCURRENCY="2",
        SSL_CERT_FILE=str(folder / "receiver.pem"),
        VOUCHERHUB_WEBHOOK_ALLOWED_HOSTS=network.host,  # the receiver's private address, allowed on purpose
        VOUCHERHUB_WEBHOOK_CLAIM_SECONDS="5",  # a dead worker's deliveries come back after 5 s, not 2 min
        VOUCHERHUB_JOB_STALE_SECONDS="6",  # ...and its export after 6 s
        VOUCHERHUB_JOB_REAP_SECONDS="2",
    )
    env.pop("GUNICORN_BIND")
    return env


def start_machines(network: Network, env: dict, folder: Path) -> None:
    commands = procfile()
    for name in ("web1", "web2"):
        machine = network.machines[name]
        node_env = {**env, "GUNICORN_BIND": f"{machine.address}:8000"}
        machine.start(commands["web"].split(), env=node_env, cwd=ROOT, log=folder / f"{name}.log")
    for name in ("work1", "work2"):
        node_env = {**env, "CELERY_WORKER_NAME": name}
        worker = ["sh", "-c", commands["worker"]]
        network.machines[name].start(worker, env=node_env, cwd=ROOT, log=folder / f"{name}.log")
    network.machines["beat"].start(["sh", "-c", commands["beat"]], env=env, cwd=ROOT, log=folder / "beat.log")
    servers = {name: f"{network.machines[name].address}:8000" for name in ("web1", "web2")}
    config = folder / "haproxy.cfg"
    config.write_text(haproxy_config(f"{network.machines['lb'].address}:8000", servers))
    haproxy = shutil.which("haproxy", path=f"{os.environ['PATH']}:/usr/sbin")
    network.machines["lb"].start([haproxy, "-db", "-f", str(config)], env=env, cwd=ROOT, log=folder / "lb.log")
    for name in ("web1", "web2"):
        address = network.machines[name].address
        ready = wait_until(lambda address=address: call(8000, "GET", "/readyz", host=address)[0] == 200, 90)
        assert ready, (folder / f"{name}.log").read_text()[-3000:]


@dataclass
class Books:
    """What the clients were told."""

    redeemed: dict[str, tuple[str, int]] = field(default_factory=dict)  # Idempotency-Key -> (redemption, credits)
    exports: list[str] = field(default_factory=list)
    retries: int = 0
    unexpected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def until_answered(site: Site, books: Books, method: str, path: str, body=None, headers=None):
    """One call, sent again (same headers, so the same Idempotency-Key) while nothing answers it."""
    for _ in range(60):
        status, _, text = site.call(method, path, body, {**site.api, **(headers or {})})
        if status not in RETRIED:
            return status, text
        with books.lock:
            books.retries += 1
        time.sleep(0.25)
    return status, text


def client(site: Site, books: Books, stop: threading.Event, seed: int) -> None:
    """A shop's client: mostly redemptions of gift cards, some validations and dashboard pages."""
    chance = random.Random(seed)
    while not stop.is_set():
        roll = chance.random()
        if roll < 0.7:
            key, amount = str(uuid.uuid4()), chance.randint(1, 900)
            code = f"LB-GIFT-{chance.randrange(GIFT_CARDS)}"
            body = {"redeemables": [{"object": "voucher", "id": code}], "order": {"amount": amount}}
            status, text = until_answered(site, books, "POST", "/v1/redemptions", body, {"Idempotency-Key": key})
            if status == 200:
                redemption = json.loads(text)["redemptions"][0]
                with books.lock:
                    books.redeemed[key] = (redemption["id"], redemption["gift"]["amount"])
                continue
        elif roll < 0.9:
            body = {"redeemables": [{"object": "voucher", "id": "FAULT-1"}], "order": {"amount": 2_000}}
            status, text = until_answered(site, books, "POST", "/v1/validations", body)
            if status == 200 and json.loads(text)["valid"]:
                continue
        else:
            cookie = {"Cookie": f"sessionid={site.session}"}
            status, text = until_answered(site, books, "GET", "/redemptions/", None, cookie)
            if status == 200 and "Redemptions" in text:
                continue
        with books.lock:
            books.unexpected.append(f"{status} {text[:300]}")


def exporter(site: Site, books: Books, stop: threading.Event) -> None:
    """Staff asking for a CSV of the redemptions every second and a half."""
    while not stop.wait(1.5):
        status, text = until_answered(site, books, "POST", "/v1/exports", {"exported_object": "redemption"})
        with books.lock:
            if status == 200:
                books.exports.append(json.loads(text)["id"])
            else:
                books.unexpected.append(f"export: {status} {text[:300]}")


def run_load(site: Site, crashes: list[tuple[float, str]], seconds: float) -> Books:
    books, stop = Books(), threading.Event()
    threads = [threading.Thread(target=client, args=(site, books, stop, n)) for n in range(CLIENTS)]
    threads.append(threading.Thread(target=exporter, args=(site, books, stop)))
    for thread in threads:
        thread.start()
    started = time.monotonic()
    for at, machine in crashes:
        time.sleep(max(0.0, started + at - time.monotonic()))
        site.network.machines[machine].crash()
    time.sleep(max(0.0, started + seconds - time.monotonic()))
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    return books


def served_redemptions(log: Path) -> int:
    return sum('"path": "/v1/redemptions"' in line and '"status": 200' in line for line in log.open())


def test_two_web_nodes_two_workers_and_beat_behind_haproxy_keep_the_books_when_a_node_and_a_worker_crash(site):
    books = run_load(site, crashes=[(8, "web1"), (12, "work1")], seconds=24)

    assert books.unexpected == []
    assert len(books.redeemed) > 100 and books.exports
    # Both web nodes served redemptions, and the survivor went on after the crash.
    assert served_redemptions(site.logs / "web1.log") > 0
    assert served_redemptions(site.logs / "web2.log") > 0

    # Every answered redemption exists once, no other does, and the balances are what the answers add up to.
    rows = site.sql("SELECT id, gift_amount FROM redemptions_redemption WHERE voucher_code LIKE 'LB-GIFT-%'")
    assert sorted(rows) == sorted(books.redeemed.values())
    taken = sum(credits for _, credits in books.redeemed.values())
    [(balance,)] = site.sql("SELECT sum(gift_balance) FROM campaigns_voucher WHERE code LIKE 'LB-GIFT-%'")
    assert balance == GIFT_CARDS * GIFT_BALANCE - taken
    [(keys,)] = site.sql("SELECT count(*) FROM voucherhub_idempotencykey")
    assert keys == len(books.redeemed)

    # No export is left behind, the crashed worker's included (the reaper hands it to the other one).
    def exports_finished() -> bool:
        return site.sql("SELECT count(*) FROM exports_export WHERE status <> 'DONE'") == [(0,)]

    assert wait_until(exports_finished, timeout=120), site.sql("SELECT id, status, error FROM exports_export")
    done = {row[0] for row in site.sql("SELECT id FROM exports_export")}
    assert set(books.exports) <= done  # (a request the load balancer cut off may have made one more)

    # Every redemption event reached the receiver, signed with the endpoint's secret.
    events = {row[0] for row in site.sql("SELECT id FROM auditlog_event WHERE type = 'redemption.succeeded'")}
    assert len(events) == len(books.redeemed)

    def received() -> set[str]:
        return {request.headers["webhook-id"] for request, _ in site.receiver.log}

    assert wait_until(lambda: events <= received(), timeout=120), f"{len(events - received())} events not delivered"
    verifier = Verifier(site.secret)
    for request, _ in site.receiver.log[:20]:
        verifier.verify(request.get_data(), dict(request.headers))
