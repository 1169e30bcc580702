"""CPU per ``POST /v1/redemptions`` in-process: the Django test client against PostgreSQL with production
settings (DEBUG off, one persistent connection), one client, no HTTP server.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/voucherhub_bench .venv/bin/python bench/api_cpu.py [N]

Measures the Python process's CPU and its PostgreSQL backend's (``/proc/<pid>/stat``) over N redemptions of
distinct vouchers (after a warm-up), and counts the statements of one call. Unlike the throughput bench it
does not depend on how busy the shared machine is: CPU, not wall time. The last line is the figure.
"""

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django

os.environ.update(DEBUG="0", SECRET_KEY="bench-" + "x" * 60, ALLOWED_HOSTS="testserver", SECURE_SSL_REDIRECT="0")
os.environ.update(CONN_MAX_AGE="60", LOG_LEVEL="WARNING")
WARM_UP = 20


def backend_cpu(connection) -> float:
    """Seconds of CPU the connection's PostgreSQL backend has used (same machine)."""
    fields = Path(f"/proc/{connection.connection.info.backend_pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(count: int) -> None:
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.api_throughput import body, prepare

    headers, codes = prepare(count + WARM_UP + 1)
    client = Client(headers={"x-app-id": headers["X-App-Id"], "x-app-token": headers["X-App-Token"]})

    def redeem(i: int) -> None:
        response = client.post("/v1/redemptions", json.dumps(body(codes[i], i)), content_type="application/json")
        assert response.status_code == 200, response.content

    for i in range(WARM_UP):
        redeem(i)
    with CaptureQueriesContext(connection) as captured:
        redeem(WARM_UP)
    print(f"statements (round trips) of one redemption: {len(captured)}", flush=True)
    python, database = time.process_time(), backend_cpu(connection)
    for i in range(WARM_UP + 1, WARM_UP + 1 + count):
        redeem(i)
    python = (time.process_time() - python) * 1000 / count
    database = (backend_cpu(connection) - database) * 1000 / count
    print(f"POST /v1/redemptions in-process: {python + database:.2f} ms CPU a call (Python {python:.2f} ms, "
          f"PostgreSQL {database:.2f} ms; {count} calls)")  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 800)
