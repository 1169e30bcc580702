"""Fixtures for /v1/ tests: a key, a raw JSON client, and the official SDK against a live server."""

import http.client
import json
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.test import Client

from voucherhub.services import create_api_key


@dataclass
class Credentials:
    app_id: str
    token: str
    name: str


@pytest.fixture
def credentials(db) -> Credentials:
    key, token = create_api_key(name="Test shop")
    return Credentials(app_id=key.app_id, token=token, name=key.name)


class JsonClient:
    """Django's test client speaking JSON with the key's headers, like any API consumer."""

    def __init__(self, credentials: Credentials):
        self.client = Client()
        self.headers = {"X-App-Id": credentials.app_id, "X-App-Token": credentials.token}

    def call(self, method: str, path: str, body=None, *, headers: dict | None = None, raw: bytes | str | None = None):
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        kwargs = {"content_type": "application/json"} if data is not None else {}
        return getattr(self.client, method.lower())(
            path, data=data, headers={**self.headers, **(headers or {})}, **kwargs
        )

    def get(self, path: str, params: dict | None = None, **kw):
        return self.client.get(path, data=params or {}, headers={**self.headers, **kw.get("headers", {})})

    def post(self, path: str, body=None, **kw):
        return self.call("POST", path, body, **kw)

    def put(self, path: str, body=None, **kw):
        return self.call("PUT", path, body, **kw)

    def delete(self, path: str, **kw):
        return self.call("DELETE", path, **kw)


@pytest.fixture
def api(credentials) -> JsonClient:
    return JsonClient(credentials)


@pytest.fixture
def sdk(live_server, credentials):
    """The official ``voucherify`` SDK, unchanged, pointed at a live VoucherHub server."""
    import voucherify

    configuration = voucherify.Configuration(
        host=live_server.url, api_key={"X-App-Id": credentials.app_id, "X-App-Token": credentials.token}
    )
    with voucherify.ApiClient(configuration) as client:
        yield client
        # close keep-alive connections now, not after the live server's database has gone
        client.rest_client.pool_manager.clear()


@pytest.fixture
def call(live_server, transactional_db):
    """A raw JSON POST to the live server in a connection of its own (the concurrency tests' one call)."""
    key, token = create_api_key(name="Race")
    netloc = urlsplit(live_server.url).netloc

    def post(path: str, body) -> tuple[int, dict]:
        conn = http.client.HTTPConnection(netloc, timeout=60)
        try:
            headers = {"X-App-Id": key.app_id, "X-App-Token": token, "Content-Type": "application/json"}
            conn.request("POST", path, body=json.dumps(body), headers=headers)
            response = conn.getresponse()
            return response.status, json.loads(response.read())
        finally:
            conn.close()

    return post
