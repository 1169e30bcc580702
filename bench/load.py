"""A mixed load on gunicorn + PostgreSQL for a bounded time, then a check of the books.

    .venv/bin/python bench/load.py [SECONDS] [CLIENTS]        (default 45 s, 16 clients)

Uses its own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/voucherhub_loadbench;
created and migrated if missing) and a production-mode gunicorn (bench.common.gunicorn). It creates its
data through the API (vouchers, with an API key from the service) and a dashboard user, then CLIENTS
threads each loop until the time is up over: validations, redemptions (a fifth of them on one hot voucher
whose quantity runs out, gift cards whose balance runs out), rollbacks of earlier successes, and the
Redemptions, Validations and Sessions list pages as the logged-in user.

Then it checks the books from the database:
  - every voucher's redeemed quantity = its successful redemptions - its successful rollbacks;
  - every gift card: balance = amount - credits spent >= 0, and credits spent = credits of the
    redemptions that still stand;
  - the answers match the rows: 200 redemptions = successful redemption rows, 200 rollbacks =
    successful rollback rows;
  - every request got an answer: no 5xx, no dropped connection.
Prints requests/s per kind and overall; the last line is the count of inconsistencies (target 0).
"""

import http.client
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/voucherhub_loadbench")
# collectstatic output for the production-mode dashboard pages, outside the shared checkout
os.environ.setdefault("STATIC_ROOT", str(Path(tempfile.gettempdir()) / "voucherhub-loadbench-static"))

from bench.common import ROOT, Run, gunicorn, setup_django, timed

PORT = 8941
DISCOUNT_VOUCHERS = 200
GIFT_CARDS = 40
GIFT_AMOUNT = 20_000
HOT_QUANTITY = 150
PASSWORD = "load-bench-pw-7731"
# (kind, weight): what one client step does
MIX = [("validate", 25), ("redeem", 35), ("redeem_hot", 10), ("redeem_gift", 10), ("rollback", 8), ("page", 12)]
PAGES = ["/redemptions/", "/redemptions/?result=SUCCESS", "/redemptions/validations/", "/redemptions/sessions/"]


class Client:
    """One keep-alive connection; counts a request that got no answer as dropped."""

    def __init__(self, port: int, headers: dict):
        self.port, self.headers = port, headers
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, method: str, path: str, body=None, headers: dict | None = None) -> tuple[int, bytes, dict]:
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        all_headers = {"Content-Type": "application/json", **self.headers, **(headers or {})}
        try:
            self.conn.request(method, path, body=data, headers=all_headers)
            response = self.conn.getresponse()
            return response.status, response.read(), response.headers
        except (OSError, http.client.HTTPException):
            self.conn.close()  # reconnect next time; this request got no answer
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            return 0, b"", {}


def create_data(port: int) -> dict:
    """The API key through the service, vouchers through the API, a dashboard user, and its session."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from voucherhub.ids import new_id
    from voucherhub.services import create_api_key

    key, token = create_api_key(name=f"Load bench {new_id('')}")
    api = Client(port, {"X-App-Id": key.app_id, "X-App-Token": token})
    run = new_id("")[-8:]

    def create(code: str, body: dict) -> str:
        status, text, _ = api.call("POST", f"/v1/vouchers/{code}", body)
        if status != 200:
            sys.exit(f"could not create voucher {code}: {status} {text[:300]!r}")
        return code

    discount = {"type": "DISCOUNT_VOUCHER", "discount": {"type": "PERCENT", "percent_off": 10}}
    codes = [
        create(f"LOAD-{run}-{i}", {**discount, "redemption": {"quantity": 10_000}}) for i in range(DISCOUNT_VOUCHERS)
    ]
    hot = create(f"LOAD-{run}-HOT", {**discount, "redemption": {"quantity": HOT_QUANTITY}})
    gift = {"type": "GIFT_VOUCHER", "gift": {"amount": GIFT_AMOUNT}}
    gifts = [create(f"LOAD-{run}-GIFT-{i}", gift) for i in range(GIFT_CARDS)]

    username = f"load-{run}"
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    user.groups.add(Group.objects.get(name="Admin"))
    return {"api": api.headers, "codes": codes, "hot": hot, "gifts": gifts, "session": log_in(port, username)}


def log_in(port: int, username: str) -> str:
    """The login form as a person submits it; returns the session cookie."""
    browser = Client(port, {})
    status, page, headers = browser.call("GET", "/login/")
    csrf = re.search(r"csrftoken=([^;]+)", headers.get("Set-Cookie", "")).group(1)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    form = urlencode({"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD}).encode()
    status, _, headers = browser.call(
        "POST",
        "/login/",
        form,
        {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf}"},
    )
    session = re.search(r"sessionid=([^;]+)", ", ".join(headers.get_all("Set-Cookie") or []))
    if status != 302 or not session:
        sys.exit(f"dashboard login failed: {status}")
    return session.group(1)


def body(code: str, n: int, credits: int | None = None) -> dict:
    redeemable = {"object": "voucher", "id": code}
    if credits is not None:
        redeemable["gift"] = {"credits": credits}
    amount = 5_000 + n % 5_000
    return {
        "redeemables": [redeemable],
        "order": {"amount": amount, "items": [{"sku_id": "sku-1", "quantity": 1, "price": amount}]},
        "customer": {"source_id": f"load-customer-{n % 300}"},
    }


class Load:
    def __init__(self, port: int, data: dict, seconds: float):
        self.port, self.data, self.seconds = port, data, seconds
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {kind: [] for kind, _ in MIX}
        self.statuses: dict[str, Counter] = {kind: Counter() for kind, _ in MIX}
        self.refusals: dict[str, Counter] = {kind: Counter() for kind, _ in MIX}  # 4xx error keys
        self.redeemed: list[str] = []  # ids of successful redemptions, for rollbacks
        self.ok_redemptions = 0
        self.ok_rollbacks = 0

    def client(self, seed: int) -> None:
        rng = random.Random(seed)
        kinds, weights = zip(*MIX, strict=True)
        api = Client(self.port, self.data["api"])
        browser = Client(self.port, {"Cookie": f"sessionid={self.data['session']}"})
        deadline = self.started + self.seconds
        n = seed * 1_000_000
        while time.monotonic() < deadline:
            n += 1
            kind = rng.choices(kinds, weights)[0]
            redemption_id = None
            if kind == "validate":
                code = rng.choice(self.data["codes"] + self.data["gifts"])
                request = (api, "POST", "/v1/validations", body(code, n))
            elif kind == "redeem":
                request = (api, "POST", "/v1/redemptions", body(rng.choice(self.data["codes"]), n))
            elif kind == "redeem_hot":
                request = (api, "POST", "/v1/redemptions", body(self.data["hot"], n))
            elif kind == "redeem_gift":
                credits = rng.randrange(500, 4_000)
                request = (api, "POST", "/v1/redemptions", body(rng.choice(self.data["gifts"]), n, credits))
            elif kind == "rollback":
                with self.lock:
                    redemption_id = rng.choice(self.redeemed) if self.redeemed else None
                if redemption_id is None:
                    continue
                request = (api, "POST", f"/v1/redemptions/{redemption_id}/rollback?reason=load", {})
            else:
                request = (browser, "GET", rng.choice(PAGES), None)
            client, method, path, payload = request
            started = time.perf_counter()
            status, text, _ = client.call(method, path, payload)
            elapsed = (time.perf_counter() - started) * 1000
            with self.lock:
                self.latencies[kind].append(elapsed)
                self.statuses[kind][status] += 1
                if status == 200 and kind.startswith("redeem"):
                    self.ok_redemptions += 1
                    self.redeemed.extend(r["id"] for r in json.loads(text)["redemptions"])
                elif status == 200 and kind == "rollback":
                    self.ok_rollbacks += 1
                elif 400 <= status < 500:
                    self.refusals[kind][json.loads(text).get("key", "?") if client is api else status] += 1

    def run(self, clients: int) -> float:
        threads = [threading.Thread(target=self.client, args=(i + 1,)) for i in range(clients)]
        self.started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.monotonic() - self.started


def check_books(data: dict, load: Load) -> list[str]:
    from django.db.models import Count, Q, Sum

    from campaigns.models import Voucher
    from redemptions.models import Redemption, Rollback

    problems = []
    codes = [*data["codes"], data["hot"], *data["gifts"]]
    vouchers = Voucher.objects.filter(code__in=codes).annotate(
        succeeded=Count("redemptions", filter=Q(redemptions__result="SUCCESS"), distinct=True),
        rolled_back=Count("redemptions__rollbacks", filter=Q(redemptions__rollbacks__result="SUCCESS"), distinct=True),
        credits_standing=Sum(
            "redemptions__gift_amount",
            filter=Q(redemptions__result="SUCCESS") & ~Q(redemptions__status="ROLLED_BACK"),
        ),
    )
    seen = 0
    for v in vouchers:
        seen += 1
        if v.redeemed_quantity != v.succeeded - v.rolled_back:
            counted = f"{v.succeeded} successes - {v.rolled_back} rollbacks"
            problems.append(f"{v.code}: redeemed_quantity {v.redeemed_quantity} != {counted}")
        if v.redemption_quantity is not None and v.redeemed_quantity > v.redemption_quantity:
            problems.append(f"{v.code}: redeemed {v.redeemed_quantity} of a quantity of {v.redemption_quantity}")
        if v.locked_quantity < 0 or v.locked_credits < 0:
            problems.append(f"{v.code}: negative locks")
        if v.gift_amount is not None:
            if v.gift_balance < 0:
                problems.append(f"{v.code}: gift balance {v.gift_balance} is negative")
            if v.gift_balance != v.gift_amount - v.redeemed_amount:
                problems.append(f"{v.code}: balance {v.gift_balance} != {v.gift_amount} - spent {v.redeemed_amount}")
            if v.redeemed_amount != (v.credits_standing or 0):
                problems.append(f"{v.code}: spent {v.redeemed_amount} != standing credits {v.credits_standing or 0}")
    if seen != len(codes):
        problems.append(f"{len(codes) - seen} vouchers are missing")

    rows = Redemption.objects.filter(voucher__code__in=codes, result="SUCCESS").count()
    if rows != load.ok_redemptions:
        problems.append(f"{load.ok_redemptions} redemptions answered 200 but {rows} successful rows exist")
    rollback_rows = Rollback.objects.filter(redemption__voucher__code__in=codes, result="SUCCESS").count()
    if rollback_rows != load.ok_rollbacks:
        problems.append(f"{load.ok_rollbacks} rollbacks answered 200 but {rollback_rows} successful rows exist")
    for kind, statuses in load.statuses.items():
        bad = {status: n for status, n in statuses.items() if status == 0 or status >= 500}
        if bad:
            problems.append(f"{kind}: unanswered or 5xx {bad}")
    return problems


def main(seconds: float, clients: int) -> None:
    setup_django()
    # The build step of a production node (hashed files for WhiteNoise), in production mode like the server.
    collect = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"]
    production = {**os.environ, "DEBUG": "0", "SECRET_KEY": "bench-" + "x" * 60}
    timed("collectstatic", lambda: subprocess.run(collect, cwd=ROOT, env=production, check=True))
    with gunicorn(PORT) as _:
        data = timed("create vouchers through the API", lambda: create_data(PORT))
        load = Load(PORT, data, seconds)
        elapsed = load.run(clients)
    total = 0
    for kind, _ in MIX:
        latencies = load.latencies[kind]
        if latencies:
            total += len(latencies)
            line = Run(kind, len(latencies), elapsed, latencies, dict(load.statuses[kind])).line()
            refusals = f", refused {dict(load.refusals[kind].most_common())}" if load.refusals[kind] else ""
            print(line + refusals, flush=True)
    print(f"all: {total} requests in {elapsed:.1f} s = {total / elapsed:.0f} req/s ({clients} clients)", flush=True)
    print(f"answered 200: {load.ok_redemptions} redemptions, {load.ok_rollbacks} rollbacks", flush=True)
    problems = check_books(data, load)
    for problem in problems:
        print(f"INCONSISTENT: {problem}", flush=True)
    print(f"inconsistencies: {len(problems)} ({total / elapsed:.0f} req/s mixed, {seconds:.0f} s, {clients} clients)")


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 45.0, int(sys.argv[2]) if len(sys.argv) > 2 else 16)
