"""docs/deploy.md's "Trying it on one machine", run as written: the build step, the release phase, then
the Procfile under honcho with two web processes, two workers and one beat, in production mode.

Runs against a throwaway PostgreSQL cluster (see test_faults.py) and Redis when REDIS_URL is set (CI),
else the filesystem broker in a temporary folder; the shared servers' data is never touched.
"""

import json
import os
import socket
import subprocess
from pathlib import Path

import pytest

from tests.voucherhub.test_faults import (  # noqa: F401  (cluster is a fixture)
    ROOT,
    background,
    build_and_release,
    call,
    cluster,
    log_in,
    production_env,
    wait_until,
)


def free_base_port() -> int:
    """A port p with p and p+1 free (honcho gives web.1 p, web.2 p+1, workers p+100.., beat p+200)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base > 60000:
            continue
        try:
            for port in (base + 1, base + 100, base + 101, base + 200):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no free port range")


@pytest.fixture
def deployment(cluster, tmp_path):  # noqa: F811
    base = free_base_port()
    env = production_env(cluster, tmp_path / "var", base)
    for name in ("PORT", "GUNICORN_BIND", "WEB_CONCURRENCY"):
        env.pop(name)  # honcho gives each process its PORT; gunicorn.conf.py binds 0.0.0.0:$PORT
    env.update(
        DATABASE_URL=cluster.url.rsplit("/", 1)[0] + "/deploy",
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="2",
        CELERY_CONCURRENCY="1",
    )
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    cluster.createdb("deploy")
    made = build_and_release(env)
    honcho = f"honcho start -f Procfile -p {base} -c web=2,worker=2,beat=1 web worker beat".split()  # as the doc
    log = tmp_path / "honcho.log"
    with background(honcho, env, log):
        yield {"ports": (base, base + 1), "env": env, "log": log, "api": made}


def test_two_web_processes_two_workers_and_beat_run_from_the_procfile_as_the_deploy_doc_says(deployment, cluster):  # noqa: F811
    ports = deployment["ports"]
    # Both web processes come up and are ready (database and broker reachable).
    for port in ports:
        ready = wait_until(lambda port=port: call(port, "GET", "/readyz")[::2] == (200, "ok"), timeout=60)
        assert ready, deployment["log"].read_text()[-3000:]

    # WhiteNoise serves the hashed static files that the build step wrote, from either node, cacheable forever.
    manifest = json.loads((Path(deployment["env"]["STATIC_ROOT"]) / "staticfiles.json").read_text())
    hashed = manifest["paths"]["css/app.css"]
    for port in ports:
        status, headers, text = call(port, "GET", f"/static/{hashed}")
        assert status == 200 and "--vh-accent" in text
        assert "max-age=315360000" in headers["Cache-Control"]
        status, _, page = call(port, "GET", "/login/")
        assert status == 200 and f"/static/{hashed}" in page

    # One login works on the other node too: sessions live in PostgreSQL, signed with the shared SECRET_KEY.
    session = log_in(ports[0], "admin", "faults-pw-4417")
    status, _, page = call(ports[1], "GET", "/redemptions/", headers={"Cookie": f"sessionid={session}"})
    assert status == 200 and "Redemptions" in page

    # Both workers consume the broker: each answers a ping under its own name (another test run's worker
    # on the same Redis may answer too), and their start-up task reached the database.
    ours = {f"worker-{ports[0] + 100}", f"worker-{ports[0] + 101}"}  # honcho's PORT for worker.1 and worker.2

    def workers_answering() -> set[str]:
        ping = subprocess.run(
            ["celery", "-A", "voucherhub", "inspect", "ping", "--timeout", "3", "--json"],
            cwd=ROOT,
            env=deployment["env"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if ping.returncode != 0:
            return set()
        return {name.split("@")[0] for name in json.loads(ping.stdout.strip().splitlines()[-1])}

    assert wait_until(lambda: ours <= workers_answering(), timeout=60)
    assert wait_until(lambda: cluster.sql("SELECT count(*) FROM voucherhub_workerheartbeat", db="deploy")[0][0] == 1)
    # ...and the one beat is running (its first periodic task is due only after 30 s).
    assert wait_until(lambda: "beat: Starting..." in deployment["log"].read_text(), timeout=30)
