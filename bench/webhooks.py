"""Webhooks: what the outbox adds to a redemption, and how fast one worker delivers.

    .venv/bin/python bench/webhooks.py outbox [--rounds N] [--batch N]
    .venv/bin/python bench/webhooks.py delivery [--events N]

Runs against ``postgres://postgres@127.0.0.1:5432/voucherhub_bench`` unless DATABASE_URL says otherwise, with
production settings (DEBUG off) and the broker of REDIS_URL (the embedded one without it).

``outbox``: ``POST /v1/redemptions`` through Django's test client in this process, in alternating batches
with the outbox off (its listener unplugged) and on (an active endpoint subscribed to
``redemption.succeeded``: each redemption writes its delivery in the same round trip and wakes a worker
after the commit; no worker runs, so nothing is sent). Measures this process's CPU and the PostgreSQL
backend's CPU (from /proc) per redemption; prints each round, then the difference of the medians of their
sum as the last line (target < 0.5 ms).

``delivery``: a receiver answering 200 at once (a threaded HTTP server in this process), N events written to
the outbox for it, then one worker process (``celery -A voucherhub worker --pool solo``, no -Q) woken once;
prints the events per second from the wake-up to the last delivery as the last line (target >= 200/s).

What each run writes is deleted at its end.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, setup_django
from bench.list_pages import production_env

TICKS = os.sysconf("SC_CLK_TCK")


def backend_cpu_ms(pid: int) -> float:
    """CPU time (user + system) of a PostgreSQL backend on this machine, in milliseconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / TICKS


def _outbox_setup() -> dict:
    from campaigns.models import Campaign, Voucher
    from outbound.services.webhooks import WebhookRequest, create_webhook
    from voucherhub.caller import Caller
    from voucherhub.services import create_api_key

    campaign = Campaign.objects.create(name="Bench outbox coupons", campaign_type="DISCOUNT_COUPONS")
    Voucher.objects.create(code="BENCH-OUTBOX", campaign=campaign, type="DISCOUNT_VOUCHER", discount_type="PERCENT",
                           percent_off=5)  # fmt: skip
    # A public address that is never called (no worker runs): the delivery rows are what is measured.
    create_webhook(WebhookRequest(target_url="https://hooks.example.com/bench", events=["redemption.succeeded"]),
                   caller=Caller.system("bench"))  # fmt: skip
    key, token = create_api_key(name="Bench outbox")
    return {"X-App-Id": key.app_id, "X-App-Token": token}


def _batch(client, headers: dict, size: int, counter: list[int], backend: int) -> tuple[float, float]:
    """Milliseconds of CPU per redemption, (this process, PostgreSQL), over ``size`` redemptions."""
    cpu, pg = time.process_time(), backend_cpu_ms(backend)
    for _ in range(size):
        counter[0] += 1
        body = {"redeemables": [{"object": "voucher", "id": "BENCH-OUTBOX"}],
                "order": {"source_id": f"bench-outbox-{counter[0]}", "amount": 12_345}}  # fmt: skip
        response = client.post("/v1/redemptions", json.dumps(body), content_type="application/json",
                               secure=True, headers=headers)  # fmt: skip
        assert response.status_code == 200, response.content
    return (time.process_time() - cpu) * 1000 / size, (backend_cpu_ms(backend) - pg) / size


def outbox(rounds: int, size: int) -> None:
    from django.db import connection
    from django.test import Client

    from auditlog import outbox as listeners
    from outbound.models import Delivery
    from outbound.services.queueing import event_written

    headers, client, counter = _outbox_setup(), Client(), [0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    off, on = [], []
    try:
        _batch(client, headers, 20, counter, backend)  # warm up
        for number in range(1, rounds + 1):
            listeners._listeners.remove(event_written)
            try:
                without = _batch(client, headers, size, counter, backend)
            finally:
                listeners.listen(event_written)
            with_outbox = _batch(client, headers, size, counter, backend)
            off.append(without)
            on.append(with_outbox)
            print(
                f"round {number:2}: outbox off {without[0]:5.2f} + {without[1]:4.2f} ms, on {with_outbox[0]:5.2f} + "
                f"{with_outbox[1]:4.2f} ms CPU (Python + PostgreSQL) per redemption"
            )
        print(f"{Delivery.objects.count():,} deliveries written for {rounds * size:,} redemptions with the outbox on")
    finally:
        _cleanup()
    median_off = statistics.median(py + pg for py, pg in off)
    median_on = statistics.median(py + pg for py, pg in on)
    python_added = statistics.median(py for py, _ in on) - statistics.median(py for py, _ in off)
    print(f"outbox off {median_off:.2f} ms, on {median_on:.2f} ms (medians of Python + PostgreSQL; Python alone "
          f"adds {python_added:.2f} ms)")  # fmt: skip
    print(f"the outbox adds {median_on - median_off:.2f} ms of server CPU per redemption (target < 0.5 ms)")


class _Receiver(BaseHTTPRequestHandler):
    received = 0
    lock = threading.Lock()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with _Receiver.lock:
            _Receiver.received += 1
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def delivery(events: int) -> None:
    from django.db import transaction

    from auditlog.services import record_event
    from outbound.models import Delivery, DeliveryStatus
    from outbound.services.wakeups import wake
    from outbound.services.webhooks import WebhookRequest, create_webhook
    from voucherhub.caller import Caller

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    caller = Caller.system("bench")
    worker = None
    try:
        create_webhook(WebhookRequest(target_url=f"http://127.0.0.1:{server.server_address[1]}/bench",
                                      events=["voucher.created"]), caller=caller)  # fmt: skip
        with transaction.atomic():
            for n in range(events):
                record_event("voucher.created", caller=caller, resource_type="voucher", resource_id=f"v_bench{n}",
                             data={"code": f"BENCH-{n}"})  # fmt: skip
        env = {**os.environ, "LOG_LEVEL": "WARNING"}
        command = [sys.executable, "-m", "celery", "-A", "voucherhub", "worker", "--pool", "solo", "-l", "WARNING"]
        worker = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
        time.sleep(5)  # the worker connects to the broker
        started = time.monotonic()
        wake()
        pending = Delivery.objects.exclude(status=DeliveryStatus.SUCCEEDED)
        while pending.exists():
            if time.monotonic() - started > 600:
                sys.exit("not delivered within 10 minutes")
            time.sleep(0.05)
        seconds = time.monotonic() - started
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        server.shutdown()
        _cleanup()
    print(f"{_Receiver.received:,} POSTs received for {events:,} events in {seconds:.2f} s")
    print(f"one worker delivers {events / seconds:,.0f} events/s to a local receiver (target >= 200/s)")


def _cleanup() -> None:
    from django.db.models import Q

    from auditlog.models import Event, RequestLog
    from campaigns.models import Campaign, Order, Voucher
    from outbound.models import Webhook
    from redemptions.models import Redemption
    from voucherhub.models import ApiKey

    Webhook.objects.all().delete()
    Event.objects.filter(Q(channel_id="bench") | Q(channel_id="Bench outbox")).delete()
    RequestLog.objects.filter(channel_id="Bench outbox").delete()
    Redemption.objects.filter(voucher_code="BENCH-OUTBOX").delete()
    Order.objects.filter(source_id__startswith="bench-outbox-").delete()
    Voucher.objects.filter(code="BENCH-OUTBOX").delete()
    Campaign.objects.filter(name="Bench outbox coupons").delete()
    ApiKey.objects.filter(name="Bench outbox").delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("which", choices=["outbox", "delivery"])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--events", type=int, default=5_000)
    args = parser.parse_args()
    production_env()
    os.environ["VOUCHERHUB_WEBHOOK_ALLOWED_HOSTS"] = "127.0.0.1"  # the local receiver (delivery)
    setup_django()
    if args.which == "outbox":
        outbox(args.rounds, args.batch)
    else:
        delivery(args.events)


if __name__ == "__main__":
    main()
