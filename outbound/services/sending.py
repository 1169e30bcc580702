"""One signed POST to an endpoint, over a connection to the address that was checked (``outbound.addresses``).

No database here: :mod:`outbound.services.delivery` reads what to send, calls :func:`post` from its threads,
and writes what came back.
"""

import time
from dataclasses import dataclass
from datetime import UTC, datetime

import urllib3
from standardwebhooks.webhooks import Webhook as Signer

from ..addresses import Target, UrlRefused, parse, resolve

USER_AGENT = "VoucherHub-Webhooks/1"
EXCERPT_CHARACTERS = 500


@dataclass
class Answer:
    """What one attempt got: a status (None when no answer came), its latency, the start of the body, or
    the reason it never got one (``timeout``, ``refused``, an address that may not be called)."""

    status: int | None
    latency_ms: int
    excerpt: str = ""
    error: str = ""
    hung: bool = False  # no answer in time or no connection: the endpoint's other deliveries wait

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def signature(secrets: list[str], message_id: str, at: datetime, body: bytes) -> str:
    """The ``webhook-signature`` header: one ``v1,...`` per secret (two while a rotated secret lapses)."""
    return " ".join(Signer(secret).sign(message_id, at, body) for secret in secrets)


def headers(secrets: list[str], message_id: str, body: bytes, at: datetime | None = None) -> dict[str, str]:
    at = at or datetime.now(UTC)
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature(secrets, message_id, at, body),
    }


@dataclass(frozen=True)
class Limits:
    allow_http: bool
    allowed_hosts: frozenset[str]
    timeout: float
    response_bytes: int


def post(url: str, body: bytes, signed: dict[str, str], limits: Limits) -> Answer:
    """POST ``body`` to ``url``; never raises. Redirects are not followed (an answer of its own)."""
    started = time.monotonic()
    try:
        target = resolve(
            parse(url, allow_http=limits.allow_http, allowed_hosts=limits.allowed_hosts),
            allowed_hosts=limits.allowed_hosts,
        )
    except UrlRefused as refusal:
        return Answer(None, 0, error=str(refusal)[:300])
    pool = _pool(target, limits.timeout)
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers={**signed, "Host": _host_header(target)},
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            excerpt = response.read(limits.response_bytes, decode_content=False)[:EXCERPT_CHARACTERS]
        finally:
            response.release_conn()
    except urllib3.exceptions.NewConnectionError as error:  # (a subclass of the time-out, checked first)
        return Answer(None, _ms(started), error=_reason(error), hung=True)
    except urllib3.exceptions.TimeoutError:
        return Answer(None, _ms(started), error=f"No answer within {limits.timeout:g} s", hung=True)
    except urllib3.exceptions.HTTPError as error:
        return Answer(None, _ms(started), error=_reason(error), hung=True)
    finally:
        pool.close()
    return Answer(response.status, _ms(started), excerpt.decode("utf-8", "replace"))


def _pool(target: Target, timeout: float):
    options = {"timeout": urllib3.Timeout(connect=timeout, read=timeout), "maxsize": 1, "retries": False}
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            target.address, target.port, server_hostname=target.host, assert_hostname=target.host, **options
        )
    return urllib3.HTTPConnectionPool(target.address, target.port, **options)


def _host_header(target: Target) -> str:
    default = 443 if target.scheme == "https" else 80
    host = f"[{target.host}]" if ":" in target.host else target.host
    return host if target.port == default else f"{host}:{target.port}"


def _reason(error: Exception) -> str:
    text = str(getattr(error, "reason", None) or error)
    if "refused" in text.lower():
        return "Connection refused"
    return f"Could not connect: {text}"[:300]


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
