"""The /v1/ API: key authentication, the platform's error shape, and the OpenAPI document.

Each app contributes a ninja ``Router`` from its own ``api.py``; this module mounts them and renders
every error through ``ApiError.body`` (see voucherhub.errors).
"""

import json
import logging
import time

from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import APIKeyHeader

from .caller import Caller
from .errors import ApiError, for_status, invalid_payload, unauthorized
from .ids import new_request_id
from .middleware import database_unavailable
from .models import ApiKey
from .wire import unstorable

log = logging.getLogger(__name__)


# How long a process may keep using an active key it has looked up: a key revoked (or renamed) in the
# database is refused by every process at most this many seconds later. Tokens are checked on every call.
KEY_CACHE_SECONDS = 5.0
_KEY_CACHE_SIZE = 1000
_active_keys: dict[str, tuple[float, ApiKey]] = {}  # app_id -> (looked up until, key); shared by threads


def active_key(app_id: str) -> ApiKey | None:
    """The active key of ``app_id``, read from the database at most every KEY_CACHE_SECONDS per process."""
    now = time.monotonic()
    cached = _active_keys.get(app_id)
    if cached is not None and cached[0] > now:
        return cached[1]
    api_key = ApiKey.objects.filter(app_id=app_id, revoked_at__isnull=True).first()
    if api_key is None:
        _active_keys.pop(app_id, None)
        return None
    if len(_active_keys) >= _KEY_CACHE_SIZE:
        _active_keys.clear()
    _active_keys[app_id] = (now + KEY_CACHE_SECONDS, api_key)
    return api_key


class AppKeyAuth(APIKeyHeader):
    """``X-App-Id`` + ``X-App-Token`` must match an active key (see KEY_CACHE_SECONDS). The token is
    compared hashed."""

    param_name = "X-App-Token"

    def authenticate(self, request, key: str | None):
        app_id = request.headers.get("X-App-Id", "")
        if not key or not app_id or "\x00" in app_id + key:
            return None
        api_key = active_key(app_id)
        if api_key is None or not api_key.token_matches(key):
            return None
        request.api_key = api_key
        return api_key


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


class StrictJsonParser(Parser):
    """JSON bodies as the database can store them: no NaN/Infinity, no NUL characters (PostgreSQL
    refuses NUL in text and jsonb, which would otherwise surface as a 500 deep inside a service)."""

    def parse_body(self, request):
        raw = request.body or b"{}"
        try:
            data = json.loads(raw, parse_constant=_refuse_constant)
        except ValueError as exc:
            raise invalid_payload(f"The body is not valid JSON: {exc}") from None
        # ASCII without \u escapes cannot decode to NUL (json refuses raw control characters) or to a lone
        # surrogate: the common body skips the walk.
        if not (raw.isascii() and b"\\u" not in raw) and unstorable(data):
            raise invalid_payload("Text cannot contain NUL characters (\\u0000) or lone surrogates")
        return data


api = NinjaAPI(
    title="VoucherHub API",
    version="v2018-08-01",
    description="The platform's v1 wire format (see API.md); authenticate with X-App-Id and X-App-Token.",
    auth=AppKeyAuth(),
    urls_namespace="v1",
    openapi_url="/openapi.json",
    docs_url=None,
    parser=StrictJsonParser(),
)


def request_id_of(request) -> str:
    """The call's id, set by the audit middleware; made here when the middleware did not run."""
    if not getattr(request, "request_id", None):
        request.request_id = new_request_id()
    return request.request_id


def caller_of(request) -> Caller:
    """The Caller that services receive for an authenticated /v1/ call."""
    return Caller.for_api_key(request.auth, request_id_of(request))


def error_response(request, error: ApiError):
    return api.create_response(request, error.body(request_id_of(request)), status=error.status)


@api.exception_handler(ApiError)
def _api_error(request, exc: ApiError):
    return error_response(request, exc)


@api.exception_handler(AuthenticationError)
def _unauthorized(request, exc):
    return error_response(request, unauthorized())


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    return error_response(request, invalid_payload(describe_validation_errors(exc.errors)))


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return error_response(request, for_status(exc.status_code, str(exc)))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return error_response(request, for_status(404, "Cannot find the requested resource"))


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def _database_down(request, exc):
    # The database is down or restarting: 503, not a 500 (voucherhub.middleware explains the three places).
    log.error("database unavailable during %s %s: %s", request.method, request.path, type(exc).__name__)
    return error_response(request, database_unavailable())


@api.exception_handler(Exception)
def _crash(request, exc):
    log.exception("unhandled error in %s %s", request.method, request.path)
    return error_response(request, for_status(500, "The server could not complete the call; it was logged."))


def describe_validation_errors(errors: list[dict]) -> str:
    """The first schema violation in the platform's words: ``Property .redeemables[1].id: Field required``."""
    if not errors:
        return "Invalid input data"
    first = errors[0]
    loc = [part for part in first.get("loc", ()) if part not in ("body", "payload", "query", "path")]
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)
    message = first.get("msg", "is invalid")
    return f"Property {path}: {message}" if path else message


def public(patterns):
    """Mark the API's views as not needing a dashboard login (they authenticate with keys)."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            public(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            pattern.callback.login_required = False
    return patterns


def urls():
    """The URL include for ``path("v1/", ...)``, after every app registered its router."""
    from campaigns.api import router as campaigns_router
    from exports.api import router as exports_router
    from redemptions.api import router as redemptions_router
    from sessions.api import router as sessions_router
    from stacking.api import router as stacking_router

    # Django tries the routes in order: the redemptions router (validations, redemptions) comes first, so the
    # hot calls resolve after a few patterns instead of after every campaign route.
    for router in (redemptions_router, campaigns_router, sessions_router, stacking_router, exports_router):
        api.add_router("", router)
    patterns, app_name, namespace = api.urls
    return public(patterns), app_name, namespace
