"""/healthz and /readyz: unauthenticated, answered to a load balancer probing by address over plain
HTTP, and revealing nothing but ok / unavailable. (The database-down answer of /readyz is in
test_faults.py, against a PostgreSQL that the test really stops.)"""

import pytest
from django.test import Client, override_settings

from voucherhub.celery import app as celery_app

PROBES = ["/healthz", "/readyz"]


@pytest.mark.parametrize("path", PROBES)
def test_probes_answer_ok_without_a_login(db, client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"] == "text/plain"
    assert response["Cache-Control"] == "no-store"
    assert client.head(path).status_code == 200


@pytest.mark.parametrize("path", PROBES)
@override_settings(ALLOWED_HOSTS=["vh.example.com"], SECURE_SSL_REDIRECT=True)
def test_a_load_balancer_probing_a_node_by_address_over_http_gets_the_answer(db, path):
    client = Client()  # built after override_settings, so the HTTPS redirect is on
    assert client.get(path, HTTP_HOST="10.0.3.7:8000").content == b"ok"
    # ...while every other page still refuses an unknown host and redirects to HTTPS.
    assert client.get("/login/", HTTP_HOST="10.0.3.7:8000").status_code == 400
    assert client.get("/login/", HTTP_HOST="vh.example.com").status_code == 301


@pytest.fixture
def broker_on_a_closed_port():
    """Point the Celery app at a Redis port nothing listens on; restore it afterwards."""
    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        yield
    finally:
        celery_app.conf.broker_url = original


def test_readyz_says_unavailable_and_nothing_more_when_the_broker_is_unreachable(db, client, broker_on_a_closed_port):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.content == b"unavailable"  # not which dependency, nor its address, nor the error
    assert client.get("/healthz").status_code == 200  # the process itself is alive


def test_probes_do_not_log_requests_or_set_cookies(db, client, caplog):
    with caplog.at_level("INFO", logger="voucherhub.request"):
        response = client.get("/readyz")
    assert not response.cookies
    assert not [r for r in caplog.records if r.name == "voucherhub.request"]
    assert "X-Request-Id" not in response
