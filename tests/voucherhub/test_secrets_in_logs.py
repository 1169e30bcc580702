"""An export's download link carries its token in the query string: neither server's own access line may
write it down. gunicorn (production) runs as a subprocess with its access log on; runserver's handler
(``make run``) serves a real request in this process."""

import logging
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.error import HTTPError

from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
from django.core.wsgi import get_wsgi_application

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "Zq8-download-token-never-logged"
DOWNLOAD = f"/exports/exp_01a2b3c4/download/?token={TOKEN}"


def _get(base: str, path: str) -> int:
    request = urllib.request.Request(base + path)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        return opener.open(request, timeout=10).status
    except HTTPError as answer:
        return answer.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorns_access_line_has_the_path_without_the_token(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DJANGO_SETTINGS_MODULE="voucherhub.settings",
        DEBUG="1",
        LOG_FORMAT="text",
        GUNICORN_ACCESS_LOG="-",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        VOUCHERHUB_VAR_DIR=str(tmp_path),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    )
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            ["gunicorn", "voucherhub.wsgi", "-c", "gunicorn.conf.py"], cwd=ROOT, env=env, stdout=out, stderr=out
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "Booting worker" not in log.read_text():
            time.sleep(0.2)
        status = _get(f"http://127.0.0.1:{port}", DOWNLOAD)
        assert status == 302  # to the login page: nobody is signed in
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "/download/" not in log.read_text():
            time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=30)
    text = log.read_text()
    assert '"GET /exports/exp_01a2b3c4/download/ HTTP/1.1" 302' in text, text[-2000:]
    assert TOKEN not in text


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def test_runservers_access_line_shows_the_token_removed():
    server = WSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    server.set_app(get_wsgi_application())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    lines = _Lines()
    logging.getLogger("django.server").addHandler(lines)
    try:
        assert _get(f"http://127.0.0.1:{server.server_address[1]}", DOWNLOAD) == 302
        deadline = time.monotonic() + 10  # the server writes its line after the answer has gone out
        while time.monotonic() < deadline and not any("/download/" in line for line in lines.lines):
            time.sleep(0.05)
    finally:
        logging.getLogger("django.server").removeHandler(lines)
        server.shutdown()
        server.server_close()
    [line] = [line for line in lines.lines if "/download/" in line]
    assert '"GET /exports/exp_01a2b3c4/download/?token=[removed] HTTP/1.1" 302' in line
    assert TOKEN not in " ".join(lines.lines)
