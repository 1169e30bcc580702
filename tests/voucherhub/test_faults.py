"""The database goes away and comes back: the API answers 503 in the error shape, the dashboard a
friendly page, nothing is half written, and the running server recovers without a restart.

The shared PostgreSQL server is never touched: each run starts a throwaway PostgreSQL cluster on
loopback in a temporary folder (initdb + pg_ctl), and a production-mode gunicorn (gunicorn.conf.py,
DEBUG=0, persistent connections) in front of it; the test stops and starts that cluster under it.
"""

import contextlib
import glob
import http.client
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)), None)

SETUP = """
import json
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from campaigns.models import Campaign, CampaignType, Voucher
from voucherhub.services import create_api_key

key, token = create_api_key(name="Faults")
campaign = Campaign.objects.create(name="Faults", campaign_type=CampaignType.DISCOUNT_COUPONS)
Voucher.objects.create(
    code="FAULT-1", campaign=campaign, discount_type="PERCENT", percent_off=10, redemption_quantity=50
)
user = get_user_model().objects.create_user("admin", password="faults-pw-4417")
user.groups.add(Group.objects.get(name="Admin"))
client = Client()
client.force_login(user)
print(json.dumps({"app_id": key.app_id, "token": token, "session": client.cookies["sessionid"].value}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A PostgreSQL cluster of our own in a temp folder, owned by the ``postgres`` system user."""

    def __init__(self, folder: Path, port: int, *, also_on: str = "", max_connections: int = 30):
        """``also_on``: an address of the host to listen on besides loopback, trusting its /24."""
        self.folder, self.port, self.also_on, self.max_connections = folder, port, also_on, max_connections
        self.data = folder / "data"
        self.url = f"postgres://postgres@127.0.0.1:{port}/faults"

    def _run(self, *args: str, check: bool = True) -> int:
        command = [f"{PG_BIN}/{args[0]}", *args[1:]]
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, timeout=60).returncode

    def running(self) -> bool:
        return self._run("pg_ctl", "-D", str(self.data), "status", check=False) == 0

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
        if self.also_on:
            subnet = self.also_on.rsplit(".", 1)[0] + ".0/24"
            with open(self.data / "pg_hba.conf", "a") as hba:
                hba.write(f"host all all {subnet} trust\n")

    def start(self) -> None:
        options = (
            f"-c port={self.port} -c listen_addresses=127.0.0.1{',' + self.also_on if self.also_on else ''} "
            f"-c unix_socket_directories={self.folder} -c fsync=off -c full_page_writes=off -c shared_buffers=16MB "
            f"-c max_connections={self.max_connections}"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "postgres.log"), "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def createdb(self, name: str) -> None:
        subprocess.run(
            [f"{PG_BIN}/createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name], check=True
        )

    def sql(self, query: str, db: str = "faults"):
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=db, connect_timeout=5) as conn:
            return conn.execute(query).fetchall()


@pytest.fixture(scope="module")
def cluster():
    with throwaway_cluster() as made:
        yield made


@contextlib.contextmanager
def throwaway_cluster(**options):
    """A started Cluster(``options``) with a database ``faults``, removed after; skips the test where
    PostgreSQL's server binaries (or, as root, the ``postgres`` user) are missing."""
    if PG_BIN is None or not Path(PG_BIN, "initdb").exists():
        pytest.skip("needs PostgreSQL's server binaries (/usr/lib/postgresql/*/bin/initdb, Debian's postgresql)")
    if os.geteuid() == 0:
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root, and there is no 'postgres' user to run a throwaway cluster as")
    folder = Path(tempfile.mkdtemp(prefix="vh-faults-pg-"))
    if os.geteuid() == 0:
        os.chown(folder, pw.pw_uid, pw.pw_gid)
    cluster = Cluster(folder, free_port(), **options)
    try:
        cluster.init()
        cluster.start()
        cluster.createdb("faults")
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def cluster_left_running(request):
    """A test that fails while its database is stopped must not take the next test down with it."""
    yield
    if "cluster" in request.fixturenames:
        cluster = request.getfixturevalue("cluster")
        if not cluster.running():
            cluster.start()


@dataclass
class App:
    port: int
    headers: dict
    session: str
    log: Path


def production_env(cluster: Cluster, var_dir: Path, port: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="voucherhub.settings",
        DATABASE_URL=cluster.url,
        VOUCHERHUB_VAR_DIR=str(var_dir),
        STATIC_ROOT=str(var_dir / "static"),
        DEBUG="0",
        SECRET_KEY="faults-test-" + "s3cr3t" * 10,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        CONN_MAX_AGE="60",  # persistent connections: they must be dropped and re-opened, not kept broken
        DB_CONNECT_TIMEOUT="2",
        LOG_FORMAT="json",
        PORT=str(port),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="2",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",  # the Procfile's python, gunicorn
    )
    return env


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip() and not line.startswith("#"))


def build_and_release(env: dict) -> dict:
    """docs/deploy.md's steps before any process starts: the build step and the Procfile's release
    phase; then this test's data (an API key, a voucher, an Admin and a session), returned."""
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
    subprocess.run(procfile()["release"], shell=True, cwd=ROOT, env=env, check=True, timeout=300, capture_output=True)
    out = subprocess.run(
        [*manage, "shell", "-c", SETUP], cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=60
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def background(command: list[str], env: dict, log: Path):
    """Run ``command`` in its own process group with its output in ``log``; stop the whole group after."""
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def app(cluster, tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("faults-var")
    port = free_port()
    env = production_env(cluster, var_dir, port)
    made = build_and_release(env)
    log = var_dir / "gunicorn.log"
    with background(procfile()["web"].split(), env, log):
        assert wait_until(lambda: call(port, "GET", "/healthz")[0] == 200), log.read_text()
        yield App(port, {"X-App-Id": made["app_id"], "X-App-Token": made["token"]}, made["session"], log)


def call(port: int, method: str, path: str, body=None, headers: dict | None = None, *, host: str = "127.0.0.1"):
    """(status, headers, body text); status 0 when the server did not answer at all, or stopped half way
    through its answer (a node killed while sending it). A dict or list body is sent as JSON, bytes as they
    are (with the caller's Content-Type)."""
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        conn.request(method, path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.headers, response.read().decode()
    except (OSError, http.client.HTTPException):  # IncompleteRead: the answer was cut off
        return 0, {}, ""
    finally:
        conn.close()


def wait_until(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def cookies_of(headers) -> dict[str, str]:
    jar = {}
    for header in headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]
    return jar


def login_form(port: int, username: str, password: str) -> tuple[bytes, dict]:
    """The login form as a browser would post it (CSRF cookie and token from GET /login/): (body, headers)."""
    status, headers, page = call(port, "GET", "/login/")
    assert status == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password}).encode()
    cookie = f"csrftoken={cookies_of(headers)['csrftoken']}"
    return form, {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}


def log_in(port: int, username: str, password: str) -> str:
    """Signs in through the real login form; returns the session cookie."""
    status, headers, _ = call(port, "POST", "/login/", *login_form(port, username, password))
    assert status == 302, "login failed"
    return cookies_of(headers)["sessionid"]


def redeem(app: App, n: int):
    body = {
        "redeemables": [{"object": "voucher", "id": "FAULT-1"}],
        "order": {"amount": 10_000 + n, "items": [{"sku_id": "sku-1", "quantity": 1, "price": 10_000 + n}]},
        "customer": {"source_id": f"faults-customer-{n}"},
    }
    return call(app.port, "POST", "/v1/redemptions", body, app.headers)


def dashboard(app: App, path: str = "/redemptions/"):
    return call(app.port, "GET", path, headers={"Cookie": f"sessionid={app.session}"})


def books(cluster: Cluster) -> tuple[int, int, int]:
    """(voucher's redeemed quantity, successful redemptions of it, all redemption rows of it); all three
    move together when the books are right."""
    [(redeemed, succeeded, attempts)] = cluster.sql(
        "SELECT v.redeemed_quantity, "
        "count(r.id) FILTER (WHERE r.result = 'SUCCESS'), count(r.id) "
        "FROM campaigns_voucher v LEFT JOIN redemptions_redemption r ON r.voucher_id = v.id "
        "WHERE v.code = 'FAULT-1' GROUP BY v.redeemed_quantity"
    )
    return redeemed, succeeded, attempts


def test_database_outage_gives_503s_writes_nothing_and_the_server_recovers_by_itself(cluster, app):
    redeemed, succeeded, attempts = books(cluster)
    assert redeemed == succeeded == attempts

    def moved_by(n: int) -> bool:
        return books(cluster) == (redeemed + n, succeeded + n, attempts + n)

    # Up: a redemption goes through, the dashboard shows it, the node is ready.
    status, _, text = redeem(app, 1)
    assert status == 200, text
    assert dashboard(app)[0] == 200
    assert call(app.port, "GET", "/readyz")[0] == 200
    assert moved_by(1)

    sign_in = login_form(app.port, "admin", "faults-pw-4417")  # the form is on screen when the database goes

    cluster.stop()

    # Down, API: 503 in the platform's error shape with a request id, never an HTML page or a 500.
    status, headers, text = redeem(app, 2)
    assert status == 503, text
    error = json.loads(text)
    assert error["code"] == 503
    assert error["key"] == "service_unavailable"
    assert error["request_id"] == headers["X-Request-Id"]
    assert "5432" not in text and "127.0.0.1" not in text and "psycopg" not in text.lower()
    status, _, text = call(app.port, "GET", "/v1/vouchers/FAULT-1", headers=app.headers)
    assert status == 503 and json.loads(text)["key"] == "service_unavailable"

    # Down, dashboard: the friendly page (the session lookup fails before any view runs).
    for path in ("/redemptions/", "/"):
        status, headers, text = dashboard(app, path)
        assert status == 503
        assert "text/html" in headers["Content-Type"]
        assert "temporarily unavailable" in text
        assert "Traceback" not in text and "OperationalError" not in text

    # Down, a view that reaches the database itself (signing in): the same page, nobody signed in.
    status, headers, text = call(app.port, "POST", "/login/", *sign_in)
    assert status == 503 and "temporarily unavailable" in text
    assert "sessionid" not in cookies_of(headers)

    # Down, probes: alive but not ready, and saying nothing more.
    assert call(app.port, "GET", "/healthz")[::2] == (200, "ok")
    assert call(app.port, "GET", "/readyz")[::2] == (503, "unavailable")

    cluster.start()

    # Back: the same server process answers again (its broken connections were dropped, not reused).
    assert wait_until(lambda: call(app.port, "GET", "/readyz")[0] == 200)
    assert dashboard(app)[0] == 200
    status, _, text = redeem(app, 3)
    assert status == 200, text
    # Nothing from the outage was written: two calls answered 200, and those are the only redemptions.
    assert moved_by(2)

    # A restart between two requests (no request saw it fail): the stale persistent connections are
    # noticed by Django's health check before use, so the very next requests succeed.
    cluster.stop()
    cluster.start()
    for _ in range(4):  # more requests than threads, so every thread's connection is exercised
        assert dashboard(app)[0] == 200
    status, _, text = redeem(app, 4)
    assert status == 200, text
    assert moved_by(3)


def test_each_request_logs_one_json_line_with_its_request_id(app):
    status, headers, _ = redeem(app, 10)
    assert status == 200
    api_id = headers["X-Request-Id"]
    status, headers, _ = dashboard(app)
    assert status == 200
    page_id = headers["X-Request-Id"]  # dashboard pages get one too

    def lines_for(request_id):
        entries = []
        for line in app.log.read_text().splitlines():
            if request_id in line:
                entries.append(json.loads(line))  # every line that carries it is JSON
        return entries

    assert wait_until(lambda: lines_for(api_id) and lines_for(page_id), timeout=5)
    [api_line] = lines_for(api_id)
    assert api_line["method"] == "POST" and api_line["path"] == "/v1/redemptions" and api_line["status"] == 200
    assert api_line["logger"] == "voucherhub.request" and api_line["level"] == "INFO"
    assert isinstance(api_line["duration_ms"], float)
    [page_line] = lines_for(page_id)
    assert page_line["path"] == "/redemptions/" and page_line["status"] == 200
    # The API token never reaches the log, and every line of it (gunicorn's own too) is JSON.
    text = app.log.read_text()
    assert app.headers["X-App-Token"] not in text
    assert all(json.loads(line) for line in text.splitlines())


@pytest.mark.e2e
def test_a_person_sees_the_friendly_page_while_the_database_is_down_and_try_again_works_after(
    cluster, app, page, artifact_dir
):
    from playwright.sync_api import expect

    base = f"http://127.0.0.1:{app.port}"
    page.goto(base + "/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("faults-pw-4417")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/")
    page.goto(base + "/redemptions/")
    expect(page.get_by_role("navigation", name="Redemptions tabs")).to_be_visible()

    cluster.stop()
    page.reload()
    expect(page.get_by_role("heading", name="VoucherHub is temporarily unavailable")).to_be_visible()
    expect(page.get_by_text("nothing is ever half saved")).to_be_visible()
    expect(page).to_have_title("Temporarily unavailable · VoucherHub")
    page.screenshot(path=artifact_dir / "database-down.png", full_page=True)
    cluster.start()

    page.get_by_role("link", name="Try again").click()
    expect(page).to_have_url(f"{base}/redemptions/")
    expect(page.get_by_role("navigation", name="Redemptions tabs")).to_be_visible()
    page.screenshot(path=artifact_dir / "database-back.png", full_page=True)
