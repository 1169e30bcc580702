"""Production middleware: health probes, one log line per request, and a database outage as a 503.

A database outage reaches three places, each answering the same 503 (``unavailable_response``):
``DatabaseUnavailableMiddleware.process_exception`` for dashboard views, ``voucherhub.views.server_error``
(handler500) for everything outside a view (the session and user lookups of other middleware), and the
/v1/ exception handler in voucherhub.api. Nothing is written during an outage, and nothing needs a
restart afterwards: Django drops a connection that raised (and, with CONN_HEALTH_CHECKS, a persistent
one that went stale) and opens a fresh one on the next request.
"""

import logging
import time

from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.urls import Resolver404, resolve

from .api.errors import database_unavailable, error_response
from .ids import new_request_id
from .wire import API_PREFIXES

log = logging.getLogger(__name__)
request_log = logging.getLogger("voucherhub.request")

# What a database that is down, restarting or unreachable raises (psycopg and sqlite3 alike).
DATABASE_DOWN = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = "10"


def database_down(exc: BaseException | None) -> bool:
    return isinstance(exc, DATABASE_DOWN)


def unavailable_response(request, exc: BaseException) -> HttpResponse:
    """503 in the platform's error shape for /v1/, the friendly page for the dashboard. Touches no database."""
    # One line per request, no traceback: an outage would otherwise bury the log.
    log.error("database unavailable during %s %s: %s", request.method, request.path, type(exc).__name__)
    if request.path.startswith(API_PREFIXES):
        request_id = getattr(request, "request_id", None) or new_request_id()
        response = error_response(database_unavailable(), request_id)
    else:
        # No request in the context: the context processors would look up the user in the database.
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = RETRY_AFTER_SECONDS
    return response


class DatabaseUnavailableMiddleware:
    """A view that hits a database outage answers 503 instead of a 500 (in DEBUG mode as well)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return unavailable_response(request, exception) if database_down(exception) else None


class HealthCheckMiddleware:
    """Answers GET/HEAD /healthz and /readyz before anything else runs (host check, HTTPS redirect,
    sessions, logging): load balancers probe each node by its address over plain HTTP, and neither
    answer reveals anything but ok/unavailable."""

    def __init__(self, get_response):
        from . import views  # views imports this module

        self.get_response = get_response
        self.probes = {"/healthz": views.healthz, "/readyz": views.readyz}

    def __call__(self, request):
        probe = self.probes.get(request.path_info)
        if probe is not None and request.method in ("GET", "HEAD"):
            return probe(request)
        return self.get_response(request)


class RequestLogMiddleware:
    """One log line per request (JSON in production, see voucherhub.logging) carrying its request id:
    the X-Request-Id that the /v1/ audit middleware set, or a new one for dashboard pages, which is
    then returned in the same header. The query string is left out (filters can hold personal data)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        request_id = response.get("X-Request-Id") or getattr(request, "request_id", None)
        if not request_id:
            request_id = new_request_id()
            response["X-Request-Id"] = request_id
        request_log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        return response


class NulInPathNotFoundMiddleware:
    """A dashboard address holding a NUL character (``/redemptions/validations/valid_%00/``) names nothing:
    the 404 page, before a view passes the id to PostgreSQL, which refuses NUL in text. One check for every
    URL with an id in it; /v1/ answers its own 400 (auditlog.middleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path and not request.path.startswith(API_PREFIXES):
            raise Http404("No such page")
        return self.get_response(request)


class MethodNotAllowedPageMiddleware:
    """A dashboard URL asked with a method it does not take (a GET on a POST-only action: Django's
    require_POST answers a bare HttpResponseNotAllowed) gets templates/405.html instead of a blank page,
    with status 405 and the Allow header kept. The /v1/ API keeps its own JSON errors."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or request.path.startswith("/v1/") or response.streaming or response.content:
            return response
        allowed = [method.strip() for method in response.get("Allow", "").split(",") if method.strip()]
        back = _page_of_the_button(request.path)
        page = render(request, "405.html", {"allowed": allowed, "method": request.method, "back": back}, status=405)
        page["Allow"] = response.get("Allow", "")
        return page


def _page_of_the_button(path: str) -> str | None:
    """The page an action's button sits on: the action's address less its last part
    (/redemptions/sessions/ssn_1/release/ -> /redemptions/sessions/ssn_1/), when that is a page; else None."""
    parent = path.rstrip("/").rsplit("/", 1)[0] + "/"
    if parent == "/" or parent == path:
        return None
    try:
        resolve(parent)
    except Resolver404:
        return None
    return parent
